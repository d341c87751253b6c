//! The texts of every in-scope PI, parsed and checked once per job and only when an
//! expression rule asks: `expression`, `filter`, the boundary targets
//! (pi-expressions.md §8), and on 2.42 the category mapping filters of their programs.

use rayon::prelude::*;

use crate::catalog::Catalog;
use crate::dhis2::Version;
use crate::expr::pi::{self, Checked, LATEST, Problem, Role};
use crate::expr::types;

/// A PI's texts.
#[derive(Debug)]
pub struct PiTexts {
    /// Index of the PI in the source.
    pub pi: usize,
    /// `None`: absent or blank.
    pub expression: Option<Checked>,
    /// `None`: no filter (absent or empty).
    pub filter: Option<Checked>,
    pub boundaries: Vec<Boundary>,
}

/// One `analyticsPeriodBoundaries[]` entry's target, as DHIS2 resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Boundary {
    pub index: usize,
    pub target: String,
    pub form: BoundaryForm,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoundaryForm {
    /// `EVENT_DATE`, `ENROLLMENT_DATE`, `INCIDENT_DATE`, `SCHEDULED_DATE`.
    Fixed(&'static str),
    /// `#{s.d}`, with `trailing` when text follows the part DHIS2 matches.
    StageDe {
        stage: String,
        de: String,
        trailing: bool,
    },
    Attribute {
        tea: String,
        trailing: bool,
    },
    PsEventDate {
        stage: String,
        trailing: bool,
    },
    /// None of the forms: SQL generation fails ("Can not determine boundary type").
    Unresolved,
    /// `SCHEDULED_DATE` before 2.39.
    TooNew,
}

/// A 2.42 category mapping filter of a program with PIs in scope.
#[derive(Debug)]
pub struct MappingFilter {
    pub program: usize,
    pub mapping: String,
    pub option: String,
    pub text: String,
    pub checked: Checked,
}

#[derive(Debug)]
pub struct Texts {
    /// The version the texts were checked for.
    pub version: Version,
    /// Whether that version was assumed (nothing said it).
    pub assumed: bool,
    pub pis: Vec<PiTexts>,
    pub mapping_filters: Vec<MappingFilter>,
    /// PI index in the source -> its entry in `pis`.
    by_pi: rustc_hash::FxHashMap<usize, usize>,
}

impl Texts {
    /// The texts of a PI (by its index in the source), when it is in scope.
    pub fn of(&self, pi: usize) -> Option<&PiTexts> {
        self.index(pi).map(|i| &self.pis[i])
    }

    /// Where a PI (by its index in the source) stands in `pis`.
    pub fn index(&self, pi: usize) -> Option<usize> {
        self.by_pi.get(&pi).copied()
    }
}

/// Blank (absent, empty or whitespace only).
fn blank(s: Option<&str>) -> bool {
    s.is_none_or(|s| s.trim().is_empty())
}

pub fn build(source: &Catalog, scope: &[usize], version: Option<Version>) -> Texts {
    let v = version.unwrap_or(LATEST);
    let pis = scope
        .par_iter()
        .map(|&i| {
            let pi = &source.program_indicators[i];
            let expression = (!blank(pi.expression.as_deref())).then(|| {
                checked(
                    source,
                    pi.expression.as_deref().unwrap_or(""),
                    Role::Expression,
                    v,
                )
            });
            // An empty filter is no filter; a blank one too (DHIS2 trims it away).
            let filter = (!blank(pi.filter.as_deref()))
                .then(|| checked(source, pi.filter.as_deref().unwrap_or(""), Role::Filter, v));
            let boundaries = pi
                .analytics_period_boundaries
                .iter()
                .flatten()
                .enumerate()
                .map(|(index, b)| {
                    let target = b.boundary_target.clone().unwrap_or_default();
                    Boundary {
                        index,
                        form: boundary_form(&target, v),
                        target,
                    }
                })
                .collect();
            PiTexts {
                pi: i,
                expression,
                filter,
                boundaries,
            }
        })
        .collect();
    let pis: Vec<PiTexts> = pis;
    Texts {
        version: v,
        assumed: version.is_none(),
        by_pi: pis.iter().enumerate().map(|(i, t)| (t.pi, i)).collect(),
        pis,
        mapping_filters: mapping_filters(source, scope, v),
    }
}

fn mapping_filters(source: &Catalog, scope: &[usize], v: Version) -> Vec<MappingFilter> {
    let mut programs: Vec<usize> = scope
        .iter()
        .filter_map(|&i| {
            let p = source.program_indicators[i].program.as_ref()?;
            source.programs.id(&p.id)
        })
        .collect();
    programs.sort_unstable();
    programs.dedup();
    let mut out = Vec::new();
    for p in programs {
        for m in &source.programs[p].category_mappings {
            for o in &m.option_mappings {
                let text = o.filter.clone().unwrap_or_default();
                if blank(Some(&text)) {
                    continue;
                }
                out.push(MappingFilter {
                    program: p,
                    mapping: m.id.clone(),
                    option: o.option_id.clone(),
                    checked: checked(source, &text, Role::Filter, v),
                    text,
                });
            }
        }
    }
    out
}

/// The source's value types, for the type check.
struct SourceTypes<'a>(&'a Catalog);

