//! The verdict on one group: proofs first, then known healthy shapes, then weighed evidence.

use crate::catalogue::PatternId;
use crate::classify::Blocking;
use crate::group::{Ending, Facts, World};
use crate::shapes::{CLIENT_READ_LOOP, CLIENT_WRITE_LOOP, healthy_shape};
use crate::{Evidence, Level};

/// A group's level, explanation and the reasons for it.
pub(crate) struct Verdict {
    pub(crate) level: Level,
    pub(crate) pattern: Option<PatternId>,
    pub(crate) shape: Option<&'static str>,
    pub(crate) evidence: Vec<Evidence>,
}

/// Score from which a group is a likely leak.
const LIKELY: i32 = 3;
/// Runnable goroutines at one site from which creation looks unbounded.
const MANY_RUNNABLE: u64 = 1000;
/// Request goroutines blocked at one line from which they are piling up rather than contending briefly.
const QUEUED_REQUESTS: u64 = 5;
/// Client connection loops from which they are no longer a shared Transport's idle pool (twice the default
/// `MaxIdleConns` of 100).
const CLIENT_CONNECTIONS: u64 = 200;
/// Open response bodies nobody reads from which a leak is likely rather than a moment between Do and Read.
const UNREAD_BODIES: u64 = 5;
/// Goroutines at one site that are many by themselves.
const MANY: u64 = 100;
/// …and very many.
const VERY_MANY: u64 = 1000;

fn evidence(code: &'static str, weight: i32, text: String) -> Evidence {
    Evidence { code, text, weight }
}

pub(crate) fn judge(world: &World<'_>, facts: &Facts<'_>) -> Verdict {
    if let Some(proof) = proof(world, facts) {
        return Verdict {
            level: Level::Certain,
            pattern: pattern(facts),
            shape: None,
            evidence: vec![proof],
        };
    }
    if facts.blocking == Blocking::Select && facts.site_function(world) == Some(CLIENT_READ_LOOP) {
        return open_bodies(world, facts);
    }
    let client_loop = facts.has_function(world, &[CLIENT_READ_LOOP, CLIENT_WRITE_LOOP]);
    if client_loop && facts.count > CLIENT_CONNECTIONS {
        let reason = evidence(
            "many-client-connections",
            2,
            format!(
                "{} HTTP client connection loops at one place: more than shared Transports keep idle",
                facts.count
            ),
        );
        return weigh(facts, Some(PatternId::ClientPerCall), vec![reason]);
    }
    let shape = healthy_shape(world, facts);
    // The test runner's own waits (main, t.Run) are how a timeout looks, not why it happened.
    let runner = shape.as_ref().is_some_and(|(id, _)| {
        matches!(*id, "test-waiting-for-subtest" | "main-goroutine")
            || (*id == "started-once" && facts.count > 1)
    });
    if world.ending == Ending::TestTimeout
        && facts.blocking.can_block_forever()
        && facts.site_is_own
        && !runner
    {
        let reason = evidence(
            "test-timeout",
            LIKELY,
            "the test binary timed out while this goroutine was blocked in the program's own code".to_owned(),
        );
        return weigh(facts, pattern(facts), vec![reason]);
    }
    if let Some((shape, text)) = shape {
        return Verdict {
            level: Level::Healthy,
            pattern: None,
            shape: Some(shape),
            evidence: vec![evidence("healthy-shape", 0, text)],
        };
    }
    match facts.blocking {
        Blocking::Runnable | Blocking::Running if facts.count >= MANY => {
            let weight = if facts.count >= MANY_RUNNABLE { LIKELY } else { 1 };
            let text = format!(
                "{} goroutines runnable or running at one site: more than the CPUs can run",
                facts.count
            );
            weigh(facts, Some(PatternId::UnboundedCreation), vec![evidence("many-runnable", weight, text)])
        }
        blocking if blocking.can_block_forever() => {
            let mut reasons = Vec::new();
            if !world.has_ids && facts.site_is_own && facts.count > 1 {
                // A counted profile cannot tell a leak from a pool: say so rather than call it healthy.
                reasons.push(evidence(
                    "counted-only",
                    1,
                    format!(
                        "{} goroutines wait on a {} in your code, and this format has no ids, creators or wait \
                         times to tell a leak from a pool: fetch ?debug=2 to judge",
                        facts.count,
                        blocking.describe()
                    ),
                ));
            }
            weigh(facts, pattern(facts), reasons)
        }
        blocking => Verdict {
            level: Level::Healthy,
            pattern: None,
            shape: None,
            evidence: vec![evidence(
                "not-waiting-on-goroutines",
                0,
                format!("{}: not waiting for another goroutine", blocking.describe()),
            )],
        },
    }
}

