//! `--format junit`: `JUnit` XML for CI test reports. One test suite per input, one test case per group (failed,
//! passed, or skipped when an ignore rule or the baseline accepts it), and one per exceeded limit.

use std::fmt::Write as _;
use std::io::{self, Write};

use goroscope_analyze::{Group, Outcome};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use crate::text::{group_summary, group_title};
use crate::{Render, Report};

/// `JUnit` XML, valid against the schema Jenkins' xUnit plugin checks (`testdata/schemas/junit-10.xsd`), which
/// GitHub, GitLab and other CI test-report readers also accept.
#[derive(Debug, Clone, Copy, Default)]
pub struct Junit;

/// One test case: its name and class, and what became of it.
struct Case {
    name: String,
    classname: String,
    status: Status,
}

enum Status {
    Passed,
    /// Accepted by an ignore rule or a baseline.
    Skipped {
        message: String,
    },
    Failed {
        kind: String,
        message: String,
        details: String,
    },
}

struct Suite {
    name: String,
    cases: Vec<Case>,
}

impl Suite {
    fn count(&self, wanted: fn(&Status) -> bool) -> usize {
        self.cases.iter().filter(|c| wanted(&c.status)).count()
    }
    fn failures(&self) -> usize {
        self.count(|s| matches!(s, Status::Failed { .. }))
    }
}

impl Render for Junit {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let suites: Vec<Suite> = report
            .inputs
            .iter()
            .enumerate()
            .map(|(input_index, input)| {
                let mut cases: Vec<Case> = input
                    .analysis
                    .groups
                    .iter()
                    .enumerate()
                    .map(|(index, group)| test_case(report, input_index, index, group))
                    .collect();
                for limit in report.gate.iter().flat_map(|g| &g.limits).filter(|l| l.input == input_index) {
                    cases.push(Case {
                        name: format!("limit {}", limit.limit),
                        classname: "goroscope.limits".to_owned(),
                        status: Status::Failed {
                            kind: limit.limit.to_owned(),
                            message: limit.message.clone(),
                            details: String::new(),
                        },
                    });
                }
                Suite { name: format!("goroscope: {}", input.source), cases }
            })
            .collect();
        let mut xml = Writer::new_with_indent(&mut *out, b' ', 4);
        xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        let tests: usize = suites.iter().map(|s| s.cases.len()).sum();
        let failures: usize = suites.iter().map(Suite::failures).sum();
        xml.create_element("testsuites")
            .with_attributes([
                ("name", "goroscope"),
                ("tests", &tests.to_string()),
                ("failures", &failures.to_string()),
                ("errors", "0"),
            ])
            .write_inner_content(|xml| suites.iter().try_for_each(|suite| write_suite(xml, suite)))?;
        out.write_all(b"\n")
    }
}

fn write_suite<W: Write>(xml: &mut Writer<W>, suite: &Suite) -> io::Result<()> {
    xml.create_element("testsuite")
        .with_attributes([
            ("name", clean(&suite.name).as_str()),
            ("tests", &suite.cases.len().to_string()),
            ("failures", &suite.failures().to_string()),
            ("errors", "0"),
            ("skipped", &suite.count(|s| matches!(s, Status::Skipped { .. })).to_string()),
        ])
        .write_inner_content(|xml| {
            for case in &suite.cases {
                let element = xml.create_element("testcase").with_attributes([
                    ("name", clean(&case.name).as_str()),
                    ("classname", clean(&case.classname).as_str()),
                ]);
                match &case.status {
                    Status::Passed => element.write_empty().map(drop)?,
                    Status::Skipped { message } => element
                        .write_inner_content(|xml| {
                            xml.create_element("skipped")
                                .with_attribute(("message", clean(message).as_str()))
                                .write_empty()
                                .map(drop)
                        })
                        .map(drop)?,
                    Status::Failed { kind, message, details } => element
                        .write_inner_content(|xml| {
                            xml.create_element("failure")
                                .with_attributes([
                                    ("message", clean(message).as_str()),
                                    ("type", clean(kind).as_str()),
                                ])
                                .write_text_content(BytesText::new(&clean(details)))
                                .map(drop)
                        })
                        .map(drop)?,
                }
            }
            Ok(())
        })
        .map(drop)
}

/// `text` without the characters XML 1.0 cannot carry (control characters from a dump's arguments or labels).
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| {
            if matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}') {
                c
            } else {
                '\u{fffd}'
            }
        })
        .collect()
}

fn test_case(report: &Report, input: usize, index: usize, group: &Group) -> Case {
    let outcome = report.outcome(input, index);
    let status = match outcome.map(|o| o.outcome) {
        Some(Outcome::Ignored | Outcome::Baselined) => {
            Status::Skipped { message: outcome.map(|o| o.reason.clone()).unwrap_or_default() }
        }
        _ if report.fails(input, index) => Status::Failed {
            kind: group.pattern.map_or("goroutine-leak", |p| p.as_str()).to_owned(),
            message: format!("{}: {}", group.level.as_str(), group_summary(group)),
            details: details(report, group),
        },
        _ => Status::Passed,
    };
    // The fingerprint keeps the name stable from run to run, so CI can follow one group's history.
    Case {
        name: format!("{} [{}]", group_title(group), group.fingerprint),
        classname: group
            .leak_site
            .as_ref()
            .map_or("goroscope", |s| crate::text::package(&s.function))
            .to_owned(),
        status,
    }
}

/// Evidence, fix and stack as plain text.
fn details(report: &Report, group: &Group) -> String {
    let mut text = String::new();
    for e in &group.evidence {
        let _ = writeln!(text, "- {}", e.text);
    }
    if let Some(pattern) = group.pattern.and_then(|id| report.patterns.iter().find(|p| p.id == id)) {
        let _ = write!(text, "\n{}\nwhy: {}\nfix: {}\n", pattern.title, pattern.why, pattern.fix);
    }
    text.push('\n');
    for frame in &group.frames {
        let _ = write!(text, "{}\n\t{}:{}\n", frame.function, frame.file, frame.line);
    }
    text
}