impl types::Types for SourceTypes<'_> {
    fn data_element(&self, id: &str) -> Option<&str> {
        self.0.data_elements.get(id)?.value_type.as_deref()
    }
    fn attribute(&self, id: &str) -> Option<&str> {
        self.0
            .tracked_entity_attributes
            .get(id)?
            .value_type
            .as_deref()
    }
}

/// Parse and check a text, then type check it (and its inner conditions) when it
/// parsed clean and the version casts as the checker knows.
fn checked(source: &Catalog, text: &str, role: Role, v: Version) -> Checked {
    let mut c = pi::check(text, v);
    if !c.problems.is_empty() || !types::checks_types(v) {
        return c;
    }
    let t = SourceTypes(source);
    if let Some(tree) = &c.tree
        && let Err(e) = types::check(tree, role, &t)
    {
        c.problems.push(Problem {
            span: e.span,
            message: e.message,
        });
    }
    for inner in &c.inner {
        if let Err(e) = types::check(&inner.tree, Role::Filter, &t) {
            c.problems.push(Problem {
                span: inner.outer(e.span),
                message: format!("in the condition string: {}", e.message),
            });
        }
    }
    c
}

/// Java's `\w{11}` at the start of `s`.
fn word11(s: &str) -> Option<&str> {
    let w = s.get(..11)?;
    w.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        .then_some(w)
}

