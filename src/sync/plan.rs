//! Which periods each mapping transfers: the period type of the data sets holding its
//! data element (or the job's `period_type`), and the job's explicit or relative
//! periods, or `lookback` periods back from the last complete one.

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::job::Job;
use crate::model::Identifiable;
use crate::period::{Period, PeriodType, expand, period_spec_type};

/// Mappings that share a period type, and the periods they transfer.
#[derive(Debug, Clone)]
pub struct Group {
    pub period_type: PeriodType,
    pub periods: Vec<Period>,
    /// Mapping indices.
    pub mappings: Vec<usize>,
}

/// A mapping that cannot be planned, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub mapping: usize,
    pub reason: String,
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
fn periods_of(t: PeriodType, req: &Request<'_>) -> Vec<Period> {
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

/// Plan the transfer of every mapping that resolves in the target.
pub fn plan(cx: &Job<'_>, req: &Request<'_>) -> Plan {
    let t = cx.target;
    let spec_type = req.periods.first().and_then(|p| period_spec_type(p));
    let mut by_type: BTreeMap<PeriodType, Vec<usize>> = BTreeMap::new();
    let mut skipped = Vec::new();
    for (mi, m) in cx.mappings.iter().enumerate() {
        let Some(de) = m.target_de else {
            skipped.push(Skipped {
                mapping: mi,
                reason: format!("data element `{}` does not exist in the target", m.de),
            });
            continue;
        };
        let mut ds_types: Vec<PeriodType> = cx
            .graph
            .data_sets_of(de)
            .iter()
            .filter_map(|&ds| t.data_sets[ds].period_type.as_deref()?.parse().ok())
            .collect();
        ds_types.sort();
        ds_types.dedup();
        let types: Vec<PeriodType> = match (req.period_type, spec_type) {
            (Some(pt), _) => vec![pt],
            (None, Some(st)) if ds_types.is_empty() => match st {
                crate::period::RelativeType::Exact(pt) => vec![pt],
                crate::period::RelativeType::FinancialYear => Vec::new(),
            },
            (None, Some(st)) => ds_types
                .iter()
                .copied()
                .filter(|dt| st.matches(*dt))
                .collect(),
            (None, None) => ds_types.clone(),
        };
        if types.is_empty() {
            let de_code = t.data_elements[de].code().unwrap_or(&m.de).to_string();
            let reason = if ds_types.is_empty() {
                format!(
                    "data element `{de_code}` is in no data set and the job sets no `sync.period_type`"
                )
            } else {
                let names: Vec<&str> = ds_types.iter().map(|p| p.name()).collect();
                format!(
                    "the job's periods are of another type than the data sets of `{de_code}` ({})",
                    names.join(", ")
                )
            };
            skipped.push(Skipped {
                mapping: mi,
                reason,
            });
            continue;
        }
        for ty in types {
            by_type.entry(ty).or_default().push(mi);
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
    Plan { groups, skipped }
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
