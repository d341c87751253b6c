//! Verifying exported values before anything is written: each row must come from a
//! mapped PI of its request (a PI's own UID in `dataElement` is a leak), name a planned
//! period, hold a value the data element's type accepts, and be the only value for its
//! key. Values at org units the target does not know, or has not assigned to a data set
//! holding the data element, are never sent: they are left out and counted per PI.
//!
//! Rows are verified as they are read, into compact records; the one check that needs
//! all values at once (one value per key) runs per bucket (`duplicates`): two values for
//! one key share their org unit, hence their bucket.

use std::collections::{BTreeMap, BTreeSet};

use compact_str::CompactString;
use rustc_hash::FxHashMap;

use crate::dhis2::rows::{Row, for_each_row};
use crate::diagnostic::ObjectRef;
use crate::job::Job;
use crate::rule_id::{self, RuleId};

use super::issue::{IssueKind, IssueLog, SyncIssue};
use super::journal::{Fields, Record};
use super::lookups::{Key, Lookups, Target};
use super::values::{Rejection, normalise};

/// A verified value: its key, the mapping that produced it, its normalised value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub key: Key,
    pub mapping: u32,
    pub value: CompactString,
}

impl Record for Exported {
    fn encode(&self, out: &mut Vec<u8>) {
        self.key.encode(out);
        out.extend_from_slice(&self.mapping.to_le_bytes());
        out.extend_from_slice(self.value.as_bytes());
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let mut f = Fields(bytes);
        Some(Exported {
            key: Key::decode(&mut f)?,
            mapping: f.u32()?,
            value: f.rest()?.into(),
        })
    }
}

/// Why values at an org unit are left out; each reason is a rule of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OrgUnitGap {
    /// The target does not know the org unit.
    Unknown,
    /// No data set of the period type holding the data element is assigned to it.
    Unassigned,
}

impl OrgUnitGap {
    pub fn rule(self) -> &'static RuleId {
        match self {
            OrgUnitGap::Unknown => &rule_id::UNKNOWN_ORG_UNIT,
            OrgUnitGap::Unassigned => &rule_id::UNASSIGNED_ORG_UNIT,
        }
    }
}

/// Org units a PI's values are left out at (a few named, for the report).
#[derive(Debug, Default, Clone)]
pub struct LeftOut {
    pub values: usize,
    pub org_units: BTreeSet<String>,
    /// Org units beyond those named.
    pub more_org_units: usize,
}

/// Org units named per left-out entry; the rest are counted.
const NAMED_ORG_UNITS: usize = 10;

impl LeftOut {
    fn add(&mut self, values: usize, org_unit: &str) {
        self.values += values;
        if self.org_units.contains(org_unit) {
            return;
        }
        if self.org_units.len() < NAMED_ORG_UNITS {
            self.org_units.insert(org_unit.to_string());
        } else {
            self.more_org_units += 1;
        }
    }

    fn merge(&mut self, other: LeftOut) {
        self.values += other.values;
        self.more_org_units += other.more_org_units;
        for ou in other.org_units {
            self.add(0, &ou);
        }
    }
}

/// What verification counted besides the values.
#[derive(Debug, Default)]
pub struct Verified {
    pub issues: IssueLog,
    /// Per mapping and reason: values left out for their org unit.
    pub left_out: BTreeMap<(u32, OrgUnitGap), LeftOut>,
    /// Zeros a positive-integer data element cannot hold, left out.
    pub skipped_zeros: usize,
    /// Rows without a value, left out.
    pub empty: usize,
    /// Values of program indicators the plan leaves out (in a `--from` file).
    pub of_skipped: usize,
    /// Rows read.
    pub rows: usize,
}

impl Verified {
    pub fn add(&mut self, other: Verified) {
        self.issues.extend(other.issues);
        for (k, v) in other.left_out {
            self.left_out.entry(k).or_default().merge(v);
        }
        self.skipped_zeros += other.skipped_zeros;
        self.empty += other.empty;
        self.of_skipped += other.of_skipped;
        self.rows += other.rows;
    }
}

/// What a row carries: data element, COC and AOC as exported.
type Carried<'a> = (&'a str, Option<&'a str>, Option<&'a str>);

/// The mappings a request asked for, by what their rows carry (with the target that
/// lands on) and by PI UID (a leak).
pub struct Request<'a> {
    /// `None`: a mapping whose target does not resolve (the check was told to ignore it).
    by_target: FxHashMap<Carried<'a>, (usize, Option<Target>)>,
    by_uid: FxHashMap<&'a str, usize>,
}

