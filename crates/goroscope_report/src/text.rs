//! Small pieces of text every renderer writes the same way.

use std::borrow::Cow;

use goroscope_analyze::{Group, RateUnit};

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

pub(crate) use goroscope_analyze::duration;
pub use goroscope_analyze::thousands;

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

/// `+1.5 goroutines/min`.
pub(crate) fn rate(rate: f64, unit: RateUnit) -> String {
    let per = match unit {
        RateUnit::PerMinute => "min",
        RateUnit::PerSnapshot => "snapshot",
    };
    format!("{}{rate:.1} goroutines/{per}", if rate > 0.0 { "+" } else { "" })
}

/// `+1,234`, `−56`, `±0`.
pub(crate) fn signed(n: i128) -> String {
    let magnitude = thousands(u64::try_from(n.unsigned_abs()).unwrap_or(u64::MAX));
    match n {
        0 => "±0".to_owned(),
        n if n > 0 => format!("+{magnitude}"),
        _ => format!("−{magnitude}"),
    }
}

/// `2026-11-24 13:05:00 UTC` for milliseconds since the Unix epoch.
pub(crate) fn utc(at_ms: i64) -> String {
    let secs = at_ms.div_euclid(1000);
    let (day, time) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    let (year, month, date) = civil(day);
    format!("{year}-{month:02}-{date:02} {:02}:{:02}:{:02} UTC", time / 3600, time / 60 % 60, time % 60)
}

/// Year, month and day of a day number since 1970-01-01 (Howard Hinnant's algorithm).
pub(crate) fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
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
    fn times_are_utc() {
        assert_eq!(utc(1_795_525_500_000), "2026-11-24 13:05:00 UTC");
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(civil(-1), (1969, 12, 31));
    }

    #[test]
    fn locations_are_short() {
        assert_eq!(location("/home/u/app/internal/x.go", 7), "internal/x.go:7");
        assert_eq!(location("x.go", 7), "x.go:7");
    }
}
