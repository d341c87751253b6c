use super::help::unresolved_hints;
use crate::diagnostic::{Finding, ObjectRef};
use crate::job::{Combo, Mapping};
use crate::job::{Job, transferable};
use crate::model::Identifiable;

declare_rule! {
    /// ## What it does
    /// For program indicators that name an attribute option combo
    /// (`aggregateExportAttributeOptionCombo`), checks that it exists in the target
    /// (resolved with the category option combo id scheme, as DHIS2 does on import) and
    /// that it belongs to the attribute category combo of the data set(s) holding the
    /// target data element. Program indicators without one are not checked: the
    /// default applies.
    ///
    /// ## Why is this bad?
    /// An unknown attribute option combo rejects every value (E7615). One outside the
    /// data set's attribute combo is stored where no data set shows it: the values
    /// disappear from forms, completeness and approval.
    ///
    /// ## How to fix
    /// Use an attribute option combo of the data set's attribute category combo (for
    /// example the funding mechanism or partner of the data set), or clear the field.
    ///
    /// ## Example
    /// PI "HIV tests (partner A)" names AOC `PARTNER_A`, but the data set "HIV monthly"
    /// uses the default attribute combo.
    pub static RULE = {
        id: UNKNOWN_ATTRIBUTE_OPTION_COMBO,
        summary: "the program indicator's attribute option combo does not resolve, or is not in the attribute category combo of the data set(s) holding the data element",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    cx.mappings.iter().filter_map(|m| finding(cx, m)).collect()
}

fn finding(cx: &Job<'_>, m: &Mapping) -> Option<Finding> {
    let aoc = m.aoc.as_deref()?;
    let t = cx.target;
    let scheme = &cx.config.mapping.category_option_combo_id_scheme;
    match m.target_aoc {
        // disaggregation-combo-mismatch judges those.
        Combo::Default | Combo::Disaggregated => None,
        Combo::Unknown => {
            let hints = unresolved_hints(
                &t.category_option_combos,
                scheme,
                aoc,
                "attribute option combo",
                "category_option_combo_id_scheme",
            );
            Some(
                Finding::new(
                    &RULE,
                    format!(
                        "program indicator {} sends attribute option combo `{aoc}`, which does not exist in the target (matched by {scheme})",
                        cx.pi_label(m)
                    ),
                    "set `aggregateExportAttributeOptionCombo` to an attribute option combo of the data set's attribute category combo, or clear it for the default",
                )
                .hints(hints)
                .grouped(
                    format!("attribute option combo `{aoc}` does not exist in the target (matched by {scheme})"),
                    cx.pi_label(m),
                )
                .object(cx.pi_ref(m))
                .target(m.target_ref()),
            )
        }
        Combo::Found(a) => {
            let de = m.target_de?;
            let data_sets = cx.graph.data_sets_of(de);
            if data_sets.is_empty() {
                return None;
            }
            if data_sets.iter().any(|&ds| transferable::aoc_fits(t, ds, a)) {
                return None;
            }
            let attr_combo = |ds: usize| transferable::attribute_combo(t, ds);
            let names: Vec<String> = data_sets
                .iter()
                .map(|&ds| {
                    let combo = attr_combo(ds)
                        .map(|c| t.category_combos[c].name())
                        .unwrap_or("default");
                    format!(
                        "\"{}\" (attribute combo \"{combo}\")",
                        t.data_sets[ds].name()
                    )
                })
                .collect();
            Some(
                Finding::new(
                    &RULE,
                    format!(
                        "program indicator {} sends attribute option combo `{aoc}` to data element `{}`, but no data set holding it uses that attribute option combo: {}",
                        cx.pi_label(m),
                        m.de,
                        names.join(", ")
                    ),
                    "use an attribute option combo of the data set's attribute category combo, or clear `aggregateExportAttributeOptionCombo` for the default",
                )
                .grouped(
                    format!(
                        "no data set holding data element `{}` uses attribute option combo `{aoc}`: {}",
                        m.de,
                        names.join(", ")
                    ),
                    cx.pi_label(m),
                )
                .object(cx.pi_ref(m))
                .object(cx.de_ref(de))
                .object(ObjectRef::of(&t.category_option_combos[a]))
                .objects(data_sets.iter().map(|&ds| cx.data_set_ref(ds)))
                .target(m.target_ref()),
            )
        }
    }
}