/// HTTP client connections whose read loop waits for the response body to be read to the end or closed. Open
/// bodies that no goroutine is reading are bodies nobody will close.
fn open_bodies(world: &World<'_>, facts: &Facts<'_>) -> Verdict {
    let unread = facts.count.saturating_sub(world.body_readers);
    let mut reasons = vec![evidence(
        "response-body-open",
        1,
        format!(
            "{} HTTP client connection(s) wait for their response body to be read or closed",
            facts.count
        ),
    )];
    if unread > 0 {
        reasons.push(evidence(
            "unread-bodies",
            if unread >= UNREAD_BODIES { 2 } else { 1 },
            format!(
                "{unread} of these bodies have no goroutine reading them ({} reading)",
                world.body_readers
            ),
        ));
    }
    weigh(facts, Some(PatternId::BodyNotClosed), reasons)
}

/// Evidence that the group can never be woken.
fn proof(world: &World<'_>, facts: &Facts<'_>) -> Option<Evidence> {
    if facts.leaked > 0 {
        return Some(evidence(
            "runtime-leak-detector",
            100,
            format!(
                "the Go runtime's leak detector proved that nothing can wake {} of these (goroutineleak profile)",
                facts.leaked
            ),
        ));
    }
    match facts.blocking {
        Blocking::NilChanSend | Blocking::NilChanReceive => Some(evidence(
            "nil-channel",
            100,
            "blocked on a nil channel: no operation can ever make it ready".to_owned(),
        )),
        Blocking::SelectNoCases if !facts.includes_main => Some(evidence(
            "select-no-cases",
            100,
            "`select {}` outside the main goroutine blocks for ever".to_owned(),
        )),
        b if world.ending == Ending::Deadlock
            && b.can_block_forever()
            && !matches!(b, Blocking::Sleep | Blocking::NetRead) =>
        {
            Some(evidence(
                "global-deadlock",
                100,
                "the runtime stopped the program: all goroutines are asleep (deadlock)".to_owned(),
            ))
        }
        _ => None,
    }
}

/// The catalogue pattern that explains a group's block, reading the source line when it is at hand.
fn pattern(facts: &Facts<'_>) -> Option<PatternId> {
    pattern_of(facts.blocking, &facts.site_text)
}

/// The catalogue pattern of a wait, given the source line at the leak site and the lines above it (nearest
/// first), when known.
///
/// `None` when the wait is not known: a `debug=1` or proto profile hides the runtime frames that name it, and
/// without the source line there is nothing to tell a send from a lock.
pub(crate) fn pattern_of(blocking: Blocking, site_text: &[String]) -> Option<PatternId> {
    let line = site_text.first().map(|l| l.trim()).unwrap_or_default();
    let blocking = match blocking {
        Blocking::Unknown => operation_on_line(line)?,
        known => known,
    };
    Some(match blocking {
        Blocking::NilChanSend | Blocking::NilChanReceive => PatternId::NilChannel,
        Blocking::SelectNoCases => PatternId::SelectNoCases,
        Blocking::ChanSend => PatternId::SendNoReceiver,
        Blocking::ChanReceive if line.starts_with("for ") && line.contains("range") => {
            PatternId::RangeNeverClosed
        }
        Blocking::ChanReceive => PatternId::ReceiveNeverSent,
        Blocking::Select if in_loop(site_text) => PatternId::LoopWithoutExit,
        Blocking::Select => PatternId::SelectNeverFires,
        Blocking::Sleep => PatternId::LoopWithoutExit,
        Blocking::WaitGroup => PatternId::WaitgroupMismatch,
        Blocking::Cond => PatternId::CondNeverSignalled,
        Blocking::NetRead | Blocking::NetOther => PatternId::NetworkNoDeadline,
        Blocking::Running | Blocking::Runnable => PatternId::UnboundedCreation,
        _ => PatternId::LockNeverReleased,
    })
}

