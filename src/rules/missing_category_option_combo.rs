use super::help::list_some;
use crate::diagnostic::{Finding, ObjectRef};
use crate::job::{Combo, Mapping};
use crate::job::{Job, transferable};
use crate::model::Identifiable;

declare_rule! {
    /// ## What it does
    /// Checks that a program indicator without a category option combo targets a data
    /// element whose category combo is the default one (taking data set overrides into
    /// account).
    ///
    /// ## Why is this bad?
    /// With no `aggregateExportCategoryOptionCombo` the value is imported under the
    /// default option combo. A data element disaggregated by, say, sex and age then
    /// receives a value outside all of its option combos: it is stored but never
    /// shown in the form or summed into totals, unless the target requires a COC, in
    /// which case the import rejects it (E7630).
    ///
    /// ## How to fix
    /// Give the program indicator the option combo it counts, one PI per option combo
    /// (e.g. one PI per sex and age group), or target an undisaggregated data element.
    ///
    /// ## Example
    /// PI "Malaria cases" with no COC targets `MAL_CASES`, whose category combo is
    /// "Sex" (`MALE`, `FEMALE`).
    pub static RULE = {
        id: MISSING_CATEGORY_OPTION_COMBO,
        summary: "the program indicator has no category option combo but the target data element's category combo is not the default one",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    cx.mappings.iter().filter_map(|m| finding(cx, m)).collect()
}

fn finding(cx: &Job<'_>, m: &Mapping) -> Option<Finding> {
    let de = m.target_de?;
    if m.target_coc != Combo::Default {
        return None;
    }
    let t = cx.target;
    if !transferable::needs_coc(t, de) {
        return None;
    }
    let combos = t.effective_combos(de);
    let options: Vec<String> = combos
        .iter()
        .flat_map(|&c| t.combo_cocs(c).iter())
        .map(|&i| {
            let o = &t.category_option_combos[i];
            format!("`{}`", o.code().unwrap_or(o.id()))
        })
        .collect();
    let combo_names: Vec<String> = combos
        .iter()
        .map(|&c| format!("\"{}\"", t.category_combos[c].name()))
        .collect();
    Some(
        Finding::new(
            &RULE,
            format!(
                "program indicator {} has no category option combo, but data element `{}` is disaggregated by category combo {}",
                cx.pi_label(m),
                m.de,
                combo_names.join(" / ")
            ),
            format!(
                "set `aggregateExportCategoryOptionCombo` on the program indicator to one of {} (one program indicator per option combo)",
                list_some(&options, 8)
            ),
        )
        .grouped(
            format!(
                "data element `{}` is disaggregated by category combo {}, but no category option combo is sent to it",
                m.de,
                combo_names.join(" / ")
            ),
            cx.pi_label(m),
        )
        .object(cx.pi_ref(m))
        .object(cx.de_ref(de))
        .objects(combos.iter().map(|&c| ObjectRef::of(&t.category_combos[c])))
        .target(m.target_ref()),
    )
}
