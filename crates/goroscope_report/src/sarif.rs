//! `--format sarif`: SARIF 2.1.0 for code scanning. Each leak suspect is a result at its leak site (the line the
//! goroutines are stuck on), its rule the catalogue pattern; groups an ignore rule or the baseline accepts carry a
//! suppression, so code scanning shows them as dismissed rather than losing them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use goroscope_analyze::{CATALOGUE, Example, Group, Level, Outcome};
use serde_json::{Value, json};

use goroscope_lint::{Finding, Severity, Span};

use crate::text::{group_summary, shown_state, slash_path};
use crate::{LintReport, Render, RenderLint, Report};

/// The rule of suspects no catalogue pattern explains.
const GENERIC_RULE: &str = "goroutine-leak";

/// SARIF 2.1.0.
#[derive(Debug, Clone, Default)]
pub struct Sarif {
    /// Files as printed in the dumps → paths relative to the repository root, for the files found there. Others
    /// are written as printed.
    pub paths: BTreeMap<String, String>,
}

impl Render for Sarif {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut rules: Vec<Value> = CATALOGUE
            .iter()
            .map(|p| {
                json!({
                    "id": p.id.as_str(),
                    "name": p.title,
                    "shortDescription": { "text": p.title },
                    "fullDescription": { "text": p.why },
                    "help": {
                        "text": format!("How to confirm: {}\n\nFix: {}", p.confirm, p.fix),
                        "markdown": format!(
                            "**How to confirm:** {}\n\n**Fix:** {}\n\n```go\n{}\n```\n\n`goroscope explain {}` shows the \
                             example that leaks next to this one.",
                            p.confirm,
                            p.fix,
                            Example::body(p.example.fixed),
                            p.id.as_str()
                        ),
                    },
                    "helpUri": p.references.first(),
                })
            })
            .collect();
        rules.push(json!({
            "id": GENERIC_RULE,
            "name": "goroutine leak suspect",
            "shortDescription": { "text": "goroutine leak suspect" },
            "fullDescription": { "text": "Goroutines parked where nothing may wake them; the evidence is in the result." },
        }));
        let mut results = Vec::new();
        for (input_index, input) in report.inputs.iter().enumerate() {
            for (index, group) in input.analysis.groups.iter().enumerate() {
                if group.level == Level::Healthy {
                    continue;
                }
                results.push(self.result(report, input_index, index, group, &input.source));
            }
        }
        write_document(out, report.tool.version, &rules, json!({ "results": results }))
    }
}

/// `goroscope lint --format sarif`: each finding a result of its rule, with the `go` statement and the other
/// places involved as related locations and the mechanical fix as a SARIF fix.
impl RenderLint for Sarif {
    fn render_lint(&self, report: &LintReport, out: &mut dyn Write) -> io::Result<()> {
        let rules: Vec<Value> = report
            .rules
            .iter()
            .map(|rule| {
                json!({
                    "id": rule.code,
                    "name": rule.name,
                    "shortDescription": { "text": rule.summary },
                    "fullDescription": { "text": rule.section("What it does").unwrap_or_default() },
                    "help": { "text": rule.doc(), "markdown": rule.doc() },
                    "defaultConfiguration": { "level": lint_level(rule.severity) },
                    "properties": { "tags": ["goroutine-leak"], "preview": rule.preview },
                })
            })
            .collect();
        let results: Vec<Value> = report.findings.iter().map(|f| lint_result(report, f)).collect();
        let notifications: Vec<Value> = report
            .problems
            .iter()
            .map(|p| {
                json!({
                    "level": "warning",
                    "message": { "text": p.message },
                    "locations": [{ "physicalLocation": {
                        "artifactLocation": { "uri": uri_of(&slash_path(&p.path)) } } }],
                })
            })
            .collect();
        let run = json!({
            "invocations": [{ "executionSuccessful": true, "toolExecutionNotifications": notifications }],
            "results": results,
        });
        write_document(out, report.tool.version, &rules, run)
    }
}

/// A SARIF 2.1.0 document of one run of goroscope: the tool with its rules, and the run's other members.
fn write_document(out: &mut dyn Write, version: &str, rules: &[Value], mut run: Value) -> io::Result<()> {
    run["tool"] = json!({ "driver": {
        "name": "goroscope",
        "version": version,
        "informationUri": "https://example.invalid/goroscope",
        "rules": rules,
    }});
    let sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    });
    serde_json::to_writer_pretty(&mut *out, &sarif)?;
    out.write_all(b"\n")
}

