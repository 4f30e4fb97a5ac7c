//! Reading possibly compressed input with a cap on the decompressed size.

use std::io::{self, BufRead, BufReader, Cursor, Read};

use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

use crate::CollectError;

/// One gibibyte, the default cap.
const GIB: u64 = 1 << 30;

/// Caps on what is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes (after decompression) read from one input; more is an error, never a silent cut.
    pub max_bytes: u64,
}

impl Default for Limits {
    /// 1 GiB.
    fn default() -> Self {
        Limits { max_bytes: GIB }
    }
}

/// The compression of an input, as told by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Compression {
    /// Starts with the gzip magic `1f 8b` (this includes gzipped pprof protos, `.pb.gz`).
    Gzip,
    /// Starts with the zstd frame magic `28 b5 2f fd`.
    Zstd,
    /// Anything else: read as is.
    None,
}

impl Compression {
    /// Tells the compression from the first bytes of an input (four are enough).
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

const TOO_LARGE_HINT: &str =
    "raise --max-size if the dump is really this big (and check that it is not a decompression bomb)";

/// Opens `reader` for reading its decompressed content.
///
/// The first bytes decide: gzip (`1f 8b`; several members are read one after the other, like `gzip -d`),
/// zstd (`28 b5 2f fd`; several frames likewise, skippable frames are skipped), otherwise the bytes pass
/// through unchanged and uncapped: parsing streams them, so memory follows the dump's distinct stacks, not its
/// size. A compressed input fails once more than `limits.max_bytes` bytes would come out of it (a decompression
/// bomb): the [`io::Error`] then carries a [`CollectError::TooLarge`], and for corrupt compressed data a
/// [`CollectError::Decompress`]; [`CollectError::from_read_error`] gets them back.
pub fn open_decompressed(
    mut reader: impl Read + Send + 'static,
    limits: &Limits,
) -> Result<Box<dyn Read + Send>, CollectError> {
    let head =
        read_head(&mut reader).map_err(|e| CollectError::Io { what: "the input".into(), source: e })?;
    let compression = Compression::sniff(&head);
    let reader = BufReader::with_capacity(64 * 1024, Cursor::new(head).chain(reader));
    let max = limits.max_bytes;
    Ok(match compression {
        Compression::Gzip => {
            let inner = Decoded { format: "gzip", inner: flate2::bufread::MultiGzDecoder::new(reader) };
            Box::new(Capped::new(inner, max, "the decompressed input".into(), TOO_LARGE_HINT))
        }
        Compression::Zstd => {
            let inner = Decoded { format: "zstd", inner: ZstdReader::new(reader) };
            Box::new(Capped::new(inner, max, "the decompressed input".into(), TOO_LARGE_HINT))
        }
        Compression::None => Box::new(reader),
    })
}

/// Reads up to four bytes, fewer only at the end of the input.
fn read_head(reader: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(4);
    // Each successful read adds at least one byte, so this ends after four reads that return data.
    (&mut *reader).take(4).read_to_end(&mut head)?;
    Ok(head)
}

/// A reader that refuses to return more than `max` bytes in total.
pub(crate) struct Capped<R> {
    inner: R,
    max: u64,
    read: u64,
    what: String,
    hint: &'static str,
}

impl<R> Capped<R> {
    pub(crate) fn new(inner: R, max: u64, what: String, hint: &'static str) -> Self {
        Capped { inner, max, read: 0, what, hint }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        // Ask for one byte more than allowed, so that an input of exactly `max` bytes is accepted and one
        // byte more is refused.
        let allowed = self.max - self.read;
        let want = usize::try_from(allowed.saturating_add(1)).map_or(buf.len(), |a| a.min(buf.len()));
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > allowed {
            self.read = self.max;
            return Err(CollectError::TooLarge { what: self.what.clone(), limit: self.max, hint: self.hint }
                .into_io());
        }
        self.read += n as u64;
        Ok(n)
    }
}

/// Turns a decoder's errors into [`CollectError::Decompress`]; errors that already carry a
/// [`CollectError`] pass unchanged.
struct Decoded<R> {
    format: &'static str,
    inner: R,
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            if e.get_ref().is_some_and(|inner| inner.is::<CollectError>())
                || e.kind() == io::ErrorKind::Interrupted
            {
                e
            } else {
                CollectError::Decompress { format: self.format, source: e }.into_io()
            }
        })
    }
}

/// A zstd decoder for a stream of frames (ruzstd's `StreamingDecoder` reads one frame only).
struct ZstdReader<R> {
    source: R,
    decoder: FrameDecoder,
    /// A frame is being decoded.
    in_frame: bool,
}

