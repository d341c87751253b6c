//! Verifying exported values before anything is written: each row must come from a
//! mapped PI of its request (a PI's own UID in `dataElement` is a leak), name a planned
//! period, an org unit the target knows and has assigned to the data element's data set,
//! hold a value the data element's type accepts, and be the only value for its key.

use std::collections::HashMap;

use crate::dhis2::data::DataValue;
use crate::job::Job;
use crate::job::Mapping;
use crate::model::Identifiable;
use crate::period::Period;

use super::issue::{IssueKind, SyncIssue};
use super::plan::Plan;
use super::values::{Rejection, normalise};

/// A data value key in the target: indices into the target's collections, the default
/// option combo as `None`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub de: usize,
    pub coc: Option<usize>,
    pub aoc: Option<usize>,
    pub period: String,
    pub ou: usize,
}

/// A verified value: its key, the mapping that produced it, and the row to import
/// (identifiers as exported, under the job's schemes; value normalised).
#[derive(Debug, Clone)]
pub struct Exported {
    pub key: Key,
    pub mapping: usize,
    pub row: DataValue,
}

/// What verification produced.
#[derive(Debug, Default)]
pub struct Verified {
    pub values: Vec<Exported>,
    pub issues: Vec<SyncIssue>,
    /// Zeros a positive-integer data element cannot hold, left out.
    pub skipped_zeros: usize,
    /// Rows without a value, left out.
    pub empty: usize,
}

/// Checks rows against the job.
pub struct Verifier<'a> {
    cx: &'a Job<'a>,
    plan: &'a Plan,
    seen: HashMap<Key, usize>,
    pub out: Verified,
}

impl<'a> Verifier<'a> {
    pub fn new(cx: &'a Job<'a>, plan: &'a Plan) -> Self {
        Verifier {
            cx,
            plan,
            seen: HashMap::new(),
            out: Verified::default(),
        }
    }

    fn pi(&self, mapping: usize) -> crate::diagnostic::ObjectRef {
        self.cx.pi_ref(&self.cx.mappings[mapping])
    }

    /// Verify the rows of one request that asked for `mappings`.
    pub fn rows(&mut self, mappings: &[usize], rows: Vec<DataValue>) {
        let cx = self.cx;
        let pis = &cx.source.program_indicators;
        let by_target: HashMap<(&str, Option<&str>, Option<&str>), usize> = mappings
            .iter()
            .map(|&m| {
                let mp: &Mapping = &cx.mappings[m];
                ((mp.de.as_str(), mp.coc.as_deref(), mp.aoc.as_deref()), m)
            })
            .collect();
        let by_uid: HashMap<&str, usize> = mappings
            .iter()
            .map(|&m| (pis[cx.mappings[m].pi].id.as_str(), m))
            .collect();
        for row in rows {
            let key = (
                row.data_element.as_str(),
                row.category_option_combo
                    .as_deref()
                    .filter(|c| !c.is_empty()),
                row.attribute_option_combo
                    .as_deref()
                    .filter(|c| !c.is_empty()),
            );
            match by_target.get(&key) {
                Some(&m) => self.row(m, row),
                None => match by_uid.get(row.data_element.as_str()) {
                    Some(&m) => self.out.issues.push(
                        SyncIssue::new(
                            IssueKind::UidLeak,
                            format!(
                                "program indicator {} was exported under its own UID instead of its data element `{}`",
                                cx.pi_label(&cx.mappings[m]),
                                cx.mappings[m].de
                            ),
                            "the source did not apply the mapping attribute to this PI: check that the attribute value is set on the PI in the source and that analytics tables were regenerated after the change",
                        )
                        .object(self.pi(m)),
                    ),
                    None => self.out.issues.push(SyncIssue::new(
                        IssueKind::UnknownTarget,
                        format!(
                            "the export holds data element `{}` (category option combo `{}`, attribute option combo `{}`), which no mapped program indicator of the request sends",
                            key.0,
                            key.1.unwrap_or(""),
                            key.2.unwrap_or("")
                        ),
                        "the source's metadata changed since it was checked, or analytics answered for other items; run the sync again",
                    )),
                },
            }
        }
    }

