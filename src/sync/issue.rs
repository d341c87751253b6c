//! What stops a transfer after the check passed: problems found in the exported values
//! (verification) or answered by the target (import conflicts), each traced to the
//! program indicators behind it.

use serde::Serialize;

use crate::diagnostic::ObjectRef;

/// The kinds of problems a sync finds. Names are stable (JSON log and run report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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

/// How many distinct problems a run keeps; the rest are counted.
const KEPT: usize = 1000;

/// Problems as they are found, merged on the way (same kind, message and objects)
/// and bounded: a million bad values must not become a million messages.
#[derive(Debug, Default)]
pub struct IssueLog {
    issues: Vec<SyncIssue>,
    index: std::collections::HashMap<(IssueKind, String, Vec<ObjectRef>), usize>,
    /// Values of problems not kept.
    pub more: usize,
}

impl IssueLog {
    pub fn push(&mut self, issue: SyncIssue) {
        let key = (issue.kind, issue.message.clone(), issue.objects.clone());
        if let Some(&i) = self.index.get(&key) {
            self.issues[i].values += issue.values;
        } else if self.issues.len() < KEPT {
            self.index.insert(key, self.issues.len());
            self.issues.push(issue);
        } else {
            self.more += issue.values;
        }
    }

    pub fn extend(&mut self, other: IssueLog) {
        self.more += other.more;
        for i in other.issues {
            self.push(i);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.issues.is_empty() && self.more == 0
    }

    /// The problems, sorted for stable output; a last entry counts those not kept.
    pub fn into_sorted(self) -> Vec<SyncIssue> {
        let more = self.more;
        let mut out = merge(self.issues);
        if more > 0 {
            let mut rest = SyncIssue::new(
                out.last().map_or(IssueKind::InvalidValue, |i| i.kind),
                format!("and more problems in {more} values, not listed"),
                "fix the problems listed, then run the sync again to see the rest",
            );
            rest.values = more;
            out.push(rest);
        }
        out
    }
}
