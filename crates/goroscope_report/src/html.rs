//! `--html FILE`: one self-contained page (styles, script and data inline; nothing fetched) with the summary and
//! each group: its explanation, fix, source, evidence, lint findings and stack, searchable and filterable, each
//! at a stable anchor (`#g-FINGERPRINT`). Every piece of dump text is escaped, and a Content-Security-Policy
//! allows only the page's own style and script, by their hashes, so text from a hostile dump cannot run.

use std::fmt::Write as _;
use std::io::{self, Write};

use base64::Engine as _;
use goroscope_analyze::{Excerpt, Group, Level};
use sha2::{Digest, Sha256};

use crate::text::{location, plural, shown_state, thousands};
use crate::{InputReport, Render, Report};

/// The self-contained HTML page.
#[derive(Debug, Clone, Copy, Default)]
pub struct Html;

const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

/// Frames of a stack shown before the rest are folded away.
const STACK_FRAMES: usize = 12;

impl Render for Html {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut page = String::with_capacity(64 << 10);
        let title = report.inputs.iter().map(|i| i.source.as_str()).collect::<Vec<_>>().join(", ");
        let _ = write!(
            page,
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src '{}'; \
             script-src '{}'; img-src data:; base-uri 'none'; form-action 'none'\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>goroscope: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
            csp_hash(STYLE),
            csp_hash(SCRIPT),
            escape(&title)
        );
        let _ = write!(
            page,
            "<header><h1>goroscope report</h1><p class=\"tool\">goroscope {}</p></header>\n\
             <nav class=\"filters\" aria-label=\"Filter groups\">\
             <input id=\"search\" type=\"search\" placeholder=\"Search functions, files, states, labels\" \
             aria-label=\"Search\">\
             <select id=\"level\" aria-label=\"Level\"><option value=\"\">every level</option>\
             <option value=\"suspect\" selected>suspects</option><option value=\"certain\">certain</option>\
             <option value=\"likely\">likely</option><option value=\"possible\">possible</option>\
             <option value=\"healthy\">healthy</option></select>\
             <span id=\"shown\" aria-live=\"polite\"></span></nav>\n<main>\n",
            escape(report.tool.version)
        );
        for input in &report.inputs {
            write_input(&mut page, report, input);
        }
        let _ = write!(page, "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n");
        out.write_all(page.as_bytes())
    }
}

/// `'sha256-…'` of an inline style or script, for the Content-Security-Policy.
fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(digest))
}

/// Text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

fn write_input(page: &mut String, report: &Report, input: &InputReport) {
    let s = &input.analysis.summary;
    let mut verdict = Vec::new();
    for level in [Level::Certain, Level::Likely, Level::Possible] {
        let c = s.at(level);
        if c.groups > 0 {
            verdict.push(format!(
                "<span class=\"badge {0}\">{1} {0}</span> ({2})",
                level.as_str(),
                c.groups,
                plural(c.goroutines, "goroutine", "goroutines")
            ));
        }
    }
    let verdict = if verdict.is_empty() { "no leak suspects".to_owned() } else { verdict.join(", ") };
    let _ = write!(
        page,
        "<section class=\"input\">\n<h2>{}</h2>\n<p class=\"summary\">{} in {} · {verdict}</p>\n",
        escape(&input.source),
        plural(s.goroutines, "goroutine", "goroutines"),
        plural(s.groups, "group", "groups"),
    );
    if let Some(t) = &input.truncated {
        let _ = writeln!(page, "<p class=\"warning\">Truncated: {}</p>", escape(&t.reason));
    }
    for note in &input.analysis.notes {
        let _ = writeln!(page, "<p class=\"note\">{}</p>", escape(note));
    }
    for group in &input.analysis.groups {
        write_group(page, report, group);
    }
    page.push_str("</section>\n");
}

