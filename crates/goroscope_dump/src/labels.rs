//! pprof label sets in one written form, whichever format printed them: tracebacks print
//! `{"k": "v", "k2": "v2"}`, `debug=1` prints `{"k":"v", "k2":"v2"}`, the proto holds key and value strings.
//! The canonical form is `debug=1`'s: `"k":"v"` pairs sorted as strings and joined by `, `.

use std::fmt::Write as _;

/// The canonical form of a printed label set; the text itself (lossily decoded) when it does not read as one.
pub(crate) fn canonical(raw: &[u8]) -> String {
    match pairs(raw) {
        Some(mut pairs) => {
            pairs.sort_unstable();
            format!("{{{}}}", pairs.join(", "))
        }
        None => String::from_utf8_lossy(raw).into_owned(),
    }
}

/// The canonical form of label pairs given as plain strings.
pub(crate) fn from_pairs<'a>(labels: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut pairs: Vec<String> = labels.map(|(k, v)| format!("{}:{}", go_quote(k), go_quote(v))).collect();
    pairs.sort_unstable();
    format!("{{{}}}", pairs.join(", "))
}

/// The `"k":"v"` pairs of `{"k": "v", …}`, each still quoted as printed; Go 1.27+ tracebacks print keys and
/// values made only of `[A-Za-z0-9._/]` bare (`{handler: /upload, empty: }`), and these get quoted.
fn pairs(raw: &[u8]) -> Option<Vec<String>> {
    let inner = raw.trim_ascii().strip_prefix(b"{")?.strip_suffix(b"}")?;
    let mut pairs = Vec::new();
    let mut rest = inner.trim_ascii_start();
    while !rest.is_empty() {
        let (key, after) = token(rest)?;
        let after = after.trim_ascii_start().strip_prefix(b":")?.trim_ascii_start();
        let (value, after) = token(after)?;
        pairs.push(format!("{key}:{value}"));
        rest = after.trim_ascii_start();
        if let Some(next) = rest.strip_prefix(b",") {
            rest = next.trim_ascii_start();
        } else if !rest.is_empty() {
            return None;
        }
    }
    Some(pairs)
}

/// The value of label `key` in a canonical label set, still quoted as printed (`"acme"`); `None` when the set has
/// no such key.
pub fn label_value<'a>(set: &'a str, key: &str) -> Option<&'a str> {
    let inner = set.strip_prefix('{')?.strip_suffix('}')?;
    let mut rest = inner.as_bytes();
    let mut at = 1; // offset of `rest` in `set`
    while !rest.is_empty() {
        let (quoted_key, after) = quoted(rest)?;
        let value_start = at + quoted_key.len() + 1;
        let (value, after_value) = quoted(after.strip_prefix(b":")?)?;
        if quoted_key.len() >= 2 && &quoted_key[1..quoted_key.len() - 1] == key.as_bytes() {
            return Some(&set[value_start..value_start + value.len()]);
        }
        let next = after_value.strip_prefix(b", ").unwrap_or(after_value);
        at += rest.len() - next.len();
        rest = next;
    }
    None
}

/// A label key or value at the start of `text`, quoted (as printed, or added around a bare one), and what
/// follows it.
fn token(text: &[u8]) -> Option<(String, &[u8])> {
    if text.first() == Some(&b'"') {
        let (quoted, rest) = quoted(text)?;
        return Some((String::from_utf8_lossy(quoted).into_owned(), rest));
    }
    let bare =
        text.iter().take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'/')).count();
    Some((format!("\"{}\"", String::from_utf8_lossy(&text[..bare])), &text[bare..]))
}

/// A Go-quoted string at the start of `text` (quotes included) and what follows it.
fn quoted(text: &[u8]) -> Option<(&[u8], &[u8])> {
    if text.first() != Some(&b'"') {
        return None;
    }
    let mut i = 1;
    while i < text.len() {
        match text[i] {
            b'\\' => i += 2,
            b'"' => return Some((&text[..=i], &text[i + 1..])),
            _ => i += 1,
        }
    }
    None
}

/// `strconv.Quote`: Go's `%q` for a string.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_printed_form_reads_the_same() {
        let debug1 = canonical(br#"{"handler":"/upload", "tenant":"acme"}"#);
        assert_eq!(debug1, r#"{"handler":"/upload", "tenant":"acme"}"#);
        assert_eq!(canonical(br#"{"tenant": "acme", "handler": "/upload"}"#), debug1);
        assert_eq!(from_pairs([("tenant", "acme"), ("handler", "/upload")].into_iter()), debug1);
        assert_eq!(canonical(b"{}"), "{}");
        assert_eq!(canonical(br#"{"q":"a\"b, c"}"#), r#"{"q":"a\"b, c"}"#);
        assert_eq!(canonical(b"{not labels"), "{not labels");
        // Go 1.27+ tracebacks.
        assert_eq!(canonical(b"{tenant: acme, handler: /upload}"), debug1);
        assert_eq!(
            canonical(br#"{empty: , "key with space": v, q: "a\"b"}"#),
            r#"{"empty":"", "key with space":"v", "q":"a\"b"}"#
        );
        assert_eq!(canonical(b"{a-b: c}"), "{a-b: c}");
        assert_eq!(go_quote("a\u{1}\u{e9}"), "\"a\\x01\u{e9}\"");
    }

    #[test]
    fn values_by_key() {
        let set = r#"{"handler":"/upload", "q":"a\"b, c", "tenant":"acme"}"#;
        assert_eq!(label_value(set, "tenant"), Some(r#""acme""#));
        assert_eq!(label_value(set, "handler"), Some(r#""/upload""#));
        assert_eq!(label_value(set, "q"), Some(r#""a\"b, c""#));
        assert_eq!(label_value(set, "missing"), None);
        assert_eq!(label_value("{}", "k"), None);
        assert_eq!(label_value("{not labels", "k"), None);
    }
}