    fn row(&mut self, m: usize, mut row: DataValue) {
        let cx = self.cx;
        let t = cx.target;
        let mapping = &cx.mappings[m];
        // Only when the check was told to ignore it can a mapping's target not resolve.
        let Some(key_base) = mapping.key(t) else {
            self.out.issues.push(
                SyncIssue::new(
                    IssueKind::UnknownTarget,
                    format!(
                        "program indicator {} sends data element `{}` / category option combo `{}` / attribute option combo `{}`, which do not all resolve in the target",
                        cx.pi_label(mapping),
                        mapping.de,
                        mapping.coc.as_deref().unwrap_or(""),
                        mapping.aoc.as_deref().unwrap_or("")
                    ),
                    "fix the mapping (see `t2a check` with every rule on); a value without a resolvable target is never imported",
                )
                .object(self.pi(m)),
            );
            return;
        };
        let de = key_base.0;
        let de_obj = &t.data_elements[de];
        if row.deleted == Some(true) {
            self.out.issues.push(
                SyncIssue::new(
                    IssueKind::InvalidValue,
                    format!(
                        "a value of program indicator {} for `{}`, {}, `{}` is marked deleted",
                        cx.pi_label(mapping),
                        mapping.de,
                        row.period,
                        row.org_unit
                    ),
                    "the sync decides what to delete (see `stale`); remove `deleted` from the file",
                )
                .object(self.pi(m)),
            );
            return;
        }
        let Some(raw) = row.value.clone() else {
            self.out.empty += 1;
            return;
        };
        // Period: valid, and planned for this mapping.
        let period = Period::parse(&row.period).filter(|p| self.plan.is_planned(m, p));
        let Some(period) = period else {
            self.out.issues.push(
                SyncIssue::new(
                    IssueKind::UnexpectedPeriod,
                    format!(
                        "the export holds period `{}` for program indicator {}, which the job did not ask for",
                        row.period,
                        cx.pi_label(mapping)
                    ),
                    "the source answered for other periods than requested; check the source's analytics settings",
                )
                .object(self.pi(m)),
            );
            return;
        };
        // Org unit: known to the target under the job's scheme, and assigned.
        let scheme = &cx.config.mapping.org_unit_id_scheme;
        let Some(ou) = t.organisation_units.resolve(scheme, &row.org_unit) else {
            self.out.issues.push(
                SyncIssue::new(
                    IssueKind::UnknownOrgUnit,
                    format!(
                        "program indicator {} has values for org unit `{}`, which does not exist in the target (matched by {scheme})",
                        cx.pi_label(mapping),
                        row.org_unit
                    ),
                    "import the org unit into the target, or narrow `sync.org_units` / the program's org units",
                )
                .object(self.pi(m))
                .object(crate::diagnostic::ObjectRef::unnamed("organisationUnit", row.org_unit.clone())),
            );
            return;
        };
        let sets: Vec<usize> = cx
            .graph
            .data_sets_of(de)
            .into_iter()
            .filter(|&ds| t.data_sets[ds].period_type.as_deref() == Some(period.ptype.name()))
            .collect();
        if !sets.is_empty() && !sets.iter().any(|&ds| cx.target.is_assigned(ds, ou)) {
            let ou_obj = &t.organisation_units[ou];
            let mut issue = SyncIssue::new(
                IssueKind::UnassignedOrgUnit,
                format!(
                    "program indicator {} has values for org unit \"{}\" ({}), which no {} data set holding `{}` is assigned to",
                    cx.pi_label(mapping),
                    ou_obj.name(),
                    ou_obj.id(),
                    period.ptype,
                    mapping.de
                ),
                "assign the data set to the org unit in the target, or narrow `sync.org_units` / the program's org units",
            )
            .object(self.pi(m))
            .object(crate::diagnostic::ObjectRef::of(ou_obj));
            for &ds in &sets {
                issue = issue.object(cx.data_set_ref(ds));
            }
            self.out.issues.push(issue);
            return;
        }
        // Value: what the data element's type accepts.
        let value = match normalise(&raw, de_obj.value_type.as_deref()) {
            Ok(v) => v,
            Err(Rejection::ZeroNotAllowed) => {
                self.out.skipped_zeros += 1;
                return;
            }
            Err(why) => {
                let fix = match why {
                    Rejection::Fraction => {
                        "give the program indicator `decimals: 0` if the figure is a count, or target a NUMBER data element"
                    }
                    _ => {
                        "fix the program indicator's expression, or target a data element of a fitting value type"
                    }
                };
                self.out.issues.push(
                    SyncIssue::new(
                        IssueKind::InvalidValue,
                        format!(
                            "program indicator {} exported `{raw}` for data element `{}` ({}): {why}",
                            cx.pi_label(mapping),
                            mapping.de,
                            de_obj.value_type.as_deref().unwrap_or("?")
                        ),
                        fix,
                    )
                    .object(self.pi(m))
                    .object(cx.de_ref(de)),
                );
                return;
            }
        };
        let key = Key {
            de,
            coc: key_base.1,
            aoc: key_base.2,
            period: period.iso(),
            ou,
        };
        if let Some(&other) = self.seen.get(&key) {
            let mut issue = SyncIssue::new(
                IssueKind::DuplicateValue,
                format!(
                    "two values for data element `{}`, period {}, org unit `{}`: from {} and {}",
                    mapping.de,
                    key.period,
                    row.org_unit,
                    cx.pi_label(&cx.mappings[other]),
                    cx.pi_label(mapping)
                ),
                "each data value key can hold one value; give the program indicators distinct category option combos",
            );
            issue = issue.object(self.pi(other)).object(self.pi(m));
            self.out.issues.push(issue);
            return;
        }
        self.seen.insert(key.clone(), m);
        row.value = Some(value);
        row.comment = None;
        row.period = key.period.clone();
        self.out.values.push(Exported {
            key,
            mapping: m,
            row,
        });
    }
}
