//! Extra request headers (bearer tokens, API keys) and how they are kept out of messages.

use std::fmt;
use std::io::Read;
use std::path::Path;

use crate::CollectError;

/// A header file larger than this is certainly not a list of headers.
const MAX_HEADER_FILE: u64 = 1 << 20;

/// A secret string: its `Debug` and `Display` print `***`, never the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for sending it; never print it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// One request header whose value is a [`Secret`]. It prints as `Name: ***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Header {
    /// The header name, e.g. `Authorization`.
    pub name: String,
    /// The header value, redacted when printed.
    pub value: Secret,
}

impl Header {
    /// A header from a name and a value, both checked against HTTP's rules (the value is never echoed in
    /// the error).
    pub fn new(name: &str, value: &str) -> Result<Header, CollectError> {
        check_header(name, value, "the header given", 1)
    }

    /// `Authorization: Bearer TOKEN`.
    pub fn bearer(token: &str) -> Result<Header, CollectError> {
        Header::new("Authorization", &format!("Bearer {token}"))
    }
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Header").field("name", &self.name).field("value", &self.value).finish()
    }
}

impl fmt::Display for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ***", self.name)
    }
}

/// Headers from the environment variable `var`.
///
/// The variable holds either a single token (`Bearer xyz`, or a bare `xyz`, both sent as
/// `Authorization: Bearer xyz`; `Basic …` and other `Scheme credentials` pairs are sent as they are), or
/// `Name: value` lines. Blank lines and lines starting with `#` are skipped.
pub fn headers_from_env(var: &str) -> Result<Vec<Header>, CollectError> {
    match std::env::var(var) {
        Ok(text) => parse_headers(&text, &format!("the environment variable {var}")),
        Err(std::env::VarError::NotPresent) => Err(CollectError::HeaderEnvMissing { var: var.to_owned() }),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(CollectError::HeaderEnvNotUnicode { var: var.to_owned() })
        }
    }
}

/// Headers from a file: one `Name: value` per line, blank lines and `#` comments skipped; a file whose
/// only line has no colon is a bearer token (see [`headers_from_env`]).
pub fn headers_from_file(path: &Path) -> Result<Vec<Header>, CollectError> {
    let read_error = |source| CollectError::HeaderFileRead { path: path.to_owned(), source };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut bytes = Vec::new();
    file.take(MAX_HEADER_FILE + 1).read_to_end(&mut bytes).map_err(read_error)?;
    if bytes.len() as u64 > MAX_HEADER_FILE {
        return Err(read_error(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            "larger than 1 MiB, so not a list of headers",
        )));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        read_error(std::io::Error::new(std::io::ErrorKind::InvalidData, "the file is not valid UTF-8"))
    })?;
    parse_headers(&text, &format!("the header file {}", path.display()))
}

/// Parses header text; `origin` names the source in errors ("the header file X").
pub(crate) fn parse_headers(text: &str, origin: &str) -> Result<Vec<Header>, CollectError> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .collect();
    match lines.as_slice() {
        [] => Err(CollectError::HeaderEmpty { origin: origin.to_owned() }),
        [(line, token)] if !token.contains(':') => Ok(vec![token_header(token, origin, *line)?]),
        _ => lines
            .iter()
            .map(|&(line, text)| match text.split_once(':') {
                Some((name, value)) => check_header(name.trim(), value.trim(), origin, line),
                None => Err(CollectError::HeaderSyntax {
                    origin: origin.to_owned(),
                    line,
                    reason: "the line has no colon between a header name and its value",
                }),
            })
            .collect(),
    }
}

/// A lone token: `Scheme credentials` as is, a bare token as a bearer token.
fn token_header(token: &str, origin: &str, line: usize) -> Result<Header, CollectError> {
    match token.split_once(char::is_whitespace) {
        None => check_header("Authorization", &format!("Bearer {token}"), origin, line),
        Some((scheme, credentials)) => {
            let credentials = credentials.trim();
            if !is_token(scheme) || credentials.is_empty() || credentials.contains(char::is_whitespace) {
                return Err(CollectError::HeaderSyntax {
                    origin: origin.to_owned(),
                    line,
                    reason: "a single line without a colon must be a token, or `Bearer TOKEN`",
                });
            }
            check_header("Authorization", &format!("{scheme} {credentials}"), origin, line)
        }
    }
}

fn check_header(name: &str, value: &str, origin: &str, line: usize) -> Result<Header, CollectError> {
    let syntax = |reason| CollectError::HeaderSyntax { origin: origin.to_owned(), line, reason };
    if !is_token(name) {
        return Err(syntax("the text before the colon is not a valid header name"));
    }
    if value.is_empty() {
        return Err(syntax("the header has an empty value"));
    }
    // Visible ASCII, spaces and tabs only: no control characters that could split the request.
    if !value.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b)) {
        return Err(syntax("the header value holds characters HTTP does not allow (control or non-ASCII)"));
    }
    Ok(Header { name: name.to_owned(), value: Secret::new(value) })
}

/// An HTTP token (RFC 9110 `tchar`s): what header names and auth schemes are made of.
fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> (String, String) {
        let headers = parse_headers(text, "test").unwrap();
        assert_eq!(headers.len(), 1, "{headers:?}");
        (headers[0].name.clone(), headers[0].value.expose().to_owned())
    }

    #[test]
    fn bare_and_bearer_tokens() {
        assert_eq!(one("abc.def-ghi\n"), ("Authorization".into(), "Bearer abc.def-ghi".into()));
        assert_eq!(one("Bearer abc\r\n"), ("Authorization".into(), "Bearer abc".into()));
        assert_eq!(
            one("  # comment\n\nBasic dXNlcjpwdw==\n"),
            ("Authorization".into(), "Basic dXNlcjpwdw==".into())
        );
    }

    #[test]
    fn header_lines() {
        let headers = parse_headers(
            "# keys\nAuthorization: Bearer t0k\n\nX-Api-Key:  k3y  \nX-Empty-Colon: a:b\n",
            "f",
        )
        .unwrap();
        let got: Vec<_> = headers.iter().map(|h| (h.name.as_str(), h.value.expose())).collect();
        assert_eq!(got, [("Authorization", "Bearer t0k"), ("X-Api-Key", "k3y"), ("X-Empty-Colon", "a:b")]);
    }

    #[test]
    fn errors_never_echo_the_secret() {
        for (text, line) in [
            ("X-Key: s3cr3t\nnot a header s3cr3t\n", 2),
            ("bad name s3cr3t: v", 1),
            ("X-Key:\n", 1),
            ("two words s3cr3t", 1),
            ("X-Key: s3cr3t\u{7}", 1),
        ] {
            let err = parse_headers(text, "the file F").unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("s3cr3t"), "{shown}");
            assert!(
                matches!(err, CollectError::HeaderSyntax { line: l, .. } if l == line),
                "{text}: {err:?}"
            );
        }
        assert!(matches!(parse_headers(" \n# only\n", "x"), Err(CollectError::HeaderEmpty { .. })));
    }

    #[test]
    fn secrets_print_redacted() {
        let h = Header::bearer("s3cr3t").unwrap();
        assert_eq!(h.to_string(), "Authorization: ***");
        assert!(!format!("{h:?}").contains("s3cr3t"));
        assert_eq!(h.value.expose(), "Bearer s3cr3t");
    }
}
