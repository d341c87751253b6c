use std::collections::BTreeMap;

use crate::diagnostic::{Finding, ObjectRef};
use crate::job::Job;
use crate::job::mappings::TargetKey;
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
    let mut groups: BTreeMap<TargetKey, Vec<usize>> = BTreeMap::new();
    for (i, m) in cx.mappings.iter().enumerate() {
        for key in m.keys(t) {
            groups.entry(key).or_default().push(i);
        }
    }
    // Disaggregated PIs share many keys: one finding per set of PIs and data element.
    let mut shared: BTreeMap<(usize, Vec<usize>), Vec<TargetKey>> = BTreeMap::new();
    for (key, ms) in groups.into_iter().filter(|(_, ms)| ms.len() > 1) {
        shared.entry((key.0, ms)).or_default().push(key);
    }
    shared
        .into_iter()
        .map(|((de, ms), keys)| finding(cx, de, &ms, &keys))
        .collect()
}

fn finding(cx: &Job<'_>, de: usize, ms: &[usize], keys: &[TargetKey]) -> Finding {
    let t = cx.target;
    let (pis, names) = cx.pis_of(ms);
    let label = |c: Option<usize>| match c {
        None => "default".to_string(),
        Some(i) => {
            let o = &t.category_option_combos[i];
            o.code().unwrap_or(o.id()).to_string()
        }
    };
    let first = &cx.mappings[ms[0]];
    let de_code = t.data_elements[de].code().unwrap_or(&first.de);
    let message = match keys {
        [(_, coc, aoc)] => format!(
            "{} program indicators send values to the same target: data element `{de_code}`, category option combo `{}`, attribute option combo `{}`: {}",
            ms.len(),
            label(*coc),
            label(*aoc),
            names.join(", ")
        ),
        _ => format!(
            "{} program indicators send values to the same {} targets of data element `{de_code}` (category option combo / attribute option combo {}): {}",
            ms.len(),
            keys.len(),
            super::help::list_some(
                &keys
                    .iter()
                    .map(|(_, c, a)| format!("`{}`/`{}`", label(*c), label(*a)))
                    .collect::<Vec<_>>(),
                6
            ),
            names.join(", ")
        ),
    };
    let mut f = Finding::new(
        &RULE,
        message,
        "each data value key can hold one value, so all but one of these figures are overwritten on import; give each program indicator its own category option combo, or keep the mapping on one of them",
    )
    .objects(pis)
    .object(cx.de_ref(de));
    let mut combos: Vec<usize> = Vec::new();
    for c in keys.iter().flat_map(|(_, c, a)| [*c, *a]).flatten() {
        if !combos.contains(&c) {
            combos.push(c);
            f = f.object(ObjectRef::of(&t.category_option_combos[c]));
        }
    }
    f.target(first.target_ref())
}