impl<R: BufRead> ZstdReader<R> {
    fn new(source: R) -> Self {
        ZstdReader { source, decoder: FrameDecoder::new(), in_frame: false }
    }

    /// Starts the next frame; `false` at the end of the input.
    fn next_frame(&mut self) -> io::Result<bool> {
        // Each round consumes a skippable frame, so the input's length bounds the loop.
        loop {
            if self.source.fill_buf()?.is_empty() {
                return Ok(false);
            }
            match self.decoder.reset(&mut self.source) {
                Ok(()) => return Ok(true),
                Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                    length,
                    ..
                })) => {
                    let skipped = io::copy(&mut (&mut self.source).take(u64::from(length)), &mut io::sink())?;
                    if skipped < u64::from(length) {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "truncated skippable frame",
                        ));
                    }
                }
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
            }
        }
    }

    /// Checks the frame's checksum when it has one.
    fn check_frame_end(&self) -> io::Result<()> {
        match (self.decoder.get_checksum_from_data(), self.decoder.get_calculated_checksum()) {
            (Some(stored), Some(computed)) if stored != computed => {
                Err(io::Error::new(io::ErrorKind::InvalidData, "frame checksum mismatch"))
            }
            _ => Ok(()),
        }
    }
}

impl<R: BufRead> Read for ZstdReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        // Each round either returns, or finishes a frame and starts the next one (consuming input).
        loop {
            if !self.in_frame {
                if !self.next_frame()? {
                    return Ok(0);
                }
                self.in_frame = true;
            }
            // Decode until enough is collectable or the frame ends (the loop of ruzstd's StreamingDecoder).
            while self.decoder.can_collect() < buf.len() && !self.decoder.is_finished() {
                let needed = buf.len() - self.decoder.can_collect();
                self.decoder
                    .decode_blocks(&mut self.source, BlockDecodingStrategy::UptoBytes(needed))
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            }
            let n = self.decoder.read(buf)?;
            if n > 0 {
                return Ok(n);
            }
            if self.decoder.is_finished() {
                self.check_frame_end()?;
                self.in_frame = false;
            } else {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the zstd frame ends early"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_magic() {
        assert_eq!(Compression::sniff(&[0x1f, 0x8b, 8, 0]), Compression::Gzip);
        assert_eq!(Compression::sniff(&[0x28, 0xb5, 0x2f, 0xfd]), Compression::Zstd);
        assert_eq!(Compression::sniff(b"goroutine 1 [running]:"), Compression::None);
        assert_eq!(Compression::sniff(&[0x1f]), Compression::None);
        assert_eq!(Compression::sniff(&[]), Compression::None);
    }

    #[test]
    fn cap_allows_exactly_max() {
        let gzip = |text: &[u8]| {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            std::io::Write::write_all(&mut encoder, text).unwrap();
            encoder.finish().unwrap()
        };
        let mut r = open_decompressed(Cursor::new(gzip(b"hello")), &Limits { max_bytes: 5 }).unwrap();
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"hello");

        let mut r = open_decompressed(Cursor::new(gzip(b"hello!")), &Limits { max_bytes: 5 }).unwrap();
        let err = r.read_to_end(&mut Vec::new()).unwrap_err();
        let err = CollectError::from_read_error(err, "x");
        assert!(matches!(err, CollectError::TooLarge { limit: 5, .. }), "{err:?}");
    }

    #[test]
    fn short_and_empty_inputs_pass_through() {
        for input in [&b""[..], b"a", b"\x1f", b"\x1f\x8b"] {
            let mut r = open_decompressed(Cursor::new(input.to_vec()), &Limits::default()).unwrap();
            let mut out = Vec::new();
            // `1f 8b` alone is the start of a gzip stream that ends early: an error, not a panic.
            match r.read_to_end(&mut out) {
                Ok(_) => assert_eq!(out, input),
                Err(e) => {
                    let e = CollectError::from_read_error(e, "x");
                    assert!(matches!(e, CollectError::Decompress { format: "gzip", .. }), "{e:?}");
                }
            }
        }
    }

    #[test]
    fn corrupt_zstd_is_a_decompress_error() {
        let input = vec![0x28, 0xb5, 0x2f, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        let mut r = open_decompressed(Cursor::new(input), &Limits::default()).unwrap();
        let err = CollectError::from_read_error(r.read_to_end(&mut Vec::new()).unwrap_err(), "x");
        assert!(matches!(err, CollectError::Decompress { format: "zstd", .. }), "{err:?}");
        assert!(err.to_string().contains("zstd -t FILE"), "{err}");
    }
}
