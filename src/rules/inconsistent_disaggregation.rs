use std::collections::BTreeMap;

use crate::diagnostic::{Finding, ObjectRef};
use crate::job::{Job, Mapping};

declare_rule! {
    /// ## What it does
    /// For the mapped program indicators that feed two or more category option combos
    /// of one data element and attribute option combo, checks that they count the same
    /// unit: analytics type, aggregation type (absent = AVERAGE), `orgUnitField` (from
    /// 2.40), boundaries, and, between PIs whose whole expression is a count variable,
    /// the variable. Expressions and filters may differ: that is where the
    /// disaggregation lives. PIs reported by `duplicate-disaggregation` are left out.
    ///
    /// ## Why is this bad?
    /// The option combos of one data element add up to its total. When "under 5"
    /// counts events and "5 and over" counts enrollments, or one is bounded by the
    /// enrollment date and the other by the event date, the total mixes units and the
    /// disaggregation does not add up to anything real.
    ///
    /// ## How to fix
    /// Define the sibling PIs alike and let only their filters differ.
    ///
    /// ## Example
    /// `MAL_CASES` `<5y` from an EVENT PI `V{event_count}`, `5y+` from an ENROLLMENT PI
    /// `V{enrollment_count}`.
    pub static RULE = {
        id: INCONSISTENT_DISAGGREGATION,
        summary: "the mapped program indicators feeding the option combos of one data element count different units (analytics type, aggregation type, org unit field, boundaries or count variable differ)",
        check: check,
    }
}

/// What a PI counts, aspect by aspect: everything but the expression and filter.
fn unit(cx: &Job<'_>, m: &Mapping) -> [(&'static str, String); 5] {
    let pi = &cx.source.program_indicators[m.pi];
    let v = cx.texts().version;
    let mut bounds: Vec<String> = pi
        .analytics_period_boundaries
        .iter()
        .flatten()
        .map(|b| {
            format!(
                "{} {}{}",
                b.analytics_period_boundary_type.as_deref().unwrap_or("?"),
                b.boundary_target.as_deref().unwrap_or("?"),
                match (&b.offset_period_type, b.offset_periods) {
                    (Some(t), Some(n)) if n != 0 => format!(" {n:+} {t}"),
                    _ => String::new(),
                }
            )
        })
        .collect();
    bounds.sort();
    let ou = if v.at_least(40) {
        pi.org_unit_field.as_deref().unwrap_or("default")
    } else {
        "default"
    };
    let counting = cx
        .texts()
        .of(m.pi)
        .and_then(|t| t.whole_variable())
        .filter(|v| {
            matches!(
                *v,
                "event_count"
                    | "enrollment_count"
                    | "tei_count"
                    | "org_unit_count"
                    | "scheduled_event_count"
            )
        })
        .map(|v| format!("V{{{v}}}"))
        .unwrap_or_default();
    [
        (
            "analytics type",
            pi.analytics_type.clone().unwrap_or_else(|| "EVENT".into()),
        ),
        (
            "aggregation type",
            pi.aggregation_type
                .clone()
                .unwrap_or_else(|| "AVERAGE".into()),
        ),
        ("org unit field", ou.to_string()),
        ("boundaries", format!("[{}]", bounds.join("; "))),
        ("count variable", counting),
    ]
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let t = cx.target;
    let in_duplicates: rustc_hash::FxHashSet<usize> = super::duplicate_disaggregation::groups(cx)
        .iter()
        .flatten()
        .copied()
        .collect();
    let mut by_target: BTreeMap<(usize, Option<usize>), Vec<usize>> = BTreeMap::new();
    for (i, m) in cx.mappings.iter().enumerate() {
        if in_duplicates.contains(&i) || !super::duplicate_disaggregation::comparable(cx, m) {
            continue;
        }
        if let Some((de, _, aoc)) = m.key(t) {
            by_target.entry((de, aoc)).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for ((de, _), ms) in by_target {
        let mut cocs: Vec<Option<usize>> = ms
            .iter()
            .filter_map(|&i| cx.mappings[i].key(t).map(|k| k.1))
            .collect();
        cocs.sort_unstable();
        cocs.dedup();
        if cocs.len() < 2 {
            continue;
        }
        let units: Vec<[(&'static str, String); 5]> =
            ms.iter().map(|&i| unit(cx, &cx.mappings[i])).collect();
        let mut differences = Vec::new();
        for aspect in 0..5 {
            // Count variables are compared only between PIs that are one.
            let values: BTreeMap<&str, Vec<usize>> = units
                .iter()
                .zip(&ms)
                .filter(|(u, _)| aspect != 4 || !u[4].1.is_empty())
                .fold(BTreeMap::new(), |mut acc, (u, &i)| {
                    acc.entry(u[aspect].1.as_str())
                        .or_insert_with(Vec::new)
                        .push(i);
                    acc
                });
            if values.len() < 2 {
                continue;
            }
            let parts: Vec<String> = values
                .iter()
                .map(|(value, who)| {
                    let names: Vec<String> = who
                        .iter()
                        .map(|&i| {
                            let m = &cx.mappings[i];
                            format!("`{}`", m.coc.as_deref().unwrap_or("default"))
                        })
                        .collect();
                    format!("{value} for {}", names.join(", "))
                })
                .collect();
            differences.push(format!("{}: {}", units[0][aspect].0, parts.join(" vs ")));
        }
        if differences.is_empty() {
            continue;
        }
        let (_, labels) = cx.pis_of(&ms);
        let mut f = Finding::new(
            &RULE,
            format!(
                "the program indicators feeding the option combos of data element `{}` count different units, so its total mixes them; {} (program indicators {})",
                cx.mappings[ms[0]].de,
                differences.join("; "),
                labels.join(", ")
            ),
            "define the sibling program indicators alike (analytics type, aggregation type, boundaries, org unit field, count variable) and let only their filters differ",
        );
        for &i in &ms {
            f = f.object(cx.pi_ref(&cx.mappings[i]));
        }
        out.push(f.object(ObjectRef::of(&t.data_elements[de])));
    }
    out
}