impl<'a> Request<'a> {
    pub fn new(cx: &'a Job<'a>, lk: &'a Lookups, mappings: &[usize]) -> Self {
        let pis = &cx.source.program_indicators;
        let mut by_target = FxHashMap::default();
        for &m in mappings {
            let mp = &cx.mappings[m];
            let de = mp.de.as_str();
            if lk.targets[m].is_empty() {
                by_target.insert((de, mp.coc.as_deref(), mp.aoc.as_deref()), (m, None));
            }
            for s in &lk.targets[m] {
                by_target.insert(
                    (de, s.coc.as_deref(), s.aoc.as_deref()),
                    (m, Some(s.target)),
                );
            }
        }
        Request {
            by_target,
            by_uid: mappings
                .iter()
                .map(|&m| (pis[cx.mappings[m].pi].id.as_str(), m))
                .collect(),
        }
    }
}

/// Checks rows against the job.
pub struct Verifier<'a> {
    cx: &'a Job<'a>,
    lk: &'a Lookups,
    pub out: Verified,
}

impl<'a> Verifier<'a> {
    pub fn new(cx: &'a Job<'a>, lk: &'a Lookups) -> Self {
        Verifier {
            cx,
            lk,
            out: Verified::default(),
        }
    }

    fn pi(&self, mapping: usize) -> ObjectRef {
        self.cx.pi_ref(&self.cx.mappings[mapping])
    }

    /// Verify the rows of a response to a request that asked for `mappings`, handing
    /// each verified value to `sink`.
    pub fn body(
        &mut self,
        mappings: &[usize],
        body: &[u8],
        sink: &mut dyn FnMut(Exported),
    ) -> Result<usize, serde_json::Error> {
        let request = Request::new(self.cx, self.lk, mappings);
        for_each_row(body, |row| self.check(&request, &row, sink))
    }

    /// Verify one row of a response to `request`.
    pub fn check(&mut self, request: &Request<'_>, row: &Row<'_>, sink: &mut dyn FnMut(Exported)) {
        let cx = self.cx;
        self.out.rows += 1;
        let key = (&*row.data_element, row.coc(), row.aoc());
        match request.by_target.get(&key) {
            Some(&(m, target)) => self.row(m, target, row, sink),
            None => match request.by_uid.get(key.0) {
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

    fn leave_out(&mut self, m: usize, gap: OrgUnitGap, org_unit: &str) {
        self.out
            .left_out
            .entry((m as u32, gap))
            .or_default()
            .add(1, org_unit);
    }

    fn row(
        &mut self,
        m: usize,
        target: Option<Target>,
        row: &Row<'_>,
        sink: &mut dyn FnMut(Exported),
    ) {
        let cx = self.cx;
        let t = cx.target;
        let mapping = &cx.mappings[m];
        // A `--from` file holds the values of every PI it was planned with; those the
        // plan now leaves out (for a defect) are counted, never sent.
        if !self.lk.is_planned_at_all(m) {
            self.out.of_skipped += 1;
            return;
        }
        // Only when the check was told to ignore it can a mapping's target not resolve.
        let Some(target) = target else {
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
        let de = target.0 as usize;
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
        let Some(raw) = row.value.as_deref() else {
            self.out.empty += 1;
            return;
        };
        // Period: valid, and planned for this mapping.
        let Some(period) = self
            .lk
            .period(&row.period)
            .filter(|&p| self.lk.is_planned(m, p))
        else {
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
            self.leave_out(m, OrgUnitGap::Unknown, &row.org_unit);
            return;
        };
        let ptype = self.lk.ptype(period);
        let sets = self.lk.data_sets(m, ptype);
        if !sets.iter().any(|&ds| t.is_assigned(ds, ou)) {
            self.leave_out(m, OrgUnitGap::Unassigned, &row.org_unit);
            return;
        }
        // Value: what the data element's type accepts.
        let value = match normalise(raw, de_obj.value_type.as_deref()) {
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
        sink(Exported {
            key: Lookups::key(target, period, ou),
            mapping: m as u32,
            value: value.into(),
        });
    }
}

/// Sort a bucket's values by key (and mapping), and report keys that hold two values.
pub fn duplicates(cx: &Job<'_>, lk: &Lookups, values: &mut [Exported], issues: &mut IssueLog) {
    values.sort_unstable_by_key(|v| (v.key, v.mapping));
    let t = cx.target;
    let scheme = &cx.config.mapping.org_unit_id_scheme;
    for pair in values.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a.key != b.key {
            continue;
        }
        let (ma, mb) = (a.mapping as usize, b.mapping as usize);
        let ou = scheme
            .identifier(&t.organisation_units[a.key.ou as usize])
            .unwrap_or("");
        issues.push(
            SyncIssue::new(
                IssueKind::DuplicateValue,
                format!(
                    "two values for data element `{}`, period {}, org unit `{ou}`: from {} and {}",
                    cx.mappings[mb].de,
                    lk.isos[a.key.period as usize],
                    cx.pi_label(&cx.mappings[ma]),
                    cx.pi_label(&cx.mappings[mb])
                ),
                "each data value key can hold one value; give the program indicators distinct category option combos",
            )
            .object(cx.pi_ref(&cx.mappings[ma]))
            .object(cx.pi_ref(&cx.mappings[mb])),
        );
    }
}
