//! Findings accepted on purpose: `[[ignore]]` entries of the job config and a baseline
//! file (`--write-baseline`, `--baseline`), keyed by rule and object ids (the finding's
//! fingerprint), never by message text, so rewording a message keeps them.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Report;
use crate::config::ConfigSource;
use crate::config::ignore::Ignore;
use crate::diagnostic::Finding;
use crate::error::Error;

/// How many findings were left out, and why.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Suppressed {
    #[serde(rename = "byIgnore")]
    pub by_ignore: usize,
    #[serde(rename = "byBaseline")]
    pub by_baseline: usize,
}

impl Suppressed {
    pub fn total(&self) -> usize {
        self.by_ignore + self.by_baseline
    }
}

/// An `[[ignore]]` entry that matched nothing: a warning, so ignores do not rot.
#[derive(Debug, Clone)]
pub struct UnusedIgnore {
    pub ignore: Ignore,
    pub config: Option<ConfigSource>,
    /// 1-based line and column of the entry in the config file.
    pub line: usize,
    pub column: usize,
}

impl UnusedIgnore {
    pub fn message(&self) -> String {
        format!(
            "`[[ignore]]` entry matches no finding: rule `{}` on {} `{}`",
            self.ignore.rule.name, self.ignore.key, self.ignore.object
        )
    }

    pub const HELP: &'static str =
        "the defect it accepted is gone (or the entry names another object): remove the entry";

    pub fn file(&self) -> Option<&Path> {
        self.config.as_ref().map(|c| c.path.as_path())
    }
}

fn matches(ig: &Ignore, f: &Finding) -> bool {
    std::ptr::eq(ig.rule, f.rule)
        && (f
            .objects
            .iter()
            .any(|o| o.kind == ig.kind && o.id == ig.object)
            || (ig.kind == "dataElement"
                && f.target.as_ref().and_then(|t| t.data_element.as_deref())
                    == Some(ig.object.as_str())))
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Leave out the findings `ignores` accept; the entries that accepted none.
pub fn apply_ignores(report: &mut Report, ignores: &[Ignore], config: Option<&ConfigSource>) {
    let mut used = vec![false; ignores.len()];
    let before = report.findings.len();
    report.findings.retain(|f| {
        let hit = ignores.iter().position(|ig| matches(ig, f));
        if let Some(i) = hit {
            used[i] = true;
        }
        hit.is_none()
    });
    report.suppressed.by_ignore += before - report.findings.len();
    report.unused_ignores = ignores
        .iter()
        .zip(used)
        .filter(|(_, used)| !used)
        .map(|(ig, _)| {
            let (line, column) = config.map_or((1, 1), |c| line_col(&c.text, ig.span.start));
            UnusedIgnore {
                ignore: ig.clone(),
                config: config.cloned(),
                line,
                column,
            }
        })
        .collect();
}

/// A baseline file: today's findings, to report only new ones from now on.
#[derive(Debug, Serialize, Deserialize)]
pub struct Baseline {
    pub tool: String,
    pub version: u32,
    pub findings: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    pub code: String,
    pub rule: String,
    /// `kind/id` of each object, for a person reading the file.
    pub objects: Vec<String>,
    pub message: String,
}

pub fn write_baseline(report: &Report, path: &Path) -> Result<usize, Error> {
    let doc = Baseline {
        tool: "t2a".into(),
        version: 1,
        findings: report
            .findings
            .iter()
            .map(|f| Entry {
                fingerprint: f.fingerprint(),
                code: f.rule.code.into(),
                rule: f.rule.name.into(),
                objects: f
                    .objects
                    .iter()
                    .map(|o| format!("{}/{}", o.kind, o.id))
                    .collect(),
                message: f.message.clone(),
            })
            .collect(),
    };
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
    std::fs::write(path, text).map_err(|error| Error::Write {
        path: PathBuf::from(path),
        error,
    })?;
    Ok(doc.findings.len())
}

/// Leave out the findings the baseline at `path` holds.
pub fn apply_baseline(report: &mut Report, path: &Path) -> Result<(), Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::usage(
            format!("cannot read the baseline `{}`: {e}", path.display()),
            Some("write one with `t2a check --write-baseline FILE`".to_string()),
        )
    })?;
    let baseline: Baseline = serde_json::from_str(&text).map_err(|e| {
        Error::usage(
            format!("`{}` is not a t2a baseline: {e}", path.display()),
            Some("write one with `t2a check --write-baseline FILE`".to_string()),
        )
    })?;
    let known: HashSet<&str> = baseline
        .findings
        .iter()
        .map(|e| e.fingerprint.as_str())
        .collect();
    let before = report.findings.len();
    report
        .findings
        .retain(|f| !known.contains(f.fingerprint().as_str()));
    report.suppressed.by_baseline += before - report.findings.len();
    Ok(())
}
