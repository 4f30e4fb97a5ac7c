//! `goroscope explain [PATTERN]`: the catalogue entry behind a report's `pattern`, or the whole list.

use std::io::{self, BufWriter, Write};

use anyhow::{Context, Result};
use goroscope_analyze::CATALOGUE;
use goroscope_report::{Explained, write_catalogue, write_pattern};

use crate::Outcome;
use crate::args::ExplainArgs;

pub(crate) fn run(args: &ExplainArgs, color: bool) -> Result<Outcome> {
    let mut out = BufWriter::new(io::stdout().lock());
    let written = match &args.pattern {
        None if args.json => {
            let all: Vec<Explained> = CATALOGUE.iter().map(Explained::new).collect();
            serde_json::to_writer_pretty(&mut out, &all).map_err(io::Error::from)
        }
        None => write_catalogue(color, &mut out),
        Some(name) => {
            let wanted = name.trim().to_ascii_lowercase().replace('_', "-");
            let Some(pattern) = CATALOGUE.iter().find(|p| p.id.as_str() == wanted) else {
                eprintln!("goroscope: error: no pattern {name:?} in the catalogue");
                eprintln!("  hint: {}", suggestion(&wanted));
                return Ok(Outcome::Error);
            };
            if args.json {
                serde_json::to_writer_pretty(&mut out, &Explained::new(pattern)).map_err(io::Error::from)
            } else {
                write_pattern(pattern, color, &mut out)
            }
        }
    };
    match written
        .and_then(|()| if args.json { out.write_all(b"\n") } else { Ok(()) })
        .and_then(|()| out.flush())
    {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(Outcome::Ran),
        other => other.context("writing to standard output").map(|()| Outcome::Ran),
    }
}

/// The patterns whose id shares a word with `wanted`, or the whole list.
fn suggestion(wanted: &str) -> String {
    let close: Vec<&str> = CATALOGUE
        .iter()
        .map(|p| p.id.as_str())
        .filter(|id| wanted.split('-').any(|word| word.len() > 2 && id.contains(word)))
        .collect();
    if close.is_empty() {
        "`goroscope explain` lists every pattern".to_owned()
    } else {
        format!("did you mean {}? (`goroscope explain` lists every pattern)", close.join(", "))
    }
}
