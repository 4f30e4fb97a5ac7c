//! The CI gate: which groups fail a build, which are accepted (ignore rules, a baseline, an earlier snapshot) and
//! which limits are exceeded.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::diff::judge_growth;
use crate::{Analysis, Group, Level};

/// A rule that accepts matching groups, in the spirit of goleak's `IgnoreTopFunction` / `IgnoreAnyFunction`
/// and gleak's `IgnoringCreator` / `IgnoringInBacktrace`. Every field set must match. Function names match
/// exactly, or by prefix when they end in `*`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreRule {
    /// The function at the top of the stack, runtime frames left out (goleak's top function).
    pub top: Option<String>,
    /// A function anywhere in the stack or in `created by`.
    pub any: Option<String>,
    /// The function whose `go` statement created the goroutines.
    pub creator: Option<String>,
    /// The wait reason or status as printed (`IO wait`, `select`), by prefix.
    pub state: Option<String>,
    /// A pprof label, `key=value` or `key` alone.
    pub label: Option<String>,
    /// Why the group is accepted, shown in reports.
    pub reason: Option<String>,
}

impl IgnoreRule {
    /// Reads the command-line form `KIND=VALUE`: `top=F`, `any=F`, `creator=F`, `state=S`, `label=K[=V]`.
    ///
    /// # Errors
    /// A message naming the accepted kinds.
    pub fn parse(text: &str) -> Result<IgnoreRule, String> {
        let (kind, value) = text.split_once('=').ok_or_else(|| Self::usage(text))?;
        if value.is_empty() {
            return Err(Self::usage(text));
        }
        let value = Some(value.to_owned());
        let mut rule = IgnoreRule::default();
        match kind {
            "top" => rule.top = value,
            "any" => rule.any = value,
            "creator" => rule.creator = value,
            "state" => rule.state = value,
            "label" => rule.label = value,
            _ => return Err(Self::usage(text)),
        }
        Ok(rule)
    }

    fn usage(text: &str) -> String {
        format!(
            "cannot read ignore rule {text:?}: use top=FUNC, any=FUNC, creator=FUNC, state=STATE or label=KEY[=VALUE] \
             (FUNC may end in * to match a prefix)"
        )
    }

    /// Whether the rule sets nothing to match (it would accept every group).
    pub fn is_empty(&self) -> bool {
        self.top.is_none()
            && self.any.is_none()
            && self.creator.is_none()
            && self.state.is_none()
            && self.label.is_none()
    }

    /// Whether the rule accepts the group.
    pub fn matches(&self, group: &Group) -> bool {
        if self.is_empty() {
            return false;
        }
        let top = group.frames.iter().map(|f| &*f.function).find(|f| !f.starts_with("runtime."));
        let creator = group.created_by.as_ref().map(|s| &*s.function);
        self.top.as_deref().is_none_or(|want| top.is_some_and(|f| function_matches(want, f)))
            && self.any.as_deref().is_none_or(|want| {
                group.frames.iter().map(|f| &*f.function).chain(creator).any(|f| function_matches(want, f))
            })
            && self.creator.as_deref().is_none_or(|want| creator.is_some_and(|f| function_matches(want, f)))
            && self.state.as_deref().is_none_or(|want| group.state.starts_with(want))
            && self.label.as_deref().is_none_or(|want| {
                let (key, value) = want.split_once('=').map_or((want, None), |(k, v)| (k, Some(v)));
                group.labels.iter().any(|(set, _)| has_label(set, key, value))
            })
    }

    /// A short description for reports: `top=F (why)`.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = [
            ("top", &self.top),
            ("any", &self.any),
            ("creator", &self.creator),
            ("state", &self.state),
            ("label", &self.label),
        ]
        .iter()
        .filter_map(|(kind, value)| value.as_ref().map(|v| format!("{kind}={v}")))
        .collect();
        match &self.reason {
            Some(reason) => format!("{} ({reason})", parts.join(" ")),
            None => parts.join(" "),
        }
    }
}

