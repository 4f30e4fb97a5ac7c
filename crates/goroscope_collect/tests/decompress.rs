//! Compressed inputs through `open_decompressed`: gzip, zstd, and bombs stopped at the cap.

use std::io::{Cursor, Read, Write};

use goroscope_collect::{CollectError, Limits, open_decompressed};

const DUMP: &[u8] = b"goroutine 1 [running]:\nmain.main()\n\t/app/main.go:10 +0x1d\n";

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

fn read_all(input: Vec<u8>, limits: Limits) -> Result<Vec<u8>, CollectError> {
    let mut reader = open_decompressed(Cursor::new(input), &limits)?;
    let mut out = Vec::new();
    reader.read_to_end(&mut out).map_err(|e| CollectError::from_read_error(e, "the test input"))?;
    Ok(out)
}

#[test]
fn plain_gzip_and_zstd_give_the_same_text() {
    let limits = Limits::default();
    assert_eq!(read_all(DUMP.to_vec(), limits).unwrap(), DUMP);
    assert_eq!(read_all(gzip(DUMP), limits).unwrap(), DUMP);
    assert_eq!(read_all(zstd(DUMP), limits).unwrap(), DUMP);
}

#[test]
fn several_gzip_members_and_zstd_frames_are_all_read() {
    let limits = Limits::default();
    let mut members = gzip(b"goroutine 1 [running]:\n");
    members.extend(gzip(b"main.main()\n"));
    assert_eq!(read_all(members, limits).unwrap(), b"goroutine 1 [running]:\nmain.main()\n");

    let mut frames = zstd(b"goroutine 1 [running]:\n");
    // A skippable frame (magic 0x184D2A50, 3 bytes of payload) between two frames.
    frames.extend([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, b'a', b'b', b'c']);
    frames.extend(zstd(b"main.main()\n"));
    assert_eq!(read_all(frames, limits).unwrap(), b"goroutine 1 [running]:\nmain.main()\n");
}

#[test]
fn gzip_bomb_is_refused_at_the_cap() {
    // 256 MiB of zeros in about 256 KiB; the cap is 8 MiB.
    let bomb = gzip(&vec![0u8; 1 << 20]).repeat(256);
    let limits = Limits { max_bytes: 8 << 20 };
    let err = read_all(bomb, limits).unwrap_err();
    assert!(matches!(err, CollectError::TooLarge { limit: 8_388_608, .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.starts_with("the decompressed input exceeds 8388608 bytes (--max-size);"), "{msg}");
}

#[test]
fn zstd_bomb_is_refused_at_the_cap() {
    let bomb = zstd(&vec![0u8; 16 << 20]);
    let err = read_all(bomb, Limits { max_bytes: 1 << 20 }).unwrap_err();
    assert!(matches!(err, CollectError::TooLarge { .. }), "{err:?}");
}

#[test]
fn raw_input_is_not_capped() {
    // Parsing streams a plain dump, so its size alone costs no memory: only decompression is capped.
    let out = read_all(vec![b'x'; 2000], Limits { max_bytes: 1000 }).unwrap();
    assert_eq!(out.len(), 2000);
}

#[test]
fn truncated_gzip_is_a_clear_error() {
    let mut data = gzip(&DUMP.repeat(100));
    data.truncate(data.len() / 2);
    let err = read_all(data, Limits::default()).unwrap_err();
    assert!(matches!(err, CollectError::Decompress { format: "gzip", .. }), "{err:?}");
    assert!(err.to_string().contains("corrupt or truncated"), "{err}");
}

#[test]
fn truncated_zstd_is_a_clear_error() {
    let mut data = zstd(&DUMP.repeat(100));
    data.truncate(data.len() / 2);
    let err = read_all(data, Limits::default()).unwrap_err();
    assert!(matches!(err, CollectError::Decompress { format: "zstd", .. }), "{err:?}");
}
