use std::collections::BTreeMap;

use crate::diagnostic::{Finding, ObjectRef};
use crate::expr::facts::canonical;
use crate::job::{Combo, Job, Mapping};

declare_rule! {
    /// ## What it does
    /// Finds mapped program indicators of one program that feed the same data element
    /// and attribute option combo under *different* category option combos, but are
    /// defined identically: analytics type, aggregation type (absent = AVERAGE),
    /// expression and filter as DHIS2 reads them (whitespace and comments ignored,
    /// `'M'` equal to `"M"`), boundaries in any order, and `orgUnitField` (from 2.40).
    ///
    /// ## Why is this bad?
    /// DHIS2 computes the same number for each option combo: "male" and "female" both
    /// get the total, and the data element's total counts everyone twice. This is the
    /// typical slip of copying a PI for the next disaggregation and forgetting to
    /// change its filter.
    ///
    /// ## How to fix
    /// Give each PI the filter of its own option combo (for example
    /// `A{sex} == 'MALE'` and `A{sex} == 'FEMALE'`).
    ///
    /// ## Example
    /// PIs "Cases (male)" and "Cases (female)", both `V{event_count}` with filter
    /// `#{s.result} == 'POS'`, mapped to `MAL_CASES` with COCs `MALE` and `FEMALE`.
    pub static RULE = {
        id: DUPLICATE_DISAGGREGATION,
        summary: "mapped program indicators with different category option combos of one data element are defined identically, so each option combo gets the same number",
        check: check,
    }
}

/// What DHIS2 computes for a PI: two PIs with the same definition give the same number.
pub(super) fn definition(cx: &Job<'_>, m: &Mapping) -> Option<String> {
    let pi = &cx.source.program_indicators[m.pi];
    let v = cx.texts().version;
    let comments = v.at_least(41);
    let mut bounds: Vec<String> = pi
        .analytics_period_boundaries
        .iter()
        .flatten()
        .map(|b| {
            format!(
                "{}|{}|{}|{}",
                b.boundary_target.as_deref().unwrap_or(""),
                b.analytics_period_boundary_type.as_deref().unwrap_or(""),
                b.offset_period_type.as_deref().unwrap_or(""),
                b.offset_periods.unwrap_or(0)
            )
        })
        .collect();
    bounds.sort();
    Some(format!(
        "{}\u{2}{}\u{2}{}\u{2}{}\u{2}{}\u{2}{}",
        pi.analytics_type.as_deref().unwrap_or("EVENT"),
        pi.aggregation_type.as_deref().unwrap_or("AVERAGE"),
        canonical(pi.expression.as_deref().unwrap_or(""), comments)?,
        canonical(pi.filter.as_deref().unwrap_or(""), comments)?,
        bounds.join(";"),
        if v.at_least(40) {
            pi.org_unit_field.as_deref().unwrap_or("")
        } else {
            ""
        }
    ))
}

/// Mapped PIs the disaggregation rules compare: their texts valid and resolved, their
/// data element and option combos known, not 2.42-disaggregated.
pub(super) fn comparable(cx: &Job<'_>, m: &Mapping) -> bool {
    m.target_de.is_some()
        && matches!(m.target_coc, Combo::Found(_) | Combo::Default)
        && !matches!(m.target_aoc, Combo::Unknown | Combo::Disaggregated)
        && cx
            .texts()
            .of(m.pi)
            .is_some_and(|t| t.valid() && !super::unknown_reference::has_unknown_reference(cx, t))
}

/// Groups of identically defined PIs of one program, DE and AOC under two or more
/// COCs (mapping indices).
pub(super) fn groups<'a>(cx: &'a Job<'_>) -> &'a [Vec<usize>] {
    cx.identical_groups.get_or_init(|| compute_groups(cx))
}

fn compute_groups(cx: &Job<'_>) -> Vec<Vec<usize>> {
    let t = cx.target;
    let mut by_key: BTreeMap<(String, usize, Option<usize>, String), Vec<usize>> = BTreeMap::new();
    for (i, m) in cx.mappings.iter().enumerate() {
        if !comparable(cx, m) {
            continue;
        }
        let Some((de, _, aoc)) = m.key(t) else {
            continue;
        };
        let Some(def) = definition(cx, m) else {
            continue;
        };
        let program = cx.source.program_indicators[m.pi]
            .program
            .as_ref()
            .map(|p| p.id.clone())
            .unwrap_or_default();
        by_key.entry((program, de, aoc, def)).or_default().push(i);
    }
    by_key
        .into_values()
        .filter(|ms| {
            let mut cocs: Vec<Option<usize>> = ms
                .iter()
                .filter_map(|&i| cx.mappings[i].key(t).map(|k| k.1))
                .collect();
            cocs.sort_unstable();
            cocs.dedup();
            cocs.len() > 1
        })
        .collect()
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let t = cx.target;
    groups(cx)
        .iter()
        .map(|ms| {
            let first = &cx.mappings[ms[0]];
            let de = first.target_de.unwrap_or(0);
            let named: Vec<String> = ms
                .iter()
                .map(|&i| {
                    let m = &cx.mappings[i];
                    format!("{} → `{}`", cx.pi_label(m), m.coc.as_deref().unwrap_or("default"))
                })
                .collect();
            let mut f = Finding::new(
                &RULE,
                format!(
                    "{} program indicators feed different option combos of data element `{}` but are defined identically, so each option combo gets the same number: {}",
                    ms.len(),
                    first.de,
                    named.join(", ")
                ),
                "give each program indicator the filter of its own option combo",
            );
            for &i in ms {
                f = f.object(cx.pi_ref(&cx.mappings[i]));
            }
            f.object(ObjectRef::of(&t.data_elements[de]))
                .target(first.target_ref())
        })
        .collect()
}
