//! What stops a transfer after the check passed: problems found in the exported values
//! (verification) or answered by the target (import conflicts), each traced to the
//! program indicators behind it.

use serde::Serialize;

use crate::diagnostic::ObjectRef;

/// The kinds of problems a sync finds. Names are stable (JSON log and run report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IssueKind {
    /// A program indicator's values came out under its own UID.
    UidLeak,
    /// An exported data element / COC / AOC that no mapping of the job produces.
    UnknownTarget,
    /// Two values for one data value key.
    DuplicateValue,
    /// A value the data element's value type cannot hold.
    InvalidValue,
    /// An exported org unit the target does not know.
    UnknownOrgUnit,
    /// An org unit not assigned to a data set holding the data element.
    UnassignedOrgUnit,
    /// A period the job did not ask for, or of another type than the data sets'.
    UnexpectedPeriod,
    /// A conflict the target reported on import.
    ImportConflict,
}

#[derive(Debug, Clone, Serialize)]
pub struct SyncIssue {
    pub kind: IssueKind,
    pub message: String,
    pub help: String,
    /// The program indicators (and other objects) behind it.
    pub objects: Vec<ObjectRef>,
    /// How many values it concerns.
    pub values: usize,
}

impl SyncIssue {
    pub fn new(kind: IssueKind, message: impl Into<String>, help: impl Into<String>) -> Self {
        SyncIssue {
            kind,
            message: message.into(),
            help: help.into(),
            objects: Vec::new(),
            values: 1,
        }
    }

    pub fn object(mut self, o: ObjectRef) -> Self {
        if !self.objects.contains(&o) {
            self.objects.push(o);
        }
        self
    }
}

/// Merge issues that say the same thing (same kind, message and objects), counting
/// the values; sort for stable output.
pub fn merge(issues: Vec<SyncIssue>) -> Vec<SyncIssue> {
    let mut out: Vec<SyncIssue> = Vec::new();
    for i in issues {
        match out
            .iter_mut()
            .find(|o| o.kind == i.kind && o.message == i.message && o.objects == i.objects)
        {
            Some(o) => o.values += i.values,
            None => out.push(i),
        }
    }
    out.sort_by(|a, b| (a.kind, &a.message).cmp(&(b.kind, &b.message)));
    out
}
