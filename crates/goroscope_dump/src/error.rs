use thiserror::Error;

/// Why a dump could not be read at all. Problems inside a dump that still parses are [`crate::Warnings`].
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DumpError {
    /// Reading the input failed.
    #[error("reading the input failed after {offset} bytes")]
    Io {
        /// Bytes read before the failure.
        offset: u64,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The input is empty or blank.
    #[error("the input is empty")]
    Empty,
    /// The input is in a goroutine format this parser does not read.
    #[error("the input looks like {what}, not a goroutine traceback (debug=2) dump")]
    UnsupportedFormat {
        /// A description of what the input looks like.
        what: &'static str,
        /// What the user can do about it.
        hint: &'static str,
    },
    /// The input is in a known format but broken beyond reading.
    #[error("the {what} is unreadable at line {line}: {problem}")]
    Malformed {
        /// The format, e.g. `debug=1 profile`.
        what: &'static str,
        /// 1-based line (0 for binary formats).
        line: u64,
        /// What was wrong.
        problem: String,
    },
    /// A pprof protobuf profile that does not decode.
    #[error("the pprof profile does not decode: {problem}")]
    BadProto {
        /// What the decoder said.
        problem: String,
    },
    /// A heap profile where only goroutine dumps are read.
    #[error("the input is a heap profile, not a goroutine dump")]
    HeapProfile,
    /// A pprof profile of something other than goroutines or the heap.
    #[error("the pprof profile is a {kind} profile: goroscope reads goroutine and heap profiles")]
    NotGoroutineProfile {
        /// The profile's sample type, e.g. `alloc_objects/count`.
        kind: String,
    },
    /// Nothing in the input looks like a goroutine dump.
    #[error("no goroutine found in {bytes} bytes; the input starts with {excerpt:?}")]
    NotADump {
        /// Size of the input.
        bytes: u64,
        /// The first characters of the input, for the message.
        excerpt: String,
    },
}

impl DumpError {
    /// A one-line suggestion for the user, when one is known.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            DumpError::Io { .. } => None,
            DumpError::Empty => {
                Some("capture a dump with `curl 'http://HOST:PORT/debug/pprof/goroutine?debug=2'`")
            }
            DumpError::UnsupportedFormat { hint, .. } => Some(hint),
            DumpError::Malformed { .. } => {
                Some("fetch the profile again; if it came from a log or a copy, check that it is complete")
            }
            DumpError::BadProto { .. } => Some(
                "the file may be cut short or not a pprof profile: check it with `go tool pprof -raw FILE`, or \
                 fetch it again from /debug/pprof/goroutine",
            ),
            DumpError::NotGoroutineProfile { .. } => Some(
                "fetch /debug/pprof/goroutine (or goroutineleak) or /debug/pprof/heap, not a CPU, block, mutex or \
                 other profile",
            ),
            DumpError::HeapProfile => Some(
                "`goroscope analyze` reads heap profiles next to goroutine dumps; this command needs \
                 /debug/pprof/goroutine",
            ),
            DumpError::NotADump { .. } => Some(
                "give a goroutine dump: the output of /debug/pprof/goroutine?debug=2, a panic or SIGQUIT traceback",
            ),
        }
    }
}
