//! Reports: one `Report` per check, rendered by one printer per format.

mod concise;
mod github;
pub mod human;
mod json;
mod junit;
mod sarif;
mod snippet;
pub mod spans;
pub mod suppress;

use crate::diagnostic::{Finding, Severity};
use crate::input::SideInfo;

pub use human::HumanOptions;

/// The outcome of a check.
#[derive(Debug, Clone)]
pub struct Report {
    pub source: SideInfo,
    pub target: SideInfo,
    /// Program indicators in scope that carry a target.
    pub mappings: usize,
    /// Sorted in the contract's order.
    pub findings: Vec<Finding>,
    /// Codes of the rules the job turned off.
    pub off: Vec<&'static str>,
    /// Rules that do not judge this kind of job (the record rules for a DHIS2 source,
    /// the PI rules for a record source): left out of JUnit and the statistics.
    pub inapplicable: Vec<&'static str>,
    /// The mapping attribute the job used (to place findings at its values).
    pub attribute: Option<String>,
    /// Findings left out by `[[ignore]]` and the baseline.
    pub suppressed: suppress::Suppressed,
    /// `[[ignore]]` entries that matched nothing (warnings).
    pub unused_ignores: Vec<suppress::UnusedIgnore>,
    /// Advice about the run as a whole (a target that seems to be missing).
    pub hints: Vec<String>,
    /// The job config, and where its keys stand in it (for findings about the job).
    pub config: Option<crate::config::ConfigSource>,
    pub config_spans: Vec<(&'static str, std::ops::Range<usize>)>,
    /// The sides' base URLs, to name the API resource of an object over HTTP.
    pub urls: [Option<String>; 2],
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

impl Counts {
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Self {
        let mut c = Counts::default();
        for f in findings {
            match f.severity {
                Severity::Error => c.errors += 1,
                Severity::Warning => c.warnings += 1,
                Severity::Note => c.notes += 1,
            }
        }
        c
    }
}

impl Report {
    pub fn new(
        source: SideInfo,
        target: SideInfo,
        mappings: usize,
        mut findings: Vec<Finding>,
        off: Vec<&'static str>,
    ) -> Self {
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        Report {
            source,
            target,
            mappings,
            findings,
            off,
            inapplicable: Vec::new(),
            attribute: None,
            suppressed: suppress::Suppressed::default(),
            unused_ignores: Vec::new(),
            hints: Vec::new(),
            config: None,
            config_spans: Vec::new(),
            urls: [None, None],
        }
    }

    pub fn counts(&self) -> Counts {
        Counts::of(&self.findings)
    }

    pub fn has_errors(&self) -> bool {
        self.counts().errors > 0
    }

    /// Whether a finding reaches `level` (`--fail-on`): errors, or warnings too (an
    /// unused `[[ignore]]` entry is a warning).
    pub fn fails(&self, level: Severity) -> bool {
        self.findings.iter().any(|f| f.severity <= level)
            || (!self.unused_ignores.is_empty() && Severity::Warning <= level)
    }
}

/// Output formats of `t2a check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Diagnostics grouped by rule, then a summary table.
    #[default]
    Human,
    /// The JSON report contract (stable order).
    Json,
    /// One line per finding: `file:line:col: CODE message`.
    Concise,
    /// GitHub Actions workflow commands: annotations on the pull request.
    Github,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// JUnit XML: one test case per rule, one failure per finding.
    Junit,
}

pub fn render(report: &Report, format: Format, opts: &HumanOptions) -> String {
    let places = || crate::timing::phase("spans", || spans::places(report));
    match format {
        Format::Human if opts.quiet => human::verdict(report, opts),
        Format::Human => human::render(report, opts, &places()),
        Format::Json => json::render(report),
        Format::Concise => concise::render(report, &places()),
        Format::Github => github::render(report, &places()),
        Format::Sarif => sarif::render(report, &places()),
        Format::Junit => junit::render(report, &places(), opts.fail_on),
    }
}