fn function_matches(pattern: &str, function: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => function.starts_with(prefix),
        None => pattern == function,
    }
}

/// Whether a canonical label set (`{"k":"v", …}`) has `key` (with `value`, when given).
fn has_label(set: &str, key: &str, value: Option<&str>) -> bool {
    match goroscope_dump::label_value(set, key) {
        Some(quoted) => {
            value.is_none_or(|v| quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"')) == Some(v))
        }
        None => false,
    }
}

/// Groups accepted as they are, by fingerprint: `--write-baseline` writes one, `--baseline` reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// Version of this layout.
    pub schema_version: u32,
    /// The grouping the fingerprints belong to.
    pub grouping: String,
    /// The accepted groups.
    pub groups: Vec<BaselineGroup>,
}

/// One accepted group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineGroup {
    /// Its fingerprint.
    pub fingerprint: String,
    /// Goroutines accepted: more than this fails as growth.
    pub count: u64,
    /// Its level when accepted.
    pub level: Level,
    /// Where it waits, for people reading the file: `function file:line`.
    pub site: Option<String>,
}

impl Baseline {
    /// The layout version written.
    pub const SCHEMA_VERSION: u32 = 1;

    /// A baseline accepting every group of `analyses` (counts added up per fingerprint).
    pub fn from_analyses<'a>(analyses: impl IntoIterator<Item = &'a Analysis>) -> Baseline {
        let mut grouping = String::from("exact");
        let mut by_fingerprint: FxHashMap<String, BaselineGroup> = FxHashMap::default();
        for analysis in analyses {
            grouping.clone_from(&analysis.grouping);
            for g in &analysis.groups {
                let entry = by_fingerprint.entry(g.fingerprint.clone()).or_insert_with(|| BaselineGroup {
                    fingerprint: g.fingerprint.clone(),
                    count: 0,
                    level: g.level,
                    site: g.leak_site.as_ref().map(|s| format!("{} {}:{}", s.function, s.file, s.line)),
                });
                entry.count += g.count;
                entry.level = entry.level.min(g.level);
            }
        }
        let mut groups: Vec<BaselineGroup> = by_fingerprint.into_values().collect();
        groups.sort_by(|a, b| {
            (a.level, std::cmp::Reverse(a.count), &a.fingerprint).cmp(&(
                b.level,
                std::cmp::Reverse(b.count),
                &b.fingerprint,
            ))
        });
        Baseline { schema_version: Self::SCHEMA_VERSION, grouping, groups }
    }
}

/// What the gate checks.
#[derive(Debug, Clone)]
pub struct GateOptions {
    /// Groups at this level or more severe fail.
    pub fail_on: Level,
    /// More goroutines than this in one input fails.
    pub max_goroutines: Option<u64>,
    /// A group larger than this fails, whatever its level.
    pub max_group: Option<u64>,
    /// Groups these rules match are accepted.
    pub ignore: Vec<IgnoreRule>,
    /// Groups in the baseline are accepted up to their count.
    pub baseline: Option<Baseline>,
}

/// Why a group passed or failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Fails the gate.
    Fail,
    /// Below the failing level.
    Pass,
    /// Accepted by an ignore rule.
    Ignored,
    /// Accepted by the baseline (or an earlier snapshot).
    Baselined,
}

/// The gate's word on one group.
#[derive(Debug, Clone, Serialize)]
pub struct GroupOutcome {
    /// Index of the input in the report.
    pub input: usize,
    /// Index of the group in that input's groups.
    pub group: usize,
    /// Pass, fail or accepted.
    pub outcome: Outcome,
    /// Why, in a sentence.
    pub reason: String,
}

/// A limit over a whole input that was exceeded.
#[derive(Debug, Clone, Serialize)]
pub struct LimitFailure {
    /// Index of the input.
    pub input: usize,
    /// `max-goroutines`, `max-group` or `growth`.
    pub limit: &'static str,
    /// What was found, in a sentence.
    pub message: String,
}

