//! Small pieces of text every renderer writes the same way.

use std::borrow::Cow;

use goroscope_analyze::Group;

/// Text from the dump or a source file with control characters escaped, so that a hostile dump cannot drive the
/// terminal.
pub(crate) fn printable(text: &str) -> Cow<'_, str> {
    if text.chars().any(char::is_control) {
        text.chars()
            .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
            .collect()
    } else {
        Cow::Borrowed(text)
    }
}

/// `12345` → `12,345`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 goroutine`, `2 goroutines`.
pub(crate) fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// The printed wait reason; for formats that print none, the operation read from the frames.
pub(crate) fn shown_state(g: &Group) -> Cow<'_, str> {
    if g.state == "unknown" { g.blocking.describe().into() } else { g.state.as_str().into() }
}

/// A file as `dir/file.go:LINE`: the last two path elements are enough to find it and keep lines short.
pub(crate) fn location(file: &str, line: u32) -> String {
    // The last two path elements are enough to find a file and keep lines short.
    let short = file.rsplitn(3, '/').collect::<Vec<_>>();
    let tail = if short.len() == 3 { format!("{}/{}", short[1], short[0]) } else { file.to_owned() };
    format!("{}:{line}", printable(&tail))
}

/// `main.(*service).publish (orders.go:154)`: the leak site, or the first frame when there is none.
pub fn group_title(g: &Group) -> String {
    match (&g.leak_site, g.frames.first()) {
        (Some(s), _) => format!("{} ({})", s.function, location(&s.file, s.line)),
        (None, Some(f)) => format!("{} ({})", f.function, location(&f.file, f.line)),
        (None, None) => "(no frames)".to_owned(),
    }
}

/// `30 goroutines blocked on chan send: outlived its creator …` (the first evidence).
pub(crate) fn group_summary(g: &Group) -> String {
    let why = g.evidence.first().map(|e| format!(": {}", e.text)).unwrap_or_default();
    format!("{} [{}] at {}{why}", plural(g.count, "goroutine", "goroutines"), shown_state(g), group_title(g))
}

/// The package of a qualified function name.
pub(crate) fn package(function: &str) -> &str {
    goroscope_analyze::package_of(function)
}

/// A path with `/` separators and no leading `./`, as SARIF URIs and CI annotations want it.
pub(crate) fn slash_path(path: &std::path::Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_owned).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn locations_are_short() {
        assert_eq!(location("/home/u/app/internal/x.go", 7), "internal/x.go:7");
        assert_eq!(location("x.go", 7), "x.go:7");
    }
}
