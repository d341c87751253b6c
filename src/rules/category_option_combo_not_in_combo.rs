use super::help::list_some;
use crate::diagnostic::{Finding, ObjectRef};
use crate::job::{Combo, Mapping};
use crate::job::{Job, transferable};
use crate::model::Identifiable;

declare_rule! {
    /// ## What it does
    /// Checks that the category option combo of each mapping belongs to the category
    /// combo of the target data element. Where a data set overrides the data element's
    /// category combo (a data set element with its own `categoryCombo`), the override's
    /// option combos are allowed too.
    ///
    /// ## Why is this bad?
    /// Unless the target runs with `strictCategoryOptionCombos`, DHIS2 accepts the
    /// value and stores it under a disaggregation the data element does not have: it
    /// appears in no data entry form, no total, no pivot table, yet it is there,
    /// and a later fix does not remove it. With the strict setting the import rejects it
    /// (E7634) instead.
    ///
    /// ## How to fix
    /// Point the program indicator at a data element whose category combo holds this
    /// option combo, or use one of the data element's own option combos, or change the
    /// data element's category combo in the target.
    ///
    /// ## Example
    /// PI `IUs0oR3Wv4X` sends COC `TB_LTFU` (of combo "TB - TX outcome") to
    /// `TB_OUTCOME_SHORT_REG_RIF_S`, whose category combo is `default`.
    pub static RULE = {
        id: CATEGORY_OPTION_COMBO_NOT_IN_COMBO,
        summary: "the category option combo exists but is not in the category combo of the target data element (or of a data set's override)",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let mut out: Vec<Finding> = cx.mappings.iter().filter_map(|m| finding(cx, m)).collect();
    out.extend(block_findings(cx));
    out
}

/// Record jobs: a `categories` table that names a category or an option the data
/// element's combo does not hold.
fn block_findings(cx: &Job<'_>) -> Vec<Finding> {
    let Some(side) = cx.records else {
        return Vec::new();
    };
    let t = cx.target;
    let mut out = Vec::new();
    for (bi, (b, bound)) in cx
        .config
        .aggregates
        .iter()
        .zip(&side.binding.blocks)
        .enumerate()
    {
        let (Some(de), Some(combo)) = (bound.de, bound.combo) else {
            continue;
        };
        let d = &t.data_elements[de];
        let combo_name = t.category_combos[combo].name();
        for (c, bc) in b.categories.iter().zip(&bound.categories) {
            let Some(cat) = bc.target else {
                let names: Vec<String> = t.category_combos[combo]
                    .categories
                    .iter()
                    .filter_map(|id| t.categories.get(id))
                    .map(|c| format!("`{}`", c.code().unwrap_or(c.name())))
                    .collect();
                out.push(super::records::block_finding(
                    &RULE,
                    cx,
                    bi,
                    c.category.span.clone(),
                    format!(
                        "block \"{}\" disaggregates by category `{}`, which is not a category of `{}`'s combo \"{combo_name}\"",
                        b.name,
                        c.category.value,
                        d.code().unwrap_or(d.id())
                    ),
                    format!("name the combo's categories by code or name: {}", names.join(", ")),
                ).object(ObjectRef::of(&t.category_combos[combo])));
                continue;
            };
            for (o, target) in c.options.iter().zip(&bc.options) {
                if target.is_some() {
                    continue;
                }
                let names: Vec<String> = t.categories[cat]
                    .category_options
                    .iter()
                    .filter_map(|id| t.category_options.get(id))
                    .map(|o| format!("`{}`", o.code().unwrap_or(o.name())))
                    .collect();
                out.push(
                    super::records::block_finding(
                        &RULE,
                        cx,
                        bi,
                        o.option.span.clone(),
                        format!(
                            "block \"{}\": `{}` is not an option of category `{}`",
                            b.name, o.option.value, c.category.value
                        ),
                        format!("the category's options are: {}", names.join(", ")),
                    )
                    .object(ObjectRef::of(&t.categories[cat])),
                );
            }
        }
    }
    out
}

fn finding(cx: &Job<'_>, m: &Mapping) -> Option<Finding> {
    let de = m.target_de?;
    let Combo::Found(coc) = m.target_coc else {
        return None;
    };
    let t = cx.target;
    if transferable::coc_fits(t, de, coc) {
        return None;
    }
    let combos = t.effective_combos(de);
    let coc_obj = &t.category_option_combos[coc];
    let coc_combo = coc_obj
        .category_combo
        .as_ref()
        .and_then(|r| t.category_combos.id(&r.id))
        .map(|c| format!(" (of category combo \"{}\")", t.category_combos[c].name()))
        .unwrap_or_default();
    let coc_text = m.coc.as_deref().unwrap_or("");
    let options: Vec<String> = combos
        .iter()
        .filter(|&&c| !t.is_default_combo(c))
        .map(|&c| {
            let cocs: Vec<String> = t
                .combo_cocs(c)
                .iter()
                .map(|&i| {
                    let o = &t.category_option_combos[i];
                    format!("`{}`", o.code().unwrap_or(o.id()))
                })
                .collect();
            format!(
                "\"{}\" ({})",
                t.category_combos[c].name(),
                list_some(&cocs, 6)
            )
        })
        .collect();
    let (help, for_all) = if options.is_empty() {
        let fix = "the data element is not disaggregated (category combo `default`): clear `aggregateExportCategoryOptionCombo` on the program indicator, or target a data element whose category combo holds";
        (
            format!("{fix} `{coc_text}`"),
            format!("{fix} the option combo it sends"),
        )
    } else {
        let fix = format!(
            "use an option combo of {}, or target a data element whose category combo holds",
            options.join(" or ")
        );
        (
            format!("{fix} `{coc_text}`"),
            format!("{fix} the option combo sent"),
        )
    };
    let combo_names: Vec<String> = combos
        .iter()
        .map(|&c| format!("`{}`", t.category_combos[c].name()))
        .collect();
    let combo_objects = combos.iter().map(|&c| ObjectRef::of(&t.category_combos[c]));
    Some(
        Finding::new(
            &RULE,
            format!(
                "program indicator {} sends category option combo `{}`{coc_combo} to data element `{}`, whose category combo does not contain it",
                cx.pi_label(m),
                m.coc.as_deref().unwrap_or(""),
                m.de
            ),
            help,
        )
        .grouped(
            format!(
                "data element `{}` (category combo {}) does not hold the category option combos sent to it",
                m.de,
                combo_names.join(" / ")
            ),
            format!("{} sends `{coc_text}`{coc_combo}", cx.pi_label(m)),
        )
        .group_help(for_all)
        .object(cx.pi_ref(m))
        .object(cx.de_ref(de))
        .object(cx.coc_ref(coc))
        .objects(combo_objects)
        .target(m.target_ref()),
    )
}
