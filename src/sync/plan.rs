//! Which periods each mapping transfers: the period type of the data sets holding its
//! data element (or the job's `period_type`), and the job's explicit or relative
//! periods, or `lookback` periods back from the last complete one.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::job::{Job, Mapping, transferable};
use crate::model::Identifiable;
use crate::period::{Period, PeriodType, RelativeType, expand, period_spec_type};
use crate::rule_id::{self, RuleId};

/// Mappings that share a period type, and the periods they transfer.
#[derive(Debug, Clone)]
pub struct Group {
    pub period_type: PeriodType,
    pub periods: Vec<Period>,
    /// Mapping indices.
    pub mappings: Vec<usize>,
}

/// A mapping that is not transferred, and why: a defect (the rule that reports it;
/// the run then did not move everything), or the job's periods (none of its type).
#[derive(Debug, Clone)]
pub struct Skipped {
    pub mapping: usize,
    pub reason: String,
    pub rule: Option<&'static RuleId>,
}

impl Skipped {
    /// Left out for a defect, not for the job's choice of periods.
    pub fn is_defect(&self) -> bool {
        self.rule.is_some()
    }
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub groups: Vec<Group>,
    pub skipped: Vec<Skipped>,
}

/// What the job asks for.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// ISO or relative periods (from `--period` or `sync.periods`); empty for lookback.
    pub periods: &'a [String],
    pub period_type: Option<PeriodType>,
    pub lookback: u64,
    pub include_current: bool,
    /// The day the plan is made for (today, or `--as-of`).
    pub as_of: Date,
    /// Per mapping: the rule of an error finding that excludes it (`--skip-invalid`);
    /// empty when nothing is excluded.
    pub excluded: &'a [Option<&'static RuleId>],
}

impl Plan {
    /// Whether a mapping transfers a period. A mapping whose data element sits in data
    /// sets of two period types is planned in two groups.
    pub fn is_planned(&self, mapping: usize, period: &Period) -> bool {
        self.groups
            .iter()
            .any(|g| g.periods.contains(period) && g.mappings.contains(&mapping))
    }

    pub fn period_count(&self) -> usize {
        self.groups.iter().map(|g| g.periods.len()).sum()
    }
}

/// The periods of type `t` the request names.
pub(crate) fn periods_of(t: PeriodType, req: &Request<'_>) -> Vec<Period> {
    let mut out: Vec<Period> = Vec::new();
    if req.periods.is_empty() {
        if let Some(current) = Period::containing(t, req.as_of) {
            let mut last = current.previous();
            let mut back = Vec::new();
            for _ in 0..req.lookback {
                back.push(last);
                last = last.previous();
            }
            back.reverse();
            out.extend(back);
            if req.include_current {
                out.push(current);
            }
        }
    } else {
        for spec in req.periods {
            if let Some(p) = Period::parse(spec) {
                out.push(p);
            } else if let Some(ps) = expand(spec, req.as_of, t) {
                out.extend(ps);
            }
        }
    }
    out.retain(|p| p.ptype == t);
    out.sort();
    out.dedup();
    out
}