/// The blocking operation a Go source line performs, when the line says it unambiguously.
fn operation_on_line(line: &str) -> Option<Blocking> {
    let code = line.split("//").next().unwrap_or(line).trim();
    if code.starts_with("select") {
        Some(Blocking::Select)
    } else if code.starts_with("for ") && code.contains("range") {
        Some(Blocking::ChanReceive)
    } else if code.contains(".Lock()") || code.contains(".RLock()") {
        Some(Blocking::Mutex)
    } else if code.contains("time.Sleep(") {
        Some(Blocking::Sleep)
    } else if let Some(at) = code.find("<-") {
        // `ch <- v` sends; `<-ch`, `v := <-ch` and `case <-ch:` receive.
        let before = code[..at].trim_end();
        let receives = before.is_empty()
            || before.ends_with('=')
            || before.ends_with("case")
            || before.ends_with('(')
            || before.ends_with(',')
            || before.ends_with("return");
        Some(if receives { Blocking::ChanReceive } else { Blocking::ChanSend })
    } else {
        None
    }
}

/// Whether the source above the leak site (nearest line first) opens a `for` loop in the same function.
fn in_loop(site_text: &[String]) -> bool {
    for line in site_text {
        let code = line.split("//").next().unwrap_or(line).trim_start();
        if code.starts_with("for ") || code.starts_with("for{") || code == "for" {
            return true;
        }
        // The function around the leak site starts here (a `func` whose body opens on this line and goes
        // on): a loop above it is its caller's, and a closure started in a loop runs once.
        if (code.starts_with("func ") || code.contains("func(")) && code.trim_end().ends_with('{') {
            return false;
        }
    }
    false
}

/// Weighs the evidence of a group that can block for ever.
fn weigh(facts: &Facts<'_>, pattern: Option<PatternId>, mut reasons: Vec<Evidence>) -> Verdict {
    creation_evidence(facts, &mut reasons);
    // A request goroutine's loop ends with the request; a sleep there is work pacing, not a leak.
    if facts.blocking == Blocking::Sleep && !facts.in_request {
        if in_loop(&facts.site_text) {
            reasons.push(evidence(
                "sleep-in-loop",
                1,
                "sleeping inside a loop: it wakes only to wait again".to_owned(),
            ));
        } else {
            reasons.push(evidence(
                "sleep-ends",
                -1,
                "a sleep ends by itself; only a loop around it (not seen in the source) makes it a leak"
                    .to_owned(),
            ));
        }
    }
    if facts.count >= VERY_MANY {
        reasons.push(evidence(
            "many-goroutines",
            2,
            format!("{} goroutines stuck at one place", facts.count),
        ));
    } else if facts.count >= MANY {
        reasons.push(evidence(
            "many-goroutines",
            1,
            format!("{} goroutines stuck at one place", facts.count),
        ));
    }
    let max = facts.max_minutes();
    if max >= 10 {
        let weight = if max >= 60 { 2 } else { 1 };
        reasons.push(evidence("long-wait", weight, format!("blocked for at least {max} minutes")));
    }
    let score: i32 = reasons.iter().map(|e| e.weight).sum();
    // Size and age amplify a verdict; alone they also describe a busy connection-bound server.
    let specific = reasons.iter().any(|e| e.weight > 0 && !matches!(e.code, "many-goroutines" | "long-wait"));
    let level = if score >= LIKELY && specific {
        Level::Likely
    } else if score >= 1 {
        Level::Possible
    } else {
        Level::Healthy
    };
    if level == Level::Healthy {
        reasons.push(evidence("no-evidence", 0, "nothing here adds up to a leak".to_owned()));
        return Verdict { level, pattern: None, shape: None, evidence: reasons };
    }
    Verdict { level, pattern, shape: None, evidence: reasons }
}

