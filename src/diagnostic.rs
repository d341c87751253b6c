//! Findings: what a rule reports, in the shape of the JSON contract.

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;

use crate::model::Identifiable;
pub use crate::rule_id::{Level, RuleId, Severity};

/// An object a finding is about, so a user can open it in the Maintenance app.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    /// DHIS2 schema name: `programIndicator`, `dataElement`, ...
    pub kind: &'static str,
    pub id: String,
    pub name: String,
}

impl ObjectRef {
    pub fn of<T: Identifiable>(o: &T) -> Self {
        ObjectRef {
            kind: T::KIND,
            id: o.id().to_string(),
            name: o.name().to_string(),
        }
    }

    /// An object known only by its id (not present in the metadata read).
    pub fn unnamed(kind: &'static str, id: impl Into<String>) -> Self {
        ObjectRef {
            kind,
            id: id.into(),
            name: String::new(),
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name.is_empty() {
            write!(f, "{} {}", self.kind, self.id)
        } else {
            write!(f, "{} {} \"{}\"", self.kind, self.id, self.name)
        }
    }
}

/// The target a mapping sends values to, as written on the program indicator
/// (before resolution), `None` where the PI leaves it empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetRef {
    pub data_element: Option<String>,
    pub category_option_combo: Option<String>,
    pub attribute_option_combo: Option<String>,
}

/// One finding of one rule.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static RuleId,
    /// Set from the rule's level when the job's levels are applied.
    pub severity: Severity,
    /// Informational findings (e.g. "nothing to check") keep this severity whatever
    /// level the job gives the rule.
    pub fixed: bool,
    pub message: String,
    pub help: String,
    pub objects: Vec<ObjectRef>,
    pub target: Option<TargetRef>,
}

impl Finding {
    pub fn new(rule: &'static RuleId, message: impl Into<String>, help: impl Into<String>) -> Self {
        Finding {
            rule,
            severity: rule.severity,
            fixed: false,
            message: message.into(),
            help: help.into(),
            objects: Vec::new(),
            target: None,
        }
    }

    /// A note that does not follow the rule's level.
    pub fn note(
        rule: &'static RuleId,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Finding {
            severity: Severity::Note,
            fixed: true,
            ..Finding::new(rule, message, help)
        }
    }

    pub fn object(mut self, o: ObjectRef) -> Self {
        if !self.objects.contains(&o) {
            self.objects.push(o);
        }
        self
    }

    /// Add objects not named yet (a finding may name thousands of org units).
    pub fn objects(mut self, os: impl IntoIterator<Item = ObjectRef>) -> Self {
        let mut named: HashSet<ObjectRef> = self.objects.iter().cloned().collect();
        for o in os {
            if named.insert(o.clone()) {
                self.objects.push(o);
            }
        }
        self
    }

    pub fn target(mut self, t: TargetRef) -> Self {
        self.target = Some(t);
        self
    }

    /// The contract's sort key: severity, code, first object id.
    pub fn sort_key(&self) -> (Severity, &'static str, &str, &str) {
        (
            self.severity,
            self.rule.code,
            self.objects.first().map(|o| o.id.as_str()).unwrap_or(""),
            self.message.as_str(),
        )
    }
}
