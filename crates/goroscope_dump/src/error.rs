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
            DumpError::NotADump { .. } => Some(
                "give a goroutine dump: the output of /debug/pprof/goroutine?debug=2, a panic or SIGQUIT traceback",
            ),
        }
    }
}