fn lint_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn lint_result(report: &LintReport, f: &Finding) -> Value {
    let uri = uri_of(&slash_path(&f.path));
    let region = |span: &Span| {
        json!({
            "startLine": span.start.line,
            "startColumn": span.start.column,
            "endLine": span.end.line,
            "endColumn": span.end.column,
        })
    };
    let mut result = json!({
        "ruleId": f.code,
        "ruleIndex": report.rules.iter().position(|r| r.code == f.code),
        "level": lint_level(f.severity),
        "message": { "text": f.message },
        "locations": [{
            "physicalLocation": { "artifactLocation": { "uri": uri }, "region": region(&f.span) },
            "logicalLocations": f.function.as_ref().map(|func| vec![json!({ "name": func.name, "kind": "function" })]),
        }],
        "relatedLocations": f.related.iter().enumerate().map(|(id, r)| json!({
            "id": id,
            "message": { "text": r.label },
            "physicalLocation": { "artifactLocation": { "uri": uri }, "region": region(&r.span) },
        })).collect::<Vec<_>>(),
    });
    if result["locations"][0]["logicalLocations"].is_null()
        && let Some(location) = result["locations"][0].as_object_mut()
    {
        location.remove("logicalLocations");
    }
    if let Some(fix) = &f.fix {
        result["fixes"] = json!([{
            "description": { "text": fix.title },
            "artifactChanges": [{
                "artifactLocation": { "uri": uri },
                "replacements": fix.edits.iter().map(|e| json!({
                    "deletedRegion": { "byteOffset": e.start, "byteLength": e.end - e.start },
                    "insertedContent": { "text": e.replacement },
                })).collect::<Vec<_>>(),
            }],
        }]);
        result["properties"] = json!({ "fixSafe": fix.safe });
    }
    result
}

impl Sarif {
    fn result(&self, report: &Report, input: usize, index: usize, group: &Group, source: &str) -> Value {
        let rule = group.pattern.map_or(GENERIC_RULE, |p| p.as_str());
        let rule_index = CATALOGUE.iter().position(|p| p.id.as_str() == rule).unwrap_or(CATALOGUE.len());
        let outcome = report.outcome(input, index);
        let level = match outcome.map(|o| o.outcome) {
            Some(Outcome::Fail) => "error",
            Some(_) => "note",
            None if group.level <= Level::Likely => "error",
            None => "warning",
        };
        let mut result = json!({
            "ruleId": rule,
            "ruleIndex": rule_index,
            "level": level,
            "message": { "text": message(report, group) },
            "partialFingerprints": { "goroscopeGroup/v1": group.fingerprint },
            "properties": {
                "goroutines": group.count,
                "leakLevel": group.level.as_str(),
                "state": shown_state(group),
                "input": source,
            },
        });
        if let Some(site) = group.leak_site.as_ref().filter(|s| s.line > 0) {
            let uri = self.paths.get(&*site.file).map_or(&*site.file, String::as_str);
            result["locations"] = json!([{
                "physicalLocation": {
                    "artifactLocation": { "uri": uri_of(uri) },
                    "region": { "startLine": site.line },
                },
                "logicalLocations": [{ "fullyQualifiedName": site.function, "kind": "function" }],
            }]);
        }
        if let Some(o) = outcome.filter(|o| matches!(o.outcome, Outcome::Ignored | Outcome::Baselined)) {
            result["suppressions"] = json!([{ "kind": "external", "justification": o.reason }]);
        }
        result
    }
}

/// The message: what is stuck, the evidence, and the fix.
fn message(report: &Report, group: &Group) -> String {
    let mut text = group_summary(group);
    for e in group.evidence.iter().skip(1).filter(|e| e.weight != 0) {
        let _ = write!(text, "; {}", e.text);
    }
    if let Some(pattern) = group.pattern.and_then(|id| report.patterns.iter().find(|p| p.id == id)) {
        let _ = write!(text, ". Fix: {}", pattern.fix);
    }
    text
}

/// A relative path as a URI reference (`/` separators, spaces and the like percent-encoded); an absolute path as
/// a `file://` URI.
fn uri_of(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'@'
            | b'+'
            | b'('
            | b')' => {
                encoded.push(b as char);
            }
            _ => {
                let _ = write!(encoded, "%{b:02X}");
            }
        }
    }
    if path.starts_with('/') { format!("file://{encoded}") } else { encoded }
}

#[cfg(test)]
mod tests {
    use super::uri_of;

    #[test]
    fn paths_become_uris() {
        assert_eq!(uri_of("internal/store/db.go"), "internal/store/db.go");
        assert_eq!(uri_of("/src/my app/x.go"), "file:///src/my%20app/x.go");
        assert_eq!(uri_of("pkg/a#b.go"), "pkg/a%23b.go");
    }
}
