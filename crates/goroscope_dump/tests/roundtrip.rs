//! Round trips: goroutine dumps generated as a model (tests/model), printed as the Go runtime of each version from
//! 1.17 to 1.28 prints them, parse back to that model; cut into pieces anywhere and parsed on several threads,
//! they parse to exactly the serial result.

mod model;

use std::io::Read;

use goroscope_dump::{FrameId, InputFormat, ParseOptions, Snapshot, parse_bytes, parse_input, parse_reader};
use model::{Dump, Expected, Place, Profile};
use proptest::prelude::*;

fn place(s: &Snapshot, f: FrameId) -> Place {
    (s.function(f).to_owned(), s.file(f).to_owned(), s.frame(f).line)
}

/// The snapshot read back as the model's [`Expected`] records.
fn seen(s: &Snapshot) -> Vec<Expected> {
    s.goroutines
        .iter()
        .map(|g| {
            let extra = g.extra.as_deref();
            Expected {
                id: g.id,
                state: s.state(g.state).to_owned(),
                minutes: g.wait_minutes.map(|m| m.get()),
                locked: g.locked_to_thread(),
                leaked: g.leaked(),
                scan: g.scanning(),
                durable: g.durable(),
                elided: g.frames_elided(),
                unavailable: g.stack_unavailable(),
                frames: s.stack(g.stack).iter().map(|&f| place(s, f)).collect(),
                created_by: g.created_by.map(|f| place(s, f)),
                creator_id: g.creator_id.map(|c| c.get()),
                labels: extra.and_then(|e| e.labels.clone()),
                bubble: extra.and_then(|e| e.bubble),
                ancestors: extra
                    .map(|e| {
                        e.ancestors
                            .iter()
                            .map(|&(id, stack, creator)| {
                                let frames = s.stack(stack).iter().map(|&f| place(s, f)).collect();
                                (id, frames, creator.map(|f| place(s, f)))
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// Everything a snapshot holds, interned ids included, for comparing two parses of the same bytes.
fn everything(s: &Snapshot) -> String {
    let goroutines: Vec<String> = s
        .goroutines
        .iter()
        .map(|g| {
            format!(
                "{g:?} scan={} durable={} unavailable={} {:?}",
                g.scanning(),
                g.durable(),
                g.stack_unavailable(),
                s.stack(g.stack)
            )
        })
        .collect();
    format!(
        "{goroutines:#?}\nstacks={} frames={} strings={} seen={:#?}\ncrash={:?} truncated={:?} warnings={:?} bytes={} \
         total={:?} tests={:?}",
        s.stack_count(),
        s.frame_count(),
        s.string_count(),
        seen(s),
        s.crash,
        s.truncated,
        s.warnings,
        s.bytes,
        s.total,
        s.running_tests
    )
}

fn serial(text: &[u8]) -> Snapshot {
    parse_bytes("gen", text, &ParseOptions { threads: 1, chunk_size: 64 << 20, progress: None }).unwrap()
}

/// Compares record by record, so that a failure names the first record that differs and shows its text.
fn assert_reads_back(dump: &Dump, text: &str, snapshot: &Snapshot) -> Result<(), TestCaseError> {
    let (expected, seen) = (dump.expected(), seen(snapshot));
    let records: Vec<&str> = text.split("\n\ngoroutine ").collect();
    for (i, (want, got)) in expected.iter().zip(&seen).enumerate() {
        prop_assert_eq!(want, got, "Go 1.{} record {}:\n{}", dump.go, i, records.get(i).unwrap_or(&""));
    }
    prop_assert_eq!(expected.len(), seen.len(), "Go 1.{}: goroutine count", dump.go);
    prop_assert_eq!(snapshot.warnings.count, 0, "{:?}", snapshot.warnings.examples);
    prop_assert_eq!(&snapshot.truncated, &None);
    prop_assert_eq!(&snapshot.crash, &None);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn tracebacks_read_back_as_generated(dump in model::dump()) {
        let text = dump.traceback();
        assert_reads_back(&dump, &text, &serial(text.as_bytes()))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Pieces are cut at the first record boundary after each `chunk` bytes: with pieces from 1 KiB (the
    /// smallest) to the whole dump, every boundary of a generated dump is a cut in some case.
    #[test]
    fn any_pieces_on_any_threads_give_the_serial_result(
        dumps in proptest::collection::vec(model::dump(), 1..4),
        chunk in 1usize..64,
        threads in 1usize..=4,
    ) {
        // Dumps of several versions one after the other: one input as a log or a crash loop would hold them.
        let text: Vec<String> = dumps.iter().map(Dump::traceback).collect();
        let text = text.join("\n\n");
        let reference = everything(&serial(text.as_bytes()));
        let options = ParseOptions { threads, chunk_size: chunk << 10, progress: None };
        let parallel = parse_bytes("gen", text.as_bytes(), &options).unwrap();
        prop_assert_eq!(everything(&parallel), reference);
    }

    #[test]
    fn debug1_profiles_read_back_as_generated(profile in model::profile()) {
        let text = profile.debug1();
        let snapshot = parse_counted(text.as_bytes(), InputFormat::CountText);
        assert_counted(&profile, &snapshot, false, &text)?;
    }

    #[test]
    fn proto_profiles_read_back_as_generated(profile in model::profile()) {
        let snapshot = parse_counted(&profile.proto(), InputFormat::Proto);
        assert_counted(&profile, &snapshot, true, "")?;
    }
}

/// A counted profile, detected as `format` and parsed.
fn parse_counted(bytes: &[u8], format: InputFormat) -> Snapshot {
    assert_eq!(goroscope_dump::detect(bytes), format);
    let mut snapshots = parse_input("gen", bytes, None, &ParseOptions::default()).unwrap();
    assert_eq!(snapshots.len(), 1);
    snapshots.remove(0)
}

fn assert_counted(profile: &Profile, s: &Snapshot, proto: bool, text: &str) -> Result<(), TestCaseError> {
    let seen: Vec<(u32, Vec<Place>, Option<String>)> = s
        .goroutines
        .iter()
        .map(|g| {
            let frames = s.stack(g.stack).iter().map(|&f| place(s, f)).collect();
            (g.count, frames, g.extra.as_ref().and_then(|e| e.labels.clone()))
        })
        .collect();
    prop_assert_eq!(seen, profile.expected(proto), "{}", text);
    prop_assert!(s.goroutines.iter().all(|g| g.leaked() == profile.leak && g.id == 0));
    prop_assert_eq!(s.total, Some(profile.total()));
    prop_assert_eq!(s.profile.as_deref(), Some(profile.name()));
    prop_assert_eq!(s.warnings.count, 0, "{:?}", s.warnings.examples);
    prop_assert_eq!(&s.truncated, &None);
    Ok(())
}

/// A reader that hands out the input in the given, varying, read sizes.
struct Trickle<'a> {
    bytes: &'a [u8],
    sizes: Vec<usize>,
    next: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let size = self.sizes[self.next % self.sizes.len()].min(buf.len()).min(self.bytes.len());
        self.next += 1;
        buf[..size].copy_from_slice(&self.bytes[..size]);
        self.bytes = &self.bytes[size..];
        Ok(size)
    }
}

proptest! {
    // Each case parses several MiB.
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Streamed input is read in batches of at least 1 MiB, each cut at its last record boundary: a dump of a few
    /// MiB, read in odd sizes, crosses several batches at generated boundaries.
    #[test]
    fn batches_of_streamed_input_give_the_serial_result(
        dumps in proptest::collection::vec(model::dump(), 8),
        sizes in proptest::collection::vec(1usize..100_000, 1..8),
        threads in 1usize..=3,
    ) {
        let text: Vec<String> = dumps.iter().map(Dump::traceback).collect();
        let one = text.join("\n\n");
        let mut whole = one.clone();
        // Bounded: at least 3 MiB, at most a few thousand copies of a dump of at least one record.
        while whole.len() < 3 << 20 {
            whole.push_str("\n\n");
            whole.push_str(&one);
        }
        let reference = everything(&serial(whole.as_bytes()));
        let reader = Trickle { bytes: whole.as_bytes(), sizes, next: 0 };
        let options = ParseOptions { threads, chunk_size: 64 << 10, progress: None };
        let streamed = parse_reader("gen", reader, &options).unwrap();
        prop_assert_eq!(everything(&streamed), reference);
    }
}