/// How DHIS2 reads a boundary target (`AnalyticsPeriodBoundary`, §8): the fixed names
/// by equality, the custom forms by their prefix and then `Matcher.find()`.
pub fn boundary_form(t: &str, v: Version) -> BoundaryForm {
    match t {
        "EVENT_DATE" => return BoundaryForm::Fixed("EVENT_DATE"),
        "ENROLLMENT_DATE" => return BoundaryForm::Fixed("ENROLLMENT_DATE"),
        "INCIDENT_DATE" => return BoundaryForm::Fixed("INCIDENT_DATE"),
        "SCHEDULED_DATE" if v.at_least(39) => return BoundaryForm::Fixed("SCHEDULED_DATE"),
        "SCHEDULED_DATE" => return BoundaryForm::TooNew,
        _ => {}
    }
    // The first place the pattern matches, and whether text is left after it.
    let find = |open: &str, close_len: usize, read: &dyn Fn(&str) -> Option<usize>| {
        let mut from = 0;
        while let Some(i) = t[from..].find(open) {
            let at = from + i;
            if let Some(len) = read(&t[at + open.len()..]) {
                let end = at + open.len() + len + close_len;
                return Some((at, end));
            }
            from = at + 1;
        }
        None
    };
    if t.starts_with("#{") {
        let read = |s: &str| {
            let (a, rest) = (word11(s)?, s.get(11..)?);
            let rest = rest.strip_prefix('.')?;
            word11(rest)?;
            rest.get(11..)?.starts_with('}').then_some(a.len() + 12)
        };
        return match find("#{", 1, &read) {
            Some((at, end)) => BoundaryForm::StageDe {
                stage: t[at + 2..at + 13].to_string(),
                de: t[at + 14..at + 25].to_string(),
                trailing: end < t.len(),
            },
            None => BoundaryForm::Unresolved,
        };
    }
    if t.starts_with("A{") {
        let read = |s: &str| {
            word11(s)?;
            s.get(11..)?.starts_with('}').then_some(11)
        };
        return match find("A{", 1, &read) {
            Some((at, end)) => BoundaryForm::Attribute {
                tea: t[at + 2..at + 13].to_string(),
                trailing: end < t.len(),
            },
            None => BoundaryForm::Unresolved,
        };
    }
    if t.starts_with("PS_EVENTDATE:") {
        let read = |s: &str| word11(s).map(|w| w.len());
        return match find("PS_EVENTDATE:", 0, &read) {
            Some((at, end)) => BoundaryForm::PsEventDate {
                stage: t[at + 13..at + 24].to_string(),
                trailing: end < t.len(),
            },
            None => BoundaryForm::Unresolved,
        };
    }
    BoundaryForm::Unresolved
}

impl PiTexts {
    /// Whether DHIS2 accepts every text of the PI (no `invalid-expression` on it).
    pub fn valid(&self) -> bool {
        let ok = |c: &Option<Checked>| c.as_ref().is_none_or(|c| c.problems.is_empty());
        self.expression.is_some()
            && ok(&self.expression)
            && ok(&self.filter)
            && self
                .boundaries
                .iter()
                .all(|b| !matches!(b.form, BoundaryForm::Unresolved | BoundaryForm::TooNew))
    }

    /// Whether the expression or the filter (their inner conditions too) has a node
    /// for which `f` holds.
    pub fn any(&self, f: &dyn Fn(&crate::expr::Expr) -> bool) -> bool {
        [&self.expression, &self.filter]
            .into_iter()
            .flatten()
            .any(|c| crate::expr::facts::any(c, f))
    }

    /// The whole expression's variable, if it is one.
    pub fn whole_variable(&self) -> Option<&'static str> {
        self.expression
            .as_ref()?
            .tree
            .as_ref()
            .and_then(crate::expr::facts::whole_variable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_targets_resolve_as_dhis2_reads_them() {
        let v = LATEST;
        assert_eq!(
            boundary_form("EVENT_DATE", v),
            BoundaryForm::Fixed("EVENT_DATE")
        );
        assert_eq!(boundary_form("EVENT_DATE ", v), BoundaryForm::Unresolved);
        assert_eq!(
            boundary_form("SCHEDULED_DATE", Version::new(2, 38, 1)),
            BoundaryForm::TooNew
        );
        assert_eq!(
            boundary_form("#{abcdefghijk.bcdefghijkl})", v),
            BoundaryForm::StageDe {
                stage: "abcdefghijk".into(),
                de: "bcdefghijkl".into(),
                trailing: true
            }
        );
        assert_eq!(
            boundary_form("#{ abcdefghijk.bcdefghijkl}", v),
            BoundaryForm::Unresolved
        );
        assert_eq!(
            boundary_form("A{abcdefghijk}", v),
            BoundaryForm::Attribute {
                tea: "abcdefghijk".into(),
                trailing: false
            }
        );
        assert_eq!(
            boundary_form("PS_EVENTDATE:abcdefghijk", v),
            BoundaryForm::PsEventDate {
                stage: "abcdefghijk".into(),
                trailing: false
            }
        );
        assert_eq!(
            boundary_form("PS_EVENTDATE: abcdefghijk", v),
            BoundaryForm::Unresolved
        );
        assert_eq!(boundary_form("", v), BoundaryForm::Unresolved);
    }
}