/// Plan the transfer of every transferable mapping: each gets the periods of the
/// type of the data sets holding its data element.
pub fn plan(cx: &Job<'_>, req: &Request<'_>) -> Plan {
    let mut spec_types: Vec<RelativeType> = Vec::new();
    for t in req.periods.iter().filter_map(|p| period_spec_type(p)) {
        if !spec_types.contains(&t) {
            spec_types.push(t);
        }
    }
    let mut by_type: BTreeMap<PeriodType, Vec<usize>> = BTreeMap::new();
    let mut skipped = Vec::new();
    for (mi, m) in cx.mappings.iter().enumerate() {
        let skip = |reason: String, rule: Option<&'static RuleId>| Skipped {
            mapping: mi,
            reason,
            rule,
        };
        if let Some(why) = transferable::why_not(cx, m) {
            skipped.push(skip(why.reason(m), Some(why.rule())));
            continue;
        }
        if let Some(Some(rule)) = req.excluded.get(mi) {
            let reason = format!("left out for its {} error (--skip-invalid)", rule.name);
            skipped.push(skip(reason, Some(rule)));
            continue;
        }
        match period_types(cx, m, req.period_type, &spec_types) {
            Ok(mut types) => {
                // A record block that pins its period type is planned with that type
                // only (`record-period-type-mismatch` judges a pin no data set has).
                if let Some(pin) = cx
                    .block_of(m)
                    .and_then(|b| cx.config.aggregates.get(b))
                    .and_then(|b| b.period_type.as_ref())
                {
                    types.retain(|t| *t == pin.value);
                    if types.is_empty() {
                        skipped.push(skip(
                            format!(
                                "the block pins {}, which none of its data sets has",
                                pin.value
                            ),
                            Some(&rule_id::RECORD_PERIOD_TYPE_MISMATCH),
                        ));
                        continue;
                    }
                }
                for ty in types {
                    by_type.entry(ty).or_default().push(mi);
                }
            }
            Err((reason, rule)) => skipped.push(skip(reason, rule)),
        }
    }
    let mut groups = Vec::new();
    for (ty, mappings) in by_type {
        let periods = periods_of(ty, req);
        if ty == PeriodType::TwoYearly || periods.is_empty() {
            for mapping in mappings {
                skipped.push(Skipped {
                    mapping,
                    reason: format!("no {ty} period to transfer"),
                    rule: None,
                });
            }
            continue;
        }
        groups.push(Group {
            period_type: ty,
            periods,
            mappings,
        });
    }
    skipped.sort_by_key(|s| s.mapping);
    Plan { groups, skipped }
}

/// The period types a transferable mapping is planned with: those of its data sets
/// that the job asks for. A job of one period type (`sync.period_type`, or periods of
/// one type) that is not the data sets' type is a defect (`period-type-mismatch`);
/// periods of several types simply leave out a mapping with none of its type.
fn period_types(
    cx: &Job<'_>,
    m: &Mapping,
    job_type: Option<PeriodType>,
    spec_types: &[RelativeType],
) -> Result<Vec<PeriodType>, (String, Option<&'static RuleId>)> {
    let t = cx.target;
    let de = m.target_de.unwrap_or_default();
    let mut ds_types: Vec<PeriodType> = cx
        .graph
        .data_sets_of(de)
        .iter()
        .filter_map(|&ds| t.data_sets[ds].period_type.as_deref()?.parse().ok())
        .collect();
    ds_types.sort();
    ds_types.dedup();
    let de_code = t.data_elements[de].code().unwrap_or(&m.de).to_string();
    let names: Vec<&str> = ds_types.iter().map(|p| p.name()).collect();
    let (types, asked): (Vec<PeriodType>, String) = match job_type {
        Some(pt) => (
            ds_types.iter().copied().filter(|&d| d == pt).collect(),
            pt.name().to_string(),
        ),
        None if spec_types.is_empty() => (ds_types.clone(), String::new()),
        None => (
            ds_types
                .iter()
                .copied()
                .filter(|&d| spec_types.iter().any(|st| st.matches(d)))
                .collect(),
            spec_types
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ),
    };
    if !types.is_empty() {
        return Ok(types);
    }
    if ds_types.is_empty() {
        let reason = format!("the data sets of `{de_code}` have no period type");
        return Err((reason, None));
    }
    let reason = format!(
        "the job transfers {asked} periods; the data sets of `{de_code}` are {}",
        names.join(", ")
    );
    let one_type = job_type.is_some() || spec_types.len() == 1;
    Err((reason, one_type.then_some(&rule_id::PERIOD_TYPE_MISMATCH)))
}

/// The plan a `--out` file was written with, recorded in the file so that a later
/// `--from` verifies against it (on another day, a fresh plan would have other periods).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// The day it was planned for.
    pub as_of: String,
    pub groups: Vec<RecordGroup>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordGroup {
    pub period_type: String,
    pub periods: Vec<String>,
    /// Program indicator UIDs.
    pub program_indicators: Vec<String>,
}

impl Plan {
    pub fn record(&self, cx: &Job<'_>, as_of: Date) -> Record {
        let pis = &cx.source.program_indicators;
        Record {
            as_of: as_of.to_string(),
            groups: self
                .groups
                .iter()
                .map(|g| RecordGroup {
                    period_type: g.period_type.name().to_string(),
                    periods: g.periods.iter().map(Period::iso).collect(),
                    program_indicators: g
                        .mappings
                        .iter()
                        .map(|&m| pis[cx.mappings[m].pi].id.clone())
                        .collect(),
                })
                .collect(),
        }
    }