/// Evidence from how the goroutines came to be: per request, outliving their creator, one per call. It applies to
/// waits on other goroutines of the program; a network wait's partner is a remote peer.
fn creation_evidence(facts: &Facts<'_>, reasons: &mut Vec<Evidence>) {
    if facts.in_request {
        // Request goroutines are started per connection by the server, by design: only what they block on counts.
        if facts.blocking.ignores_cancellation() && facts.blocking != Blocking::Sleep {
            reasons.push(evidence(
                "stuck-request",
                2,
                format!(
                    "blocked inside a request handler on a {}, which cannot notice the client going away",
                    facts.blocking.describe()
                ),
            ));
            // Requests queue behind a lock; a WaitGroup or channel wait in a handler is often a fan-out in flight.
            if facts.count >= QUEUED_REQUESTS && matches!(facts.blocking, Blocking::Mutex | Blocking::RwMutex)
            {
                reasons.push(evidence(
                    "queued-requests",
                    1,
                    format!(
                        "{} requests wait for this lock: they pile up rather than pass through",
                        facts.count
                    ),
                ));
            }
        } else {
            reasons.push(evidence(
                "in-flight-request",
                0,
                "inside a request handler, which ends with the request (a select may be watching its context)"
                    .to_owned(),
            ));
        }
        return;
    }
    // A network wait's partner is a remote peer; a goroutine with no frame of the program's own was started by a
    // library for its own purposes, so who started it says nothing about a leak.
    if matches!(facts.blocking, Blocking::NetRead | Blocking::NetOther) || !facts.site_is_own {
        return;
    }
    let half = facts.count.div_ceil(2);
    let outlived = facts.creator_gone + facts.creator_returned;
    if facts.creator_gone >= half && facts.creator_gone > 0 {
        reasons.push(evidence(
            "outlived-creator",
            2,
            format!(
                "outlived its creator: the goroutines that started {} of {} have exited",
                facts.creator_gone, facts.count
            ),
        ));
    } else if outlived >= half && outlived > 0 {
        reasons.push(evidence(
            "outlived-creator",
            1,
            format!(
                "the function that started {outlived} of {} has returned, though its goroutine runs on (a \
                 constructor does this too)",
                facts.count
            ),
        ));
    }
    // Every sign of "one per call" says the same thing once: counted together, at most 2.
    let mut per_call: Vec<(String, i32)> = Vec::new();
    if facts.request_created >= half && facts.request_created > 0 && outlived >= half {
        per_call.push(("started while serving a request that has moved on".to_owned(), 2));
    }
    if let Some(creators) = facts.creators.filter(|c| c.distinct >= 2) {
        per_call.push((format!("started by {} different goroutines", creators.distinct), 1));
    }
    if facts.args_shared == Some(false) {
        per_call.push(("each with its own arguments (its own channel, lock or object)".to_owned(), 1));
    }
    if let (Some(first), Some(last)) = (facts.ids.first(), facts.ids.last())
        && facts.count >= 3
        && !facts.created_together()
    {
        per_call.push((format!("ids spread from {first} to {last}: started one by one over time"), 1));
    }
    if !per_call.is_empty() {
        let weight = per_call.iter().map(|(_, w)| w).sum::<i32>().min(2);
        let why: Vec<String> = per_call.into_iter().map(|(text, _)| text).collect();
        reasons.push(evidence(
            "created-per-call",
            weight,
            format!("created once per call: {}", why.join("; ")),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::in_loop;

    fn lines(text: &[&str]) -> Vec<String> {
        text.iter().map(|l| (*l).to_owned()).collect()
    }

    #[test]
    fn a_loop_counts_only_inside_the_function_of_the_leak_site() {
        // Nearest line first, as the lines above the leak site are gathered.
        let looping = lines(&["\t\ttime.Sleep(d)", "\tfor {", "func poll() {"]);
        assert!(in_loop(&looping));
        let closure_in_loop = lines(&[
            "\t\t\ttime.Sleep(d)",
            "\t\t\tdefer wg.Done()",
            "\t\tgo func() {",
            "\tfor i := 0; i < n; i++ {",
        ]);
        assert!(!in_loop(&closure_in_loop), "the closure runs once; the loop is its creator's");
        let after_function = lines(&["\ttime.Sleep(d)", "func once() {", "\tfor {"]);
        assert!(!in_loop(&after_function));
        assert!(!in_loop(&lines(&["\ttime.Sleep(d) // for a while"])));
        let one_line_closure =
            lines(&["\t\ttime.Sleep(d)", "\t\tupdate(id, func(o *order) { o.n++ })", "\tfor {"]);
        assert!(
            in_loop(&one_line_closure),
            "a closure that ends on its line is not the function around the site"
        );
    }
}
