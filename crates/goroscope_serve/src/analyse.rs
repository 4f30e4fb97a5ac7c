//! Bytes to a report: decompressed within the cap, the format detected (or forced), parsed, analysed. The same
//! path serves uploads and the profiles the history keeps.

use std::io::Cursor;
use std::sync::Arc;

use axum::http::StatusCode;
use goroscope_analyze::{Options, SourceLines, analyze};
use goroscope_collect::{CollectError, Limits, open_decompressed};
use goroscope_dump::{DumpError, InputFormat, ParseOptions, parse_input};
use goroscope_report::{InputReport, Report};

/// Makes a source finder for one analysis (finders cache files and are not shared between threads).
pub type SourceFactory = Arc<dyn Fn() -> Box<dyn SourceLines> + Send + Sync>;

/// How bytes are read and analysed.
#[derive(Clone)]
pub(crate) struct Analyser {
    pub(crate) options: Options,
    pub(crate) limits: Limits,
    pub(crate) format: Option<InputFormat>,
    pub(crate) threads: usize,
}

/// Why bytes gave no report: what to tell the user, with the HTTP status that says it.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
}

impl Analyser {
    /// The report of every dump in `bytes` (a log can hold several). `source` finds source lines when given.
    pub(crate) fn report(
        &self,
        name: &str,
        bytes: Vec<u8>,
        source: Option<&dyn SourceLines>,
    ) -> Result<Report, Failure> {
        let reader = open_decompressed(Cursor::new(bytes), &self.limits).map_err(|e| collect_failure(&e))?;
        let options = ParseOptions { threads: self.threads, ..ParseOptions::default() };
        let snapshots = parse_input(name, reader, self.format, &options).map_err(|e| match e {
            // A size cap or corrupt compressed data met while reading surfaces as an I/O error of the parser.
            DumpError::Io { source, .. } if source.get_ref().is_some_and(|e| e.is::<CollectError>()) => {
                collect_failure(&CollectError::from_read_error(source, "the upload"))
            }
            e => dump_failure(&e),
        })?;
        let inputs = snapshots
            .iter()
            .map(|snapshot| InputReport::new(snapshot, analyze(snapshot, &self.options, source)))
            .collect();
        Ok(Report::new(inputs))
    }
}

fn collect_failure(e: &CollectError) -> Failure {
    let status = match e {
        CollectError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        CollectError::Decompress { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::BAD_REQUEST,
    };
    Failure { status, message: e.to_string(), hint: None }
}

fn dump_failure(e: &DumpError) -> Failure {
    let status = match e {
        DumpError::Empty => StatusCode::BAD_REQUEST,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let cause = std::error::Error::source(e).map(|c| format!(": {c}")).unwrap_or_default();
    Failure { status, message: format!("{e}{cause}"), hint: e.hint().map(str::to_owned) }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn analyser(max_bytes: u64) -> Analyser {
        Analyser { options: Options::default(), limits: Limits { max_bytes }, format: None, threads: 1 }
    }

    const DUMP: &str = "goroutine 1 [running]:\nmain.main()\n\t/src/main.go:5 +0x1d\n\n\
                        goroutine 7 [chan send (nil chan)]:\nmain.leak()\n\t/src/main.go:9 +0x1d\n\
                        created by main.main in goroutine 1\n\t/src/main.go:4 +0x25\n";

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn plain_and_gzipped_dumps_give_reports() {
        for bytes in [DUMP.as_bytes().to_vec(), gzip(DUMP.as_bytes())] {
            let report = analyser(1 << 20).report("upload", bytes, None).unwrap();
            let analysis = &report.inputs[0].analysis;
            assert_eq!(analysis.summary.goroutines, 2);
            assert!(analysis.groups.iter().any(|g| g.level == goroscope_analyze::Level::Certain));
        }
    }

    #[test]
    fn junk_empty_bombs_and_broken_gzip_are_failures_with_statuses() {
        let a = analyser(1 << 20);
        let junk = a.report("upload", b"hello, world\n".to_vec(), None).unwrap_err();
        assert_eq!(junk.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(junk.message.contains("no goroutine found"), "{}", junk.message);
        assert!(junk.hint.is_some());
        assert_eq!(a.report("upload", b"  \n".to_vec(), None).unwrap_err().status, StatusCode::BAD_REQUEST);
        let bomb = gzip(&vec![b'x'; 2 << 20]);
        let too_large = a.report("upload", bomb, None).unwrap_err();
        assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", too_large.message);
        let mut cut = gzip(DUMP.repeat(50).as_bytes());
        cut.truncate(cut.len() / 2);
        let broken = a.report("upload", cut, None).unwrap_err();
        assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", broken.message);
    }
}