    /// The plan a file recorded, for the job as it is now: a mapping that is no longer
    /// transferable, or that an error leaves out, is skipped as in a fresh plan. A
    /// record the job cannot follow (a program indicator it no longer maps, a period
    /// that is not of its group's type) is an error: write the file again.
    pub fn from_record(
        cx: &Job<'_>,
        rec: &Record,
        excluded: &[Option<&'static RuleId>],
    ) -> Result<Plan, String> {
        let pis = &cx.source.program_indicators;
        let mut by_pi: rustc_hash::FxHashMap<&str, usize> = rustc_hash::FxHashMap::default();
        for (i, m) in cx.mappings.iter().enumerate() {
            by_pi.insert(pis[m.pi].id.as_str(), i);
        }
        let mut plan = Plan::default();
        let mut seen = fixedbitset::FixedBitSet::with_capacity(cx.mappings.len());
        for g in &rec.groups {
            let period_type: PeriodType = g
                .period_type
                .parse()
                .map_err(|()| format!("unknown period type `{}`", g.period_type))?;
            let mut periods = Vec::with_capacity(g.periods.len());
            for iso in &g.periods {
                match Period::parse(iso) {
                    Some(p) if p.ptype == period_type => periods.push(p),
                    _ => return Err(format!("`{iso}` is not a {period_type} period")),
                }
            }
            let mut group = Group {
                period_type,
                periods,
                mappings: Vec::new(),
            };
            for id in &g.program_indicators {
                let &mi = by_pi.get(id.as_str()).ok_or_else(|| {
                    format!("program indicator `{id}` is not a mapping of the job any more")
                })?;
                let m = &cx.mappings[mi];
                let defect = transferable::why_not(cx, m)
                    .map(|why| (why.reason(m), why.rule()))
                    .or_else(|| {
                        excluded.get(mi).copied().flatten().map(|rule| {
                            let reason =
                                format!("left out for its {} error (--skip-invalid)", rule.name);
                            (reason, rule)
                        })
                    });
                match defect {
                    Some((reason, rule)) if !seen.put(mi) => plan.skipped.push(Skipped {
                        mapping: mi,
                        reason,
                        rule: Some(rule),
                    }),
                    Some(_) => {}
                    None => group.mappings.push(mi),
                }
            }
            if !group.mappings.is_empty() {
                plan.groups.push(group);
            }
        }
        plan.skipped.sort_by_key(|s| s.mapping);
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn req(periods: &[String], lookback: u64, include_current: bool) -> Request<'_> {
        Request {
            periods,
            period_type: None,
            lookback,
            include_current,
            as_of: date(2024, 3, 15),
            excluded: &[],
        }
    }

    fn isos(ps: &[Period]) -> Vec<String> {
        ps.iter().map(Period::iso).collect()
    }

    #[test]
    fn lookback_counts_back_from_the_last_complete_period() {
        let r = req(&[], 3, false);
        assert_eq!(
            isos(&periods_of(PeriodType::Monthly, &r)),
            ["202312", "202401", "202402"]
        );
        assert_eq!(
            isos(&periods_of(PeriodType::Weekly, &r)),
            ["2024W8", "2024W9", "2024W10"]
        );
        let r = req(&[], 1, true);
        assert_eq!(
            isos(&periods_of(PeriodType::Quarterly, &r)),
            ["2023Q4", "2024Q1"]
        );
    }

    #[test]
    fn explicit_and_relative_periods_keep_their_type() {
        let specs = vec![
            "LAST_3_MONTHS".to_string(),
            "202401".to_string(),
            "2024Q1".to_string(),
        ];
        let r = req(&specs, 1, false);
        assert_eq!(
            isos(&periods_of(PeriodType::Monthly, &r)),
            ["202312", "202401", "202402"]
        );
        assert_eq!(isos(&periods_of(PeriodType::Quarterly, &r)), ["2024Q1"]);
        let specs = vec!["THIS_FINANCIAL_YEAR".to_string()];
        let r = req(&specs, 1, false);
        assert_eq!(
            isos(&periods_of(PeriodType::FinancialJuly, &r)),
            ["2023July"]
        );
    }
}
