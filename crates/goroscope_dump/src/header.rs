//! The goroutine header line, in every form from Go 1.17 to 1.28 (FORMATS.md §1.1).

use std::num::NonZeroU32;

use crate::model::flag;

/// A parsed `goroutine N [...]:` line, borrowing from the input.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Header<'a> {
    pub(crate) id: u64,
    /// The status or wait reason with ` (leaked)`, ` (scan)`, ` (durable)` peeled off.
    pub(crate) status: &'a [u8],
    pub(crate) flags: u8,
    pub(crate) minutes: Option<NonZeroU32>,
    pub(crate) labels: Option<&'a [u8]>,
    pub(crate) bubble: Option<u64>,
    pub(crate) unknown: Vec<&'a [u8]>,
}

/// Parses a header line (without its line ending). `None` when the line is not a header.
pub(crate) fn parse_header(line: &[u8]) -> Option<Header<'_>> {
    let rest = line.strip_prefix(b"goroutine ")?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let id = parse_u64(&rest[..digits])?;
    let mut rest = &rest[digits..];
    // ` gp=0x… m=N mp=0x…` / ` gp=0x… m=nil` (Go 1.22+, level ≥ 2)
    if rest.starts_with(b" gp=") {
        let open = memchr::memmem::find(rest, b" [")?;
        rest = &rest[open..];
    }
    let rest = rest.strip_prefix(b" [")?.strip_suffix(b":")?;
    let (bracket, outside_labels) = if rest.ends_with(b"]") {
        (&rest[..rest.len() - 1], None)
    } else {
        // Go 1.27+: `[status] {labels}`.
        let close = memchr::memchr(b']', rest)?;
        let labels = rest[close + 1..].strip_prefix(b" ")?;
        if !labels.starts_with(b"{") || !labels.ends_with(b"}") {
            return None;
        }
        (&rest[..close], Some(labels))
    };
    // Go 1.26: ` labels:{…}` inside the brackets; may hold `, ` so cut it off before splitting.
    let (inner, labels) = match memchr::memmem::find(bracket, b" labels:{") {
        Some(at) => (&bracket[..at], Some(&bracket[at + 8..])),
        None => (bracket, outside_labels),
    };
    let mut pieces = split_comma(inner);
    let mut status = pieces.next()?;
    let mut flags = 0;
    loop {
        if let Some(s) = status.strip_suffix(b" (leaked)") {
            flags |= flag::LEAKED;
            status = s;
        } else if let Some(s) = status.strip_suffix(b" (scan)") {
            flags |= flag::SCAN;
            status = s;
        } else if let Some(s) =
            status.strip_suffix(b" (durable)").or_else(|| status.strip_suffix(b" (synctest)"))
        {
            flags |= flag::DURABLE;
            status = s;
        } else {
            break;
        }
    }
    if status.is_empty() {
        return None;
    }
    let mut header = Header { id, status, flags, minutes: None, labels, bubble: None, unknown: Vec::new() };
    for piece in pieces {
        if let Some(n) = piece.strip_suffix(b" minutes") {
            header.minutes = parse_u64(n).and_then(|n| NonZeroU32::new(n.min(u64::from(u32::MAX)) as u32));
        } else if piece == b"locked to thread" {
            header.flags |= flag::LOCKED;
        } else if let Some(n) =
            piece.strip_prefix(b"synctest bubble ").or_else(|| piece.strip_prefix(b"synctest group "))
        {
            header.bubble = parse_u64(n);
        } else {
            header.unknown.push(piece);
        }
    }
    Some(header)
}

fn split_comma(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(bytes);
    std::iter::from_fn(move || {
        let current = rest?;
        match memchr::memmem::find(current, b", ") {
            Some(at) => {
                rest = Some(&current[at + 2..]);
                Some(&current[..at])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// Parses a non-empty run of ASCII digits that fits a `u64`.
pub(crate) fn parse_u64(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > 20 {
        return None;
    }
    let mut value: u64 = 0;
    for &b in bytes {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(line: &str) -> String {
        String::from_utf8(parse_header(line.as_bytes()).unwrap().status.to_vec()).unwrap()
    }

    #[test]
    fn plain_forms() {
        let h = parse_header(b"goroutine 18 [chan receive, 12 minutes]:").unwrap();
        assert_eq!((h.id, h.status, h.minutes.map(NonZeroU32::get)), (18, &b"chan receive"[..], Some(12)));
        let h = parse_header(b"goroutine 1 [running, locked to thread]:").unwrap();
        assert_eq!(h.flags, flag::LOCKED);
        assert_eq!(status("goroutine 7 [select (no cases)]:"), "select (no cases)");
        assert_eq!(status("goroutine 7 [chan send (nil chan), 3 minutes]:"), "chan send (nil chan)");
        assert_eq!(status("goroutine 0 [idle]:"), "idle");
    }

    #[test]
    fn runtime_annotations() {
        let h = parse_header(b"goroutine 1 gp=0xc000002380 m=0 mp=0x5a1b20 [running]:").unwrap();
        assert_eq!((h.id, h.status), (1, &b"running"[..]));
        let h = parse_header(b"goroutine 5 gp=0xc000007a40 m=nil [chan receive]:").unwrap();
        assert_eq!(h.status, b"chan receive");
        let h = parse_header(b"goroutine 12 [chan send (leaked)]:").unwrap();
        assert_eq!((h.status, h.flags), (&b"chan send"[..], flag::LEAKED));
        let h = parse_header(b"goroutine 3 [chan receive (scan)]:").unwrap();
        assert_eq!(h.flags, flag::SCAN);
        let h = parse_header(b"goroutine 9 [sleep (durable), synctest bubble 1]:").unwrap();
        assert_eq!((h.status, h.flags, h.bubble), (&b"sleep"[..], flag::DURABLE, Some(1)));
        let h = parse_header(b"goroutine 9 [select (synctest), synctest group 4]:").unwrap();
        assert_eq!((h.status, h.bubble), (&b"select"[..], Some(4)));
    }

    #[test]
    fn labels_inside_and_outside() {
        let h = parse_header(br#"goroutine 4 [select labels:{"k": "v, w", "k2": "]"}]:"#).unwrap();
        assert_eq!(h.status, b"select");
        assert_eq!(h.labels, Some(&br#"{"k": "v, w", "k2": "]"}"#[..]));
        let h = parse_header(br#"goroutine 38 [chan receive, 2 minutes] {pid: "<A.0.1>", role: reader}:"#)
            .unwrap();
        assert_eq!((h.status, h.minutes.map(NonZeroU32::get)), (&b"chan receive"[..], Some(2)));
        assert_eq!(h.labels, Some(&br#"{pid: "<A.0.1>", role: reader}"#[..]));
    }

    #[test]
    fn unknown_annotations_are_kept() {
        let h = parse_header(b"goroutine 4 [some future reason, new thing 3]:").unwrap();
        assert_eq!(h.status, b"some future reason");
        assert_eq!(h.unknown, vec![&b"new thing 3"[..]]);
    }

    #[test]
    fn rejects_non_headers() {
        for line in [
            "goroutine profile: total 4",
            "goroutine 1 [running]",
            "goroutine x [running]:",
            "goroutine 1 []:",
            "goroutine 99999999999999999999999 [running]:",
            "Goroutine 7 (running) created at:",
        ] {
            assert!(parse_header(line.as_bytes()).is_none(), "{line}");
        }
    }
}
