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

/// What findings of one rule have in common when they have one cause (one missing
/// code named by twelve program indicators): shown once, with each finding as an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The shared cause, as a sentence ("data element `X` does not exist in the target").
    pub cause: String,
    /// This finding as an item of the group (the program indicator, and what differs).
    pub item: String,
    /// The help as it reads for the whole group, where the finding's own names what
    /// differs between the items.
    pub help: Option<String>,
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
    /// How to fix it: the rule's instruction (often the same for every finding).
    pub help: String,
    /// What is particular to this finding before the instruction (a near miss, a
    /// value that matches under another scheme).
    pub hint: Option<String>,
    pub group: Option<Group>,
    pub objects: Vec<ObjectRef>,
    pub target: Option<TargetRef>,
    /// The job config key the finding is about (`sync.period_type`), when it is one.
    pub config_key: Option<&'static str>,
    /// Where in the job config the finding stands, when it is about a part of it (an
    /// `[[aggregate]]` block and its predicates).
    pub config_span: Option<std::ops::Range<usize>>,
    /// The text field of the first object the finding is about, and where in it.
    pub field: Option<FieldSpan>,
}

/// A span inside a text field of an object (a PI's `expression`, say).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldSpan {
    /// The JSON key of the field (`expression`, `filter`, …), or a path to it.
    pub name: String,
    /// Byte offsets in the field's value (as read, unescaped).
    #[serde(skip)]
    pub bytes: (usize, usize),
    /// Code-point offsets in the value, as DHIS2 counts them.
    pub start: usize,
    pub end: usize,
    /// DHIS2's line (1-based) and character (0-based, from the last line feed).
    pub line: usize,
    pub character: usize,
}

impl FieldSpan {
    /// The span of bytes `start..end` of `text`, the value of field `name`.
    pub fn new(name: impl Into<String>, text: &str, start: usize, end: usize) -> Self {
        let start = start.min(text.len());
        let end = end.clamp(start, text.len());
        let cp = |b: usize| text.get(..b).map_or(0, |s| s.chars().count());
        let (line, character) = crate::expr::line_column(text, start);
        FieldSpan {
            name: name.into(),
            bytes: (start, end),
            start: cp(start),
            end: cp(end),
            line,
            character,
        }
    }
}

impl Finding {
    pub fn new(rule: &'static RuleId, message: impl Into<String>, help: impl Into<String>) -> Self {
        Finding {
            rule,
            severity: rule.severity,
            fixed: false,
            message: message.into(),
            help: help.into(),
            hint: None,
            group: None,
            objects: Vec::new(),
            target: None,
            config_key: None,
            config_span: None,
            field: None,
        }
    }

    /// Point at a span inside a text field of the first object.
    pub fn at_field(mut self, span: FieldSpan) -> Self {
        self.field = Some(span);
        self
    }

    /// Hint sentences particular to this finding, said before its help.
    pub fn hints(mut self, hints: Vec<String>) -> Self {
        self.hint = (!hints.is_empty()).then(|| hints.join("; "));
        self
    }

    /// Shown with the other findings of the rule that have this cause.
    pub fn grouped(mut self, cause: impl Into<String>, item: impl Into<String>) -> Self {
        self.group = Some(Group {
            cause: cause.into(),
            item: item.into(),
            help: None,
        });
        self
    }

    /// The help for the finding's group (after `grouped`).
    pub fn group_help(mut self, help: impl Into<String>) -> Self {
        if let Some(g) = &mut self.group {
            g.help = Some(help.into());
        }
        self
    }

    /// The help as a group shows it.
    pub fn help_in_group(&self) -> &str {
        self.group
            .as_ref()
            .and_then(|g| g.help.as_deref())
            .unwrap_or(&self.help)
    }

    /// A stable name for the finding across runs: its rule and the ids of its objects
    /// (not its message, whose wording may change). FNV-1a, hex.
    pub fn fingerprint(&self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |s: &str| {
            for b in s.bytes().chain([0]) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        };
        eat(self.rule.code);
        for o in &self.objects {
            eat(o.kind);
            eat(&o.id);
        }
        format!("{h:016x}")
    }

    /// The hint and the help, as one text (the JSON report's `help`).
    pub fn full_help(&self) -> String {
        match &self.hint {
            Some(h) => format!("{h}; {}", self.help),
            None => self.help.clone(),
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
