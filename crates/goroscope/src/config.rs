//! `goroscope.toml`: settings for `goroscope check`, found from the working directory upward.
//!
//! ```toml
//! [check]
//! fail-on = "likely"          # certain | likely | possible
//! max-goroutines = 5000
//! max-group = 200
//! baseline = "goroscope-baseline.json"   # relative to this file
//! tolerance = 2               # for --before/--after
//!
//! [[ignore]]
//! top = "go.opencensus.io/stats/view.(*worker).start"
//! reason = "the metrics worker runs for the life of the process"
//!
//! [lint]
//! select = ["GL"]             # codes, prefixes, names or ALL; --select replaces it
//! ignore = ["GL403"]          # --ignore adds to it
//! preview = false
//! exclude = ["gen/**"]        # gitignore-style globs; --exclude adds to them
//! all-dirs = false            # also lint vendor/ and testdata/
//!
//! [lint.per-file-ignores]
//! "*_test.go" = ["GL101"]     # globs relative to this file's directory
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use goroscope_analyze::{IgnoreRule, Level};
use serde::Deserialize;

/// The name looked for.
pub(crate) const FILE_NAME: &str = "goroscope.toml";

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    #[serde(default)]
    pub(crate) check: CheckConfig,
    #[serde(default)]
    pub(crate) ignore: Vec<IgnoreRule>,
    #[serde(default)]
    pub(crate) lint: LintConfig,
    /// Where the file was read from.
    #[serde(skip)]
    pub(crate) path: Option<PathBuf>,
}

/// The `[check]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct CheckConfig {
    pub(crate) fail_on: Option<Level>,
    pub(crate) max_goroutines: Option<u64>,
    pub(crate) max_group: Option<u64>,
    pub(crate) baseline: Option<PathBuf>,
    pub(crate) tolerance: Option<u64>,
}

/// The `[lint]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct LintConfig {
    pub(crate) select: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) ignore: Vec<String>,
    #[serde(default)]
    pub(crate) preview: bool,
    #[serde(default)]
    pub(crate) exclude: Vec<String>,
    #[serde(default)]
    pub(crate) all_dirs: bool,
    /// Glob → codes not reported in the files it matches.
    #[serde(default)]
    pub(crate) per_file_ignores: std::collections::BTreeMap<String, Vec<String>>,
}

impl Config {
    /// `--config FILE`, else the nearest `goroscope.toml` from the working directory upward, else defaults.
    pub(crate) fn load(explicit: Option<&Path>, disabled: bool) -> Result<Config> {
        if disabled {
            return Ok(Config::default());
        }
        let path = match explicit {
            Some(path) => Some(path.to_owned()),
            None => discover(&std::env::current_dir().context("reading the working directory")?),
        };
        let Some(path) = path else {
            return Ok(Config::default());
        };
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut config =
            parse(&text).with_context(|| format!("{} is not a valid goroscope.toml", path.display()))?;
        // A baseline named in the file is relative to the file.
        if let (Some(baseline), Some(dir)) = (&mut config.check.baseline, path.parent())
            && baseline.is_relative()
        {
            *baseline = dir.join(&*baseline);
        }
        config.path = Some(path);
        Ok(config)
    }
}

/// The nearest `goroscope.toml` in `dir` or a parent.
fn discover(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().map(|d| d.join(FILE_NAME)).find(|p| p.is_file())
}

/// Reads the text of a `goroscope.toml`: no I/O, so the file format can be tested (and fuzzed) on its own.
pub(crate) fn parse(text: &str) -> Result<Config> {
    // The parser's message names the line and column and quotes the line.
    let config: Config = toml::from_str(text).map_err(|e| anyhow::anyhow!("{}", e.to_string().trim_end()))?;
    for (i, rule) in config.ignore.iter().enumerate() {
        if rule.is_empty() {
            bail!(
                "[[ignore]] number {} sets none of top, any, creator, state or label: it would ignore nothing",
                i + 1
            );
        }
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_example() {
        let text = include_str!("config.rs")
            .lines()
            .filter_map(|l| l.strip_prefix("//! "))
            .skip_while(|l| !l.starts_with("[check]"))
            .take_while(|l| !l.starts_with("```"))
            .collect::<Vec<_>>()
            .join("\n");
        let config = parse(&text).unwrap();
        assert_eq!(config.check.fail_on, Some(Level::Likely));
        assert_eq!(config.check.max_group, Some(200));
        assert_eq!(config.ignore.len(), 1);
        assert!(config.ignore[0].reason.is_some());
        assert_eq!(config.lint.select.as_deref(), Some(&["GL".to_owned()][..]));
        assert_eq!(config.lint.per_file_ignores["*_test.go"], ["GL101"]);
    }

    #[test]
    fn mistakes_are_placed_by_line_and_column() {
        let err = parse("[check]\nfail-on = \"sometimes\"\n").unwrap_err().to_string();
        assert!(err.contains("line 2, column 11"), "{err}");
        let err = parse("[check]\nmax-goroutnes = 5\n").unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("max-goroutnes"), "{err}");
        let err = parse("[[ignore]]\nreason = \"nothing\"\n").unwrap_err().to_string();
        assert!(err.contains("ignore nothing"), "{err}");
        let err = parse("[check\n").unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
    }
}