/// The gate's result.
#[derive(Debug, Clone, Serialize)]
pub struct GateResult {
    /// No group failed and no limit was exceeded.
    pub passed: bool,
    /// The level from which groups fail.
    pub fail_on: Level,
    /// Every group's outcome.
    pub groups: Vec<GroupOutcome>,
    /// Limits exceeded.
    pub limits: Vec<LimitFailure>,
}

/// Runs the gate over analysed inputs. Groups above the baseline's count are judged again with their growth
/// (which can raise their level) before they are compared with `fail_on`.
pub fn gate(analyses: &mut [Analysis], options: &GateOptions) -> GateResult {
    let accepted: FxHashMap<&str, u64> =
        options.baseline.iter().flat_map(|b| &b.groups).map(|g| (g.fingerprint.as_str(), g.count)).collect();
    let mut groups = Vec::new();
    let mut limits = Vec::new();
    for (input, analysis) in analyses.iter_mut().enumerate() {
        if let Some(max) = options.max_goroutines.filter(|&max| analysis.summary.goroutines > max) {
            limits.push(LimitFailure {
                input,
                limit: "max-goroutines",
                message: format!(
                    "{} goroutines, more than --max-goroutines {max}",
                    analysis.summary.goroutines
                ),
            });
        }
        for (index, group) in analysis.groups.iter_mut().enumerate() {
            let (outcome, reason) = judge(group, options, &accepted);
            if let Some(max) = options.max_group.filter(|&max| group.count > max)
                && outcome != Outcome::Ignored
            {
                limits.push(LimitFailure {
                    input,
                    limit: "max-group",
                    message: format!(
                        "{} goroutines in one group at {}, more than --max-group {max}",
                        group.count,
                        group.leak_site.as_ref().map_or("(no frames)", |s| &*s.function)
                    ),
                });
            }
            groups.push(GroupOutcome { input, group: index, outcome, reason });
        }
    }
    let passed = limits.is_empty() && groups.iter().all(|g| g.outcome != Outcome::Fail);
    GateResult { passed, fail_on: options.fail_on, groups, limits }
}

fn judge(group: &mut Group, options: &GateOptions, accepted: &FxHashMap<&str, u64>) -> (Outcome, String) {
    if let Some(rule) = options.ignore.iter().find(|r| r.matches(group)) {
        return (Outcome::Ignored, format!("ignored by {}", rule.describe()));
    }
    if options.baseline.is_some() {
        match accepted.get(group.fingerprint.as_str()) {
            Some(&count) if group.count <= count => {
                return (Outcome::Baselined, format!("in the baseline ({count} accepted)"));
            }
            Some(&count) => judge_growth(group, count, group.count),
            None => {}
        }
    }
    if group.level <= options.fail_on {
        (
            Outcome::Fail,
            format!("{} leak suspect (--fail-on {})", group.level.as_str(), options.fail_on.as_str()),
        )
    } else {
        (Outcome::Pass, format!("{} (--fail-on {})", group.level.as_str(), options.fail_on.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_read_from_the_command_line() {
        assert_eq!(IgnoreRule::parse("top=main.f").unwrap().top.as_deref(), Some("main.f"));
        assert_eq!(IgnoreRule::parse("label=tenant=acme").unwrap().label.as_deref(), Some("tenant=acme"));
        assert!(IgnoreRule::parse("stack=main.f").unwrap_err().contains("top=FUNC"));
        assert!(IgnoreRule::parse("top=").is_err());
        assert!(IgnoreRule::parse("top").is_err());
    }

    #[test]
    fn functions_match_exactly_or_by_prefix() {
        assert!(function_matches("main.f", "main.f"));
        assert!(!function_matches("main.f", "main.f.func1"));
        assert!(function_matches("main.f*", "main.f.func1"));
        assert!(has_label(r#"{"tenant":"acme"}"#, "tenant", Some("acme")));
        assert!(has_label(r#"{"tenant":"acme"}"#, "tenant", None));
        assert!(!has_label(r#"{"tenant":"acme"}"#, "tenant", Some("globex")));
    }
}
