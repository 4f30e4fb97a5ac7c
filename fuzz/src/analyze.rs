//! `analyze`: whatever parses, analysed and rendered as the HTML and JSON reports. Dump text is under an
//! attacker's control, so the page must hold no script but its own, and the JSON must be JSON.

use goroscope_analyze::{Options, analyze};
use goroscope_dump::{ParseOptions, parse_input};
use goroscope_report::{Html, InputReport, Json, Render, Report};

pub fn check(data: &[u8]) {
    let Ok(snapshots) =
        parse_input("fuzz", data, None, &ParseOptions { threads: 1, ..ParseOptions::default() })
    else {
        return;
    };
    let inputs: Vec<InputReport> =
        snapshots.iter().map(|s| InputReport::new(s, analyze(s, &Options::default(), None))).collect();
    rendered_safely(&Report::new(inputs));
}

/// The report as HTML holds no script but the page's own, and as JSON is JSON.
pub fn rendered_safely(report: &Report) {
    let mut html = Vec::new();
    Html.render(report, &mut html).expect("writing to memory");
    let html = String::from_utf8(html).expect("the page is UTF-8").to_ascii_lowercase();
    assert_eq!(html.matches("<script").count(), 1, "the page holds a script besides its own");

    let mut json = Vec::new();
    Json.render(report, &mut json).expect("writing to memory");
    serde_json::from_slice::<serde_json::Value>(&json).expect("the JSON report is JSON");
}
