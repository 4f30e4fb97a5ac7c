//! What a goroutine is blocked on, from its wait reason and the frames above the block.

use goroscope_dump::{FrameId, Snapshot, WaitReason};
use serde::Serialize;

/// The blocking operation of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Blocking {
    /// `ch <- v`
    ChanSend,
    /// `<-ch`
    ChanReceive,
    /// Send on a nil channel.
    NilChanSend,
    /// Receive from a nil channel.
    NilChanReceive,
    /// `select` with cases.
    Select,
    /// `select {}`
    SelectNoCases,
    /// `sync.Mutex.Lock`
    Mutex,
    /// `sync.RWMutex.Lock` or `RLock`
    RwMutex,
    /// `sync.WaitGroup.Wait`
    WaitGroup,
    /// `sync.Cond.Wait`
    Cond,
    /// Another semaphore (runtime-internal, fd mutex …).
    Semaphore,
    /// `time.Sleep`
    Sleep,
    /// Reading from a network connection.
    NetRead,
    /// Waiting in `Accept` on a listener.
    NetAccept,
    /// Other network I/O (write, connect, poll).
    NetOther,
    /// In a system call or cgo.
    Syscall,
    /// Running on a thread.
    Running,
    /// Waiting for a thread.
    Runnable,
    /// The runtime's own background work.
    Runtime,
    /// The format records no wait reason and the frames do not name the operation (`debug=1` hides the runtime
    /// frames that would).
    Unknown,
    /// Anything else.
    Other,
}

impl Blocking {
    /// Blocks until some other goroutine acts; may block for ever if nobody does.
    pub fn can_block_forever(self) -> bool {
        matches!(
            self,
            Blocking::ChanSend
                | Blocking::ChanReceive
                | Blocking::NilChanSend
                | Blocking::NilChanReceive
                | Blocking::Select
                | Blocking::SelectNoCases
                | Blocking::Mutex
                | Blocking::RwMutex
                | Blocking::WaitGroup
                | Blocking::Cond
                | Blocking::Semaphore
                | Blocking::Sleep
                | Blocking::NetRead
                | Blocking::Unknown
        )
    }

    /// A plain operation that cannot notice a cancelled context or a client that went away; `select` can.
    pub fn ignores_cancellation(self) -> bool {
        self.can_block_forever()
            && !matches!(self, Blocking::Select | Blocking::Semaphore | Blocking::NetRead | Blocking::Unknown)
    }

    /// Words for the operation.
    pub fn describe(self) -> &'static str {
        match self {
            Blocking::ChanSend => "channel send",
            Blocking::ChanReceive => "channel receive",
            Blocking::NilChanSend => "send on a nil channel",
            Blocking::NilChanReceive => "receive from a nil channel",
            Blocking::Select => "select",
            Blocking::SelectNoCases => "select with no cases",
            Blocking::Mutex => "sync.Mutex lock",
            Blocking::RwMutex => "sync.RWMutex lock",
            Blocking::WaitGroup => "sync.WaitGroup wait",
            Blocking::Cond => "sync.Cond wait",
            Blocking::Semaphore => "semaphore",
            Blocking::Sleep => "sleep",
            Blocking::NetRead => "network read",
            Blocking::NetAccept => "accept on a listener",
            Blocking::NetOther => "network I/O",
            Blocking::Syscall => "system call",
            Blocking::Running => "running",
            Blocking::Runnable => "runnable",
            Blocking::Runtime => "runtime background work",
            Blocking::Unknown => "wait not recorded",
            Blocking::Other => "other",
        }
    }
}

/// Packages whose channel and lock waits are waits on a remote peer (a response, a stream), not on another
/// goroutine of the program.
const NETWORK_CLIENT_PACKAGES: &[&str] =
    &["net", "net/http", "net/rpc", "crypto/tls", "google.golang.org/grpc", "golang.org/x/net/http2"];

