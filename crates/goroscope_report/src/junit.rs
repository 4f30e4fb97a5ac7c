//! `--format junit`: `JUnit` XML for CI test reports. One test suite per input, one test case per group (failed,
//! passed, or skipped when an ignore rule or the baseline accepts it), and one per exceeded limit.

use std::fmt::Write as _;
use std::io::{self, Write};

use goroscope_analyze::{Group, Outcome};
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

use crate::text::{group_summary, group_title};
use crate::{Render, Report};

/// `JUnit` XML.
#[derive(Debug, Clone, Copy, Default)]
pub struct Junit;

impl Render for Junit {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut junit = quick_junit::Report::new("goroscope");
        for (input_index, input) in report.inputs.iter().enumerate() {
            let mut suite = TestSuite::new(format!("goroscope: {}", input.source));
            for (index, group) in input.analysis.groups.iter().enumerate() {
                suite.add_test_case(test_case(report, input_index, index, group));
            }
            for limit in report.gate.iter().flat_map(|g| &g.limits).filter(|l| l.input == input_index) {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_type(limit.limit).set_message(limit.message.clone());
                let mut case = TestCase::new(format!("limit {}", limit.limit), status);
                case.set_classname("goroscope.limits");
                suite.add_test_case(case);
            }
            junit.add_test_suite(suite);
        }
        junit.serialize(&mut *out).map_err(io::Error::other)?;
        out.write_all(b"\n")
    }
}

fn test_case(report: &Report, input: usize, index: usize, group: &Group) -> TestCase {
    let outcome = report.outcome(input, index);
    let status = match outcome.map(|o| o.outcome) {
        Some(Outcome::Ignored | Outcome::Baselined) => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(outcome.map(|o| o.reason.clone()).unwrap_or_default());
            status
        }
        _ if report.fails(input, index) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_type(group.pattern.map_or("goroutine-leak", |p| p.as_str()))
                .set_message(format!("{}: {}", group.level.as_str(), group_summary(group)))
                .set_description(details(report, group));
            status
        }
        _ => TestCaseStatus::success(),
    };
    // The fingerprint keeps the name stable from run to run, so CI can follow one group's history.
    let mut case = TestCase::new(format!("{} [{}]", group_title(group), group.fingerprint), status);
    case.set_classname(group.leak_site.as_ref().map_or("goroscope", |s| crate::text::package(&s.function)));
    case
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
