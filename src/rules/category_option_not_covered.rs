use super::records::{block_finding, record_job};
use crate::diagnostic::{Finding, ObjectRef};
use crate::job::Job;
use crate::model::Identifiable;

declare_rule! {
    /// ## What it does
    /// Checks that a block's tables cover its data element's combo (after the data set
    /// element's override): every category of the combo is named, and every option of
    /// a named category has a predicate (or the category has an `"else"` option that
    /// takes what the others leave, and is itself one of them). With explicit
    /// `[[aggregate.combos]]`, every option combo of the combo must be listed.
    ///
    /// ## Why is this bad?
    /// An option combo no predicate reaches is never sent: its cells stay empty, and
    /// stale values in them from an earlier run or another source are never cleared.
    /// A category left out altogether leaves no option combo to send at all.
    ///
    /// ## How to fix
    /// Give each option a predicate (an `"else"` option catches the rest), or name the
    /// missing option combos.
    ///
    /// ## Example
    /// The combo "Sex and age" holds `AGE_0_4`, `AGE_5_14` and `AGE_15P`; the block's
    /// `AGE` table names only the first two.
    pub static RULE = {
        id: CATEGORY_OPTION_NOT_COVERED,
        summary: "options of the data element's combo that no predicate of the block reaches",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let Some(rj) = record_job(cx) else {
        return Vec::new();
    };
    let t = cx.target;
    let mut out = Vec::new();
    for (bi, (b, bound)) in rj.blocks.iter().zip(&rj.side.binding.blocks).enumerate() {
        let (Some(_), Some(combo)) = (bound.de, bound.combo) else {
            continue;
        };
        if t.is_default_combo(combo) {
            continue;
        }
        if !b.categories.is_empty() {
            for &cat in &bound.missing_categories {
                let c = &t.categories[cat];
                out.push(
                    block_finding(
                        &RULE,
                        cx,
                        bi,
                        b.categories[0].category.span.clone(),
                        format!(
                            "block \"{}\" names no options of category `{}` of the combo \"{}\": no option combo can be formed, nothing of this block is sent",
                            b.name,
                            c.code().unwrap_or(c.name()),
                            t.category_combos[combo].name()
                        ),
                        format!("add `[aggregate.categories.{}]` with a predicate per option", c.code().unwrap_or(c.name())),
                    )
                    .object(ObjectRef::of(c)),
                );
            }
            for (c, bc) in b.categories.iter().zip(&bound.categories) {
                let Some(cat) = bc.target else { continue };
                let named: Vec<usize> = bc.options.iter().flatten().copied().collect();
                let missing: Vec<String> = t.categories[cat]
                    .category_options
                    .iter()
                    .filter_map(|id| t.category_options.id(id))
                    .filter(|o| !named.contains(o))
                    .map(|o| {
                        let opt = &t.category_options[o];
                        format!("`{}`", opt.code().unwrap_or(opt.name()))
                    })
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                out.push(
                    block_finding(
                        &RULE,
                        cx,
                        bi,
                        c.category.span.clone(),
                        format!(
                            "block \"{}\", category `{}`: options {} have no predicate; their option combos are never sent",
                            b.name,
                            c.category.value,
                            missing.join(", ")
                        ),
                        "give each a predicate, or leave them out of the data element's combo",
                    )
                    .object(ObjectRef::of(&t.categories[cat])),
                );
            }
        } else if !b.combos.is_empty() {
            let listed: Vec<usize> = bound.explicit.iter().flatten().copied().collect();
            let unused: Vec<String> = t
                .combo_cocs(combo)
                .iter()
                .filter(|c| !listed.contains(c))
                .map(|&c| {
                    let o = &t.category_option_combos[c];
                    format!("`{}`", o.code().unwrap_or(o.id()))
                })
                .collect();
            if !unused.is_empty() {
                out.push(block_finding(
                    &RULE,
                    cx,
                    bi,
                    b.combos[0].span.clone(),
                    format!(
                        "block \"{}\": option combos {} of \"{}\" are in no `combos` entry; they are never sent",
                        b.name,
                        unused.join(", "),
                        t.category_combos[combo].name()
                    ),
                    "add a `[[aggregate.combos]]` entry for each",
                ));
            }
        }
    }
    out
}