/// Classifies a goroutine's block from its wait reason and frames (innermost first). `site` is the index of the
/// leak site: the frames below it carry out the wait.
pub(crate) fn classify(
    snapshot: &Snapshot,
    reason: WaitReason,
    frames: &[FrameId],
    site: Option<usize>,
) -> Blocking {
    let blocking = classify_reason(snapshot, reason, frames);
    let waiting_frames = &frames[..site.unwrap_or(0)];
    let in_network_client = waiting_frames.iter().any(|&f| {
        let package = crate::code::package_of(snapshot.function(f));
        NETWORK_CLIENT_PACKAGES
            .iter()
            .any(|p| package.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
    });
    if in_network_client && matches!(blocking, Blocking::Select | Blocking::ChanReceive | Blocking::ChanSend)
    {
        return Blocking::NetRead;
    }
    blocking
}

fn classify_reason(snapshot: &Snapshot, reason: WaitReason, frames: &[FrameId]) -> Blocking {
    let has = |names: &[&str]| frames.iter().any(|&f| names.contains(&snapshot.function(f)));
    match reason {
        WaitReason::ChanSend => Blocking::ChanSend,
        WaitReason::ChanReceive => Blocking::ChanReceive,
        WaitReason::ChanSendNil => Blocking::NilChanSend,
        WaitReason::ChanReceiveNil => Blocking::NilChanReceive,
        WaitReason::Select => Blocking::Select,
        WaitReason::SelectNoCases => Blocking::SelectNoCases,
        WaitReason::MutexLock => Blocking::Mutex,
        WaitReason::RwMutexLock | WaitReason::RwMutexRLock => Blocking::RwMutex,
        WaitReason::WaitGroupWait => Blocking::WaitGroup,
        WaitReason::CondWait => Blocking::Cond,
        WaitReason::Sleep => Blocking::Sleep,
        WaitReason::Semacquire => {
            // Before Go 1.20 (mutexes) and 1.24 (WaitGroup) these all showed as `semacquire`.
            if has(&["sync.(*Mutex).Lock", "sync.(*Mutex).lockSlow", "internal/sync.(*Mutex).lockSlow"]) {
                Blocking::Mutex
            } else if has(&["sync.(*RWMutex).Lock", "sync.(*RWMutex).RLock"]) {
                Blocking::RwMutex
            } else if has(&["sync.(*WaitGroup).Wait"]) {
                Blocking::WaitGroup
            } else if has(&["sync.(*Cond).Wait"]) {
                Blocking::Cond
            } else {
                Blocking::Semaphore
            }
        }
        WaitReason::IoWait => io_operation(snapshot, frames),
        WaitReason::Running => Blocking::Running,
        WaitReason::Runnable => Blocking::Runnable,
        WaitReason::Syscall => Blocking::Syscall,
        WaitReason::RuntimeInternal | WaitReason::Scheduler | WaitReason::Synctest => Blocking::Runtime,
        WaitReason::Unknown => from_frames(snapshot, frames),
        _ => Blocking::Other,
    }
}

/// The I/O a goroutine in `IO wait` does, from the innermost method that names it: `(*netFD).accept`,
/// `(*conn).Read`, `(*Reader).Peek`.
fn io_operation(snapshot: &Snapshot, frames: &[FrameId]) -> Blocking {
    let operation = frames.iter().find_map(|&f| {
        let method = snapshot.function(f).rsplit('.').next().unwrap_or_default();
        match method {
            "accept" | "Accept" | "AcceptTCP" | "AcceptUnix" => Some(Blocking::NetAccept),
            "Read" | "read" | "ReadFrom" | "ReadMsgUDP" | "ReadFromUDP" | "Peek" => Some(Blocking::NetRead),
            _ => None,
        }
    });
    operation.unwrap_or(Blocking::NetOther)
}

/// Functions whose presence on a stack names the wait, for formats without a wait reason. The proto keeps the
/// runtime frames (`runtime.chansend1`); `debug=1` hides the leading ones, leaving library frames such as
/// `sync.(*Mutex).Lock` or `time.Sleep`.
const WAITING_FUNCTIONS: &[(&str, Blocking)] = &[
    ("runtime.chansend1", Blocking::ChanSend),
    ("runtime.chansend", Blocking::ChanSend),
    ("runtime.chanrecv1", Blocking::ChanReceive),
    ("runtime.chanrecv2", Blocking::ChanReceive),
    ("runtime.chanrecv", Blocking::ChanReceive),
    ("runtime.selectgo", Blocking::Select),
    ("runtime.block", Blocking::SelectNoCases),
    ("sync.(*Mutex).Lock", Blocking::Mutex),
    ("sync.(*Mutex).lockSlow", Blocking::Mutex),
    ("internal/sync.(*Mutex).Lock", Blocking::Mutex),
    ("internal/sync.(*Mutex).lockSlow", Blocking::Mutex),
    ("sync.(*RWMutex).Lock", Blocking::RwMutex),
    ("sync.(*RWMutex).RLock", Blocking::RwMutex),
    ("sync.(*WaitGroup).Wait", Blocking::WaitGroup),
    ("sync.(*Cond).Wait", Blocking::Cond),
    ("time.Sleep", Blocking::Sleep),
    ("runtime.timeSleep", Blocking::Sleep),
    ("runtime/pprof.writeGoroutine", Blocking::Running),
    ("runtime.goroutineProfileWithLabels", Blocking::Running),
    ("runtime/pprof.runtime_goroutineProfileWithLabels", Blocking::Running),
    ("runtime/pprof.writeRuntimeProfile", Blocking::Running),
    ("runtime.cgocall", Blocking::Syscall),
];

/// The wait of a goroutine from a format without wait reasons (`debug=1`, proto), read off its frames.
fn from_frames(snapshot: &Snapshot, frames: &[FrameId]) -> Blocking {
    for &f in frames {
        let function = snapshot.function(f);
        if let Some(&(_, blocking)) = WAITING_FUNCTIONS.iter().find(|(name, _)| *name == function) {
            return blocking;
        }
        if function == "internal/poll.runtime_pollWait" {
            return io_operation(snapshot, frames);
        }
        if function.starts_with("syscall.") && function.contains("Syscall") {
            return Blocking::Syscall;
        }
    }
    let runtime_only = frames.iter().all(|&f| {
        let package = crate::code::package_of(snapshot.function(f));
        package == "runtime" || package.starts_with("internal/runtime") || package == "unique"
    });
    if runtime_only && !frames.is_empty() { Blocking::Runtime } else { Blocking::Unknown }
}

/// The wait named by the Go statement on a leak site's line, for groups whose frames do not name it. A line is
/// what `debug=1` has left: `ch <- v` sends, `v := <-ch` and `for v := range ch` receive.
pub(crate) fn from_source_line(line: &str) -> Option<Blocking> {
    let line = line.split("//").next().unwrap_or_default().trim();
    if line.starts_with("select {}") || line.starts_with("select{}") {
        return Some(Blocking::SelectNoCases);
    }
    if line.starts_with("select {") || line.starts_with("select{") {
        return Some(Blocking::Select);
    }
    if line.contains("time.Sleep(") {
        return Some(Blocking::Sleep);
    }
    if line.ends_with(".RLock()") {
        return Some(Blocking::RwMutex);
    }
    if line.ends_with(".Lock()") {
        return Some(Blocking::Mutex);
    }
    if let Some(arrow) = line.find("<-") {
        let before = line[..arrow].trim_end();
        let receive = before.is_empty()
            || before.ends_with('=')
            || before.ends_with('(')
            || before.ends_with(',')
            || before.ends_with("return")
            || before.ends_with("case");
        return Some(if receive { Blocking::ChanReceive } else { Blocking::ChanSend });
    }
    (line.starts_with("for ") && line.contains(" range ")).then_some(Blocking::ChanReceive)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_name_their_wait() {
        let cases = [
            ("\tresults <- r", Some(Blocking::ChanSend)),
            ("case out <- v:", Some(Blocking::ChanSend)),
            ("v := <-ch // wait", Some(Blocking::ChanReceive)),
            ("<-done", Some(Blocking::ChanReceive)),
            ("case msg, ok := <-inbox:", Some(Blocking::ChanReceive)),
            ("return <-c.replies", Some(Blocking::ChanReceive)),
            ("for job := range jobs {", Some(Blocking::ChanReceive)),
            ("select {", Some(Blocking::Select)),
            ("select {}", Some(Blocking::SelectNoCases)),
            ("l.mu.Lock()", Some(Blocking::Mutex)),
            ("s.mu.RLock()", Some(Blocking::RwMutex)),
            ("time.Sleep(time.Second)", Some(Blocking::Sleep)),
            ("wg.Wait()", None),
            ("process(x)", None),
        ];
        for (line, want) in cases {
            assert_eq!(from_source_line(line), want, "{line}");
        }
    }
}
