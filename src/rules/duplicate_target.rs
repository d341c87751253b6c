use std::collections::BTreeMap;

use crate::diagnostic::{Finding, ObjectRef};
use crate::job::Job;
use crate::model::Identifiable;

declare_rule! {
    /// ## What it does
    /// Finds program indicators that resolve to the same target: the same data
    /// element, category option combo and attribute option combo (compared after
    /// resolution, so a code and a UID of the same object are the same target; an
    /// empty COC and the default COC too). One finding per target, naming every
    /// program indicator.
    ///
    /// ## Why is this bad?
    /// The export holds one row per program indicator, so the import receives several
    /// values for one data value key and keeps whichever comes last: one figure
    /// silently overwrites the other, and which one wins depends on row order.
    ///
    /// ## How to fix
    /// Give each program indicator its own category option combo (or attribute option
    /// combo), or remove the mapping from all but one of them. If the figures must be
    /// added up, make one program indicator that counts both.
    ///
    /// ## Example
    /// PIs "ANC 1st visit" and "ANC 1st visit (new)" both carry `ANC_1ST_VISIT` with no
    /// COC.
    pub static RULE = {
        id: DUPLICATE_TARGET,
        summary: "two or more program indicators resolve to the same data element + category option combo + attribute option combo",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let t = cx.target;
    let mut groups: BTreeMap<(usize, Option<usize>, Option<usize>), Vec<usize>> = BTreeMap::new();
    for (i, m) in cx.mappings.iter().enumerate() {
        if let Some(key) = m.key(t) {
            groups.entry(key).or_default().push(i);
        }
    }
    groups
        .into_iter()
        .filter(|(_, ms)| ms.len() > 1)
        .map(|((de, coc, aoc), ms)| {
            let (pis, names) = cx.pis_of(&ms);
            let label = |c: Option<usize>| match c {
                None => "default".to_string(),
                Some(i) => {
                    let o = &t.category_option_combos[i];
                    o.code().unwrap_or(o.id()).to_string()
                }
            };
            let first = &cx.mappings[ms[0]];
            let mut f = Finding::new(
                &RULE,
                format!(
                    "{} program indicators send values to the same target: data element `{}`, category option combo `{}`, attribute option combo `{}`: {}",
                    ms.len(),
                    t.data_elements[de].code().unwrap_or(&first.de),
                    label(coc),
                    label(aoc),
                    names.join(", ")
                ),
                "each data value key can hold one value, so all but one of these figures are overwritten on import; give each program indicator its own category option combo, or keep the mapping on one of them",
            )
            .objects(pis)
            .object(cx.de_ref(de));
            if let Some(c) = coc {
                f = f.object(cx.coc_ref(c));
            }
            if let Some(a) = aoc {
                f = f.object(ObjectRef::of(&t.category_option_combos[a]));
            }
            f.target(first.target_ref())
        })
        .collect()
}
