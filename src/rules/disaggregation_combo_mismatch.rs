use super::help::{list_some, plural};
use crate::diagnostic::{Finding, ObjectRef};
use crate::job::disaggregation::{Misfit, Side, SideKind, misfit};
use crate::job::transferable::attribute_combos;
use crate::job::{Job, Mapping};
use crate::model::Identifiable;

declare_rule! {
    /// ## What it does
    /// For DHIS2 2.42+ disaggregated program indicators (a `categoryCombo` or
    /// `attributeCombo` that is not the default), compares what the PI exports with the
    /// target data element. DHIS2 puts the *source's* option combo UIDs into every row
    /// (`piUid.cocUid.aocUid`; no id scheme translates them), so the check is by UID:
    /// the PI's category combo must be a combo the target collects the data element
    /// with (its own, or a data set element's override), its attribute combo the
    /// attribute combo of a data set holding it, and every option combo it exports (the
    /// combo's option combos whose options its category mappings reach) must exist in
    /// the target inside that combo.
    ///
    /// The fixed `aggregateExportCategoryOptionCombo` / `…AttributeOptionCombo` of a
    /// disaggregated side is not used by DHIS2 and not checked.
    ///
    /// ## Why is this bad?
    /// DHIS2 checks nothing of this (§12.5 of the reference): the values leave with
    /// option combos the target does not know (E7613 on import, every value of that
    /// COC lost) or that belong to another combo (stored where no form shows them).
    ///
    /// ## How to fix
    /// Give the PI the target data element's category combo, with the same UIDs in both
    /// instances (import the target's category model into the source), or map the PI
    /// to a data element collected with the PI's combo.
    ///
    /// ## Example
    /// PI "Malaria cases by age" is disaggregated by the source's "Age (4 groups)"; the
    /// target data element `MAL_CASES` is collected with "Age (2 groups)".
    pub static RULE = {
        id: DISAGGREGATION_COMBO_MISMATCH,
        summary: "a disaggregated program indicator's category combo (or attribute combo) is not the target data element's, or the option combo UIDs it exports do not exist there",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    cx.mappings
        .iter()
        .flat_map(|m| {
            let (Some(d), Some(de)) = (&m.disaggregation, m.target_de) else {
                return Vec::new();
            };
            d.sides()
                .filter_map(|s| {
                    let allowed = match s.kind {
                        SideKind::Coc => cx.target.effective_combos(de),
                        SideKind::Aoc => attribute_combos(cx, de),
                    };
                    // An attribute side with no data set: data-element-not-in-data-set.
                    if s.kind == SideKind::Aoc && cx.graph.data_sets_of(de).is_empty() {
                        return None;
                    }
                    let scheme = &cx.config.mapping.category_option_combo_id_scheme;
                    let bad = misfit(cx.target, &allowed, s, scheme)?;
                    Some(finding(cx, m, de, s, &allowed, &bad))
                })
                .collect()
        })
        .collect()
}

fn finding(
    cx: &Job<'_>,
    m: &Mapping,
    de: usize,
    s: &Side,
    allowed: &[usize],
    bad: &Misfit,
) -> Finding {
    let (src, t) = (cx.source, cx.target);
    let combo_name = match s.source_combo {
        Some(c) => format!("\"{}\" ({})", src.category_combos[c].name(), s.combo),
        None => format!("`{}`", s.combo),
    };
    let names: Vec<String> = allowed
        .iter()
        .map(|&c| {
            let k = &t.category_combos[c];
            format!("\"{}\" ({})", k.name(), k.id)
        })
        .collect();
    let target_side = match s.kind {
        SideKind::Coc => format!("data element `{}` is collected with", m.de),
        SideKind::Aoc => format!("the data sets holding `{}` use", m.de),
    };
    let (what, field) = (s.kind.what(), s.kind.field());
    let mut parts = Vec::new();
    if bad.combo_mismatch {
        parts.push(format!(
            "{target_side} {}",
            if names.is_empty() {
                "no known combo".to_string()
            } else {
                names.join(" / ")
            }
        ));
    }
    if !bad.missing.is_empty() {
        let ids: Vec<String> = bad.missing.iter().map(|id| option_combo(cx, id)).collect();
        parts.push(format!(
            "{} of the {} it exports {} not exist in the target (by UID): {}",
            bad.missing.len(),
            plural(s.exported.len(), what, &format!("{what}s")),
            if bad.missing.len() == 1 { "does" } else { "do" },
            list_some(&ids, 6)
        ));
    }
    if !bad.outside.is_empty() {
        let ids: Vec<String> = bad
            .outside
            .iter()
            .map(|&c| {
                let o = &t.category_option_combos[c];
                format!("\"{}\" ({})", o.name(), o.id)
            })
            .collect();
        parts.push(format!(
            "{} it exports {} to another combo in the target: {}",
            plural(bad.outside.len(), what, &format!("{what}s")),
            if bad.outside.len() == 1 {
                "belongs"
            } else {
                "belong"
            },
            list_some(&ids, 6)
        ));
    }
    if !bad.unnamed.is_empty() {
        let scheme = &cx.config.mapping.category_option_combo_id_scheme;
        let ids: Vec<String> = bad
            .unnamed
            .iter()
            .map(|&c| {
                let o = &t.category_option_combos[c];
                format!("\"{}\" ({})", o.name(), o.id)
            })
            .collect();
        parts.push(format!(
            "{} it exports {} no identifier under the job's category option combo id scheme ({scheme}), so {} cannot be imported: {}",
            plural(bad.unnamed.len(), what, &format!("{what}s")),
            if bad.unnamed.len() == 1 { "has" } else { "have" },
            if bad.unnamed.len() == 1 { "its values" } else { "their values" },
            list_some(&ids, 6)
        ));
    }
    let message = format!(
        "program indicator {} is disaggregated by {combo_name} (`{field}`), but {}",
        cx.pi_label(m),
        parts.join("; ")
    );
    let fix = if !bad.combo_mismatch && bad.missing.is_empty() && bad.outside.is_empty() {
        "give those option combos codes in the target, or use `category_option_combo_id_scheme = \"UID\"` (the fixed option combos of the other PIs then need UIDs too)".to_string()
    } else if bad.combo_mismatch {
        format!(
            "give the PI the combo the target uses ({}), with the same category model UIDs in both instances, or map the PI to a data element collected with its combo",
            if names.is_empty() {
                "none known".to_string()
            } else {
                names.join(" / ")
            }
        )
    } else {
        "import the target's category option combos into the source (same UIDs), so that what the PI exports exists in the target".to_string()
    };
    let mut f = Finding::new(&RULE, message, fix)
        .grouped(
            format!("disaggregated by {combo_name}, which does not match the target"),
            cx.pi_label(m),
        )
        .object(cx.pi_ref(m))
        .object(cx.de_ref(de));
    for &c in allowed {
        f = f.object(ObjectRef::of(&t.category_combos[c]));
    }
    f.target(m.target_ref())
}

/// An exported option combo as the source names it.
fn option_combo(cx: &Job<'_>, uid: &str) -> String {
    match cx.source.category_option_combos.get(uid) {
        Some(o) if !o.name().is_empty() => format!("\"{}\" ({uid})", o.name()),
        _ => format!("`{uid}`"),
    }
}
