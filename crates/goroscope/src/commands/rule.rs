//! `goroscope rule CODE` and `goroscope rule --all`: the lint rules' documentation.

use std::io::{self, BufWriter, Write};

use anyhow::{Context, Result};
use goroscope_lint::{RULES, Rule};
use owo_colors::OwoColorize;
use serde_json::json;

use crate::Outcome;
use crate::args::LintRuleArgs;

pub(crate) fn run(args: &LintRuleArgs, color: bool) -> Result<Outcome> {
    let rules: Vec<&'static Rule> = match &args.code {
        Some(code) => match goroscope_lint::rule(code.trim()) {
            Some(rule) => vec![rule],
            None => {
                eprintln!("goroscope: error: no lint rule {code:?}");
                eprintln!("  hint: `goroscope rule --all` lists every rule");
                return Ok(Outcome::Error);
            }
        },
        None => RULES.to_vec(),
    };
    let mut out = BufWriter::new(io::stdout().lock());
    let written = if args.json {
        let value: Vec<_> = rules.iter().map(|r| as_json(r, args.all)).collect();
        let value = if args.all { json!(value) } else { value.into_iter().next().unwrap_or_default() };
        serde_json::to_writer_pretty(&mut out, &value).map_err(io::Error::from).and_then(|()| writeln!(out))
    } else if args.all {
        list(&rules, color, &mut out)
    } else {
        rules.iter().try_for_each(|r| document(r, color, &mut out))
    };
    match written.and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(Outcome::Ran),
        other => other.context("writing to standard output").map(|()| Outcome::Ran),
    }
}

fn as_json(rule: &Rule, brief: bool) -> serde_json::Value {
    let mut value = json!({
        "code": rule.code,
        "name": rule.name,
        "summary": rule.summary,
        "severity": rule.severity.as_str(),
        "preview": rule.preview,
    });
    if !brief {
        value["doc"] = json!(rule.doc());
    }
    value
}

fn list(rules: &[&Rule], color: bool, out: &mut impl Write) -> io::Result<()> {
    let width = rules.iter().map(|r| r.name.len()).max().unwrap_or(0);
    for rule in rules {
        let code = if color { rule.code.bold().to_string() } else { rule.code.to_owned() };
        let preview = if rule.preview { " (preview)" } else { "" };
        writeln!(
            out,
            "{code}  {:<width$}  {:<7}  {}{preview}",
            rule.name,
            rule.severity.as_str(),
            rule.summary
        )?;
    }
    writeln!(out, "\n`goroscope rule CODE` prints a rule's documentation.")
}

fn document(rule: &Rule, color: bool, out: &mut impl Write) -> io::Result<()> {
    let title = format!("{} {}", rule.code, rule.name);
    let title = if color { title.bold().to_string() } else { title };
    let preview = if rule.preview { ", preview: runs with --preview" } else { "" };
    writeln!(out, "{title} ({}{preview})\n", rule.severity.as_str())?;
    for line in rule.doc().lines() {
        match line.strip_prefix("## ") {
            Some(heading) if color => writeln!(out, "{}", heading.bold().underline())?,
            Some(heading) => writeln!(out, "{heading}")?,
            None => writeln!(out, "{line}")?,
        }
    }
    Ok(())
}
