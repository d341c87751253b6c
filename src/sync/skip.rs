//! `sync.on_error = "skip"` (`--skip-invalid`): which program indicators the check's
//! error findings leave out, and which errors no skipping can get past.
//!
//! A rule reaches mappings (the PIs its findings name are left out), org units (the
//! values at those org units are never sent: verification drops them, whatever the
//! mode), or the whole job (nothing can be left out to get past it: the run refuses).

use rustc_hash::FxHashMap;

use crate::diagnostic::{Finding, Severity};
use crate::job::Job;
use crate::model::ProgramIndicator;
use crate::rule_id::{self, RuleId};

/// What an error of a rule concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The program indicators it names.
    Mappings,
    /// Values at some org units; verification leaves them out.
    OrgUnits,
    /// The job as a whole.
    Job,
}

pub fn reach(rule: &RuleId) -> Reach {
    let job = [
        &rule_id::MAPPING_ATTRIBUTE_MISSING,
        &rule_id::MAPPING_ATTRIBUTE_MISCONFIGURED,
        &rule_id::MIXED_ID_SCHEMES,
        &rule_id::EXPIRY_WINDOW,
        &rule_id::STALE_ANALYTICS,
    ];
    let org_units = [&rule_id::UNKNOWN_ORG_UNIT, &rule_id::UNASSIGNED_ORG_UNIT];
    if job.contains(&rule) {
        Reach::Job
    } else if org_units.contains(&rule) {
        Reach::OrgUnits
    } else {
        Reach::Mappings
    }
}

/// What the check's errors do to a run that skips.
#[derive(Debug, Default)]
pub struct Exclusions<'f> {
    /// Per mapping: the rule of the first error finding that names its PI.
    pub by_mapping: Vec<Option<&'static RuleId>>,
    /// Errors that skipping cannot get past.
    pub blocking: Vec<&'f Finding>,
    /// Errors about org units, whose values verification leaves out.
    pub org_units: usize,
}

impl Exclusions<'_> {
    pub fn excluded(&self) -> usize {
        self.by_mapping.iter().filter(|r| r.is_some()).count()
    }
}

/// The exclusions of the error findings of a check.
pub fn exclusions<'f>(cx: &Job<'_>, findings: &'f [Finding]) -> Exclusions<'f> {
    let pis: &[ProgramIndicator] = &cx.source.program_indicators;
    let mut of_pi: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    for (i, m) in cx.mappings.iter().enumerate() {
        of_pi.entry(pis[m.pi].id.as_str()).or_default().push(i);
    }
    let mut out = Exclusions {
        by_mapping: vec![None; cx.mappings.len()],
        ..Exclusions::default()
    };
    for f in findings.iter().filter(|f| f.severity == Severity::Error) {
        match reach(f.rule) {
            Reach::Job => out.blocking.push(f),
            Reach::OrgUnits => out.org_units += 1,
            Reach::Mappings => {
                let named: Vec<usize> = f
                    .objects
                    .iter()
                    .filter(|o| o.kind == "programIndicator")
                    .filter_map(|o| of_pi.get(o.id.as_str()))
                    .flatten()
                    .copied()
                    .collect();
                if named.is_empty() {
                    out.blocking.push(f);
                }
                for m in named {
                    out.by_mapping[m].get_or_insert(f.rule);
                }
            }
        }
    }
    out
}
