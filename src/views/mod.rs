//! Views reviewers look at: the mapping as a graph, the coverage matrix of the target's
//! data elements and option combos, and the changes between two snapshots.

pub mod coverage;
pub mod diff;
pub mod explain_pi;
pub mod graph;

use std::collections::HashMap;

use crate::diagnostic::Severity;
use crate::report::Report;

/// The worst severity each object (by id) is named with in a report.
pub fn defects(report: &Report) -> HashMap<String, Severity> {
    let mut out: HashMap<String, Severity> = HashMap::new();
    for f in &report.findings {
        for o in &f.objects {
            let s = out.entry(o.id.clone()).or_insert(f.severity);
            *s = (*s).min(f.severity);
        }
    }
    out
}
