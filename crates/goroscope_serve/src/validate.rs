//! Checks on the parts of a URL path that name something: a target, a group, an upload. Each is a value for a
//! lookup (never a file name); anything else is refused before it reaches one.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// The longest target name accepted (a targets file names them; URLs give `host:port`).
const MAX_TARGET_NAME: usize = 256;

/// A target's name as the history stores it: 1 to 256 bytes, no control characters.
pub(crate) fn target_name(name: &str) -> Option<&str> {
    (!name.is_empty() && name.len() <= MAX_TARGET_NAME && !name.chars().any(char::is_control)).then_some(name)
}

/// A group fingerprint, or a prefix of one (as `goroscope history show` takes): 4 to 16 hex digits.
pub(crate) fn fingerprint(text: &str) -> Option<&str> {
    ((4..=16).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit())).then_some(text)
}

/// An upload's id: 16 lowercase hex digits.
pub(crate) fn upload_id(text: &str) -> Option<&str> {
    (text.len() == 16 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))).then_some(text)
}

/// Characters left as they are in a path segment: the unreserved ones.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// `text` as one path segment of a link: `/` and everything else outside the unreserved set percent-encoded, so
/// the result holds none of `<>"'&` either.
pub(crate) fn segment(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

/// The link to a target's page.
pub(crate) fn target_href(name: &str) -> String {
    format!("/targets/{}", segment(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_names_are_bounded_and_free_of_control_characters() {
        assert_eq!(target_name("127.0.0.1:6060"), Some("127.0.0.1:6060"));
        assert_eq!(target_name("api/eu <1>"), Some("api/eu <1>"), "escaped where shown, bound as a value");
        assert_eq!(target_name(""), None);
        assert_eq!(target_name("a\u{0}b"), None);
        assert_eq!(target_name("a\nb"), None);
        assert_eq!(target_name(&"x".repeat(257)), None);
        assert!(target_name(&"x".repeat(256)).is_some());
    }

    #[test]
    fn fingerprints_and_upload_ids_are_hex() {
        assert_eq!(fingerprint("7ebf444d"), Some("7ebf444d"));
        assert_eq!(fingerprint("7ebf444d12345678"), Some("7ebf444d12345678"));
        assert_eq!(fingerprint("7eb"), None, "too short to name one group");
        assert_eq!(fingerprint("7ebf444d123456789"), None);
        assert_eq!(fingerprint("../../etc"), None);
        assert_eq!(fingerprint("7ebf444g"), None);
        assert_eq!(upload_id("0123456789abcdef"), Some("0123456789abcdef"));
        assert_eq!(upload_id("0123456789ABCDEF"), None);
        assert_eq!(upload_id("0123456789abcde"), None);
        assert_eq!(upload_id("..%2f..%2fetc%2f"), None);
    }

    #[test]
    fn segments_encode_everything_that_is_not_unreserved() {
        assert_eq!(segment("127.0.0.1:6060"), "127.0.0.1%3A6060");
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
        assert_eq!(segment("\"><img>&'"), "%22%3E%3Cimg%3E%26%27");
        assert_eq!(target_href("api"), "/targets/api");
    }
}
