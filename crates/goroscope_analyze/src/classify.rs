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
        )
    }

    /// A plain operation that cannot notice a cancelled context or a client that went away; `select` can.
    pub fn ignores_cancellation(self) -> bool {
        self.can_block_forever()
            && !matches!(self, Blocking::Select | Blocking::Semaphore | Blocking::NetRead)
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
        NETWORK_CLIENT_PACKAGES.iter().any(|p| package == *p || package.starts_with(&format!("{p}/")))
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
        WaitReason::IoWait => {
            // The innermost method that names the operation: `(*netFD).accept`, `(*conn).Read`, `(*Reader).Peek`.
            let operation = frames.iter().find_map(|&f| {
                let method = snapshot.function(f).rsplit('.').next().unwrap_or_default();
                match method {
                    "accept" | "Accept" | "AcceptTCP" | "AcceptUnix" => Some(Blocking::NetAccept),
                    "Read" | "read" | "ReadFrom" | "ReadMsgUDP" | "ReadFromUDP" | "Peek" => {
                        Some(Blocking::NetRead)
                    }
                    _ => None,
                }
            });
            operation.unwrap_or(Blocking::NetOther)
        }
        WaitReason::Running => Blocking::Running,
        WaitReason::Runnable => Blocking::Runnable,
        WaitReason::Syscall => Blocking::Syscall,
        WaitReason::RuntimeInternal | WaitReason::Scheduler | WaitReason::Synctest => Blocking::Runtime,
        _ => Blocking::Other,
    }
}