fn write_group(page: &mut String, report: &Report, g: &Group) {
    let level = g.level.as_str();
    let state = shown_state(g);
    let mut search = String::new();
    for f in &g.frames {
        let _ = write!(search, "{} {} ", f.function, f.file);
    }
    for (labels, _) in &g.labels {
        let _ = write!(search, "{labels} ");
    }
    let _ = write!(search, "{state} {level}");
    let _ = write!(
        page,
        "<article class=\"group {level}\" id=\"g-{fp}\" data-level=\"{level}\" data-search=\"{search}\">\n\
         <h3><a class=\"anchor\" href=\"#g-{fp}\">#</a> <span class=\"badge {level}\">{level}</span> \
         {count} <span class=\"state\">[{state}]</span></h3>\n<dl>\n",
        fp = escape(&g.fingerprint),
        search = escape(&search.to_lowercase()),
        count = plural(g.count, "goroutine", "goroutines"),
        state = escape(&state),
    );
    if let Some(site) = &g.leak_site {
        row(
            page,
            "at",
            &format!("<code>{}</code> {}", escape(&site.function), escape(&location(&site.file, site.line))),
        );
    }
    if let Some(by) = &g.created_by {
        let creators = g.creators.map_or_else(String::new, |c| {
            format!(
                " (from {}, {} still running)",
                plural(c.distinct, "goroutine", "goroutines"),
                thousands(c.alive)
            )
        });
        row(
            page,
            "created",
            &format!(
                "<code>{}</code> {}{creators}",
                escape(&by.function),
                escape(&location(&by.file, by.line))
            ),
        );
    }
    if !g.labels.is_empty() {
        let sets: Vec<String> =
            g.labels.iter().map(|(set, n)| format!("<code>{}</code> ×{n}", escape(set))).collect();
        row(page, "labels", &sets.join(", "));
    }
    let pattern = g.pattern.and_then(|id| report.patterns.iter().find(|p| p.id == id));
    if let Some(p) = pattern {
        row(page, "pattern", &format!("<strong>{}</strong> ({})", escape(p.title), escape(p.id.as_str())));
        row(page, "why", &escape(p.why));
    }
    if let Some(shape) = g.shape {
        row(page, "shape", &escape(shape));
    }
    if !g.evidence.is_empty() {
        row(page, "evidence", &evidence(g));
    }
    if let Some(p) = pattern {
        row(page, "fix", &escape(p.fix));
    }
    for link in report.lint_links.iter().filter(|l| l.group == g.fingerprint) {
        let f = &link.finding;
        row(
            page,
            "lint",
            &format!(
                "<strong>{} {}</strong> {}:{} ({}): {}",
                escape(f.code),
                escape(f.rule),
                escape(&f.path.display().to_string()),
                f.span.start.line,
                link.link.describe(),
                escape(&f.message)
            ),
        );
    }
    page.push_str("</dl>\n");
    if let Some(excerpt) = &g.source {
        write_excerpt(page, "source", excerpt);
    }
    if let Some(excerpt) = &g.creation_source {
        write_excerpt(page, "started", excerpt);
    }
    write_stack(page, g);
    page.push_str("</article>\n");
}

/// The evidence as a list, each item marked for or against a leak.
fn evidence(g: &Group) -> String {
    let mut items = String::from("<ul>");
    for e in &g.evidence {
        let sign = match e.weight {
            w if w > 0 => "plus",
            w if w < 0 => "minus",
            _ => "neutral",
        };
        let _ = write!(items, "<li class=\"{sign}\">{}</li>", escape(&e.text));
    }
    items.push_str("</ul>");
    items
}

/// The stack, folded: the program's own frames stand out.
fn write_stack(page: &mut String, g: &Group) {
    if g.frames.is_empty() {
        return;
    }
    let _ = write!(
        page,
        "<details class=\"stack\"><summary>stack, {}</summary><ol>",
        plural(g.frames.len() as u64, "frame", "frames")
    );
    for f in g.frames.iter().take(STACK_FRAMES) {
        let class = if f.own { "own" } else { "lib" };
        let _ = write!(
            page,
            "<li class=\"{class}\"><code>{}</code> {}</li>",
            escape(&f.function),
            escape(&location(&f.file, f.line))
        );
    }
    if g.frames.len() > STACK_FRAMES {
        let more = plural((g.frames.len() - STACK_FRAMES) as u64, "more frame", "more frames");
        let _ = write!(page, "<li class=\"lib\">… {more}</li>");
    }
    page.push_str("</ol></details>\n");
}

fn row(page: &mut String, term: &str, html: &str) {
    let _ = writeln!(page, "<dt>{term}</dt><dd>{html}</dd>");
}

fn write_excerpt(page: &mut String, title: &str, excerpt: &Excerpt) {
    let _ = write!(
        page,
        "<figure class=\"source\"><figcaption>{title}: {}</figcaption><pre>",
        escape(&excerpt.file)
    );
    for (i, line) in excerpt.lines.iter().enumerate() {
        let number = excerpt.first_line + i as u32;
        let class = if number == excerpt.marked_line { " class=\"marked\"" } else { "" };
        let _ = writeln!(page, "<span{class}><i>{number}</i>{}</span>", escape(line));
    }
    page.push_str("</pre></figure>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_elements_and_attributes() {
        assert_eq!(escape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(escape("\"><img src=x onerror='a'>"), "&quot;&gt;&lt;img src=x onerror=&#39;a&#39;&gt;");
        assert_eq!(escape("a&b\u{1b}[31m"), "a&amp;b\\u{1b}[31m");
    }

    #[test]
    fn the_policy_hashes_are_those_of_the_inline_style_and_script() {
        // echo -n "" | openssl dgst -sha256 -binary | base64
        assert_eq!(csp_hash(""), "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        assert!(!SCRIPT.contains("innerHTML"), "the script builds no markup from data");
    }
}
