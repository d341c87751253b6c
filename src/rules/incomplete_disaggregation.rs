use crate::diagnostic::Finding;
use crate::job::Job;
use crate::model::Identifiable;

declare_rule! {
    /// ## What it does
    /// Notes a target data element that the job feeds for some, but not all, option
    /// combos of its (non-default) category combo.
    ///
    /// ## Why is this bad?
    /// The missing cells stay empty in the HMIS, and the data element's total is short
    /// by whatever they would hold. Often a program indicator for one sex or age group
    /// was never made, or carries a typo that sends it elsewhere.
    ///
    /// ## How to fix
    /// Add program indicators for the missing option combos, or accept the gap (a
    /// combo whose other cells another source fills).
    ///
    /// ## Example
    /// `MAL_CASES` (combo "Sex": Male, Female) is fed for `MALE` only.
    pub static RULE = {
        id: INCOMPLETE_DISAGGREGATION,
        summary: "a target data element is mapped for some but not all option combos of its category combo",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let t = cx.target;
    let mut out = Vec::new();
    // One pass over the mappings: the option combos each data element is fed for.
    let mut by_de: std::collections::BTreeMap<usize, (Vec<usize>, Vec<usize>)> = Default::default();
    for (mi, m) in cx.mappings.iter().enumerate() {
        let Some(de) = m.target_de else { continue };
        let cocs = m.fed_cocs(t);
        if !cocs.is_empty() {
            let (fed, ms) = by_de.entry(de).or_default();
            fed.extend(cocs);
            ms.push(mi);
        }
    }
    for (de, (fed, ms)) in by_de {
        for combo in t.effective_combos(de) {
            if t.is_default_combo(combo) {
                continue;
            }
            let cocs = t.combo_cocs(combo);
            let in_combo = cocs.iter().filter(|c| fed.contains(c)).count();
            if in_combo == 0 || in_combo == cocs.len() {
                continue;
            }
            let missing: Vec<usize> = cocs.iter().copied().filter(|c| !fed.contains(c)).collect();
            let names: Vec<String> = missing
                .iter()
                .map(|&c| {
                    let o = &t.category_option_combos[c];
                    format!("`{}`", o.code().unwrap_or(o.name()))
                })
                .collect();
            let d = &t.data_elements[de];
            let (pis, _) = cx.pis_of(&ms);
            out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "data element `{}` is fed for {in_combo} of the {} option combos of \"{}\"; no program indicator sends {}",
                        d.code().unwrap_or(d.id()),
                        cocs.len(),
                        t.category_combos[combo].name(),
                        names.join(", ")
                    ),
                    "add program indicators for the missing option combos, or accept the gap if another source fills them",
                )
                .object(cx.de_ref(de))
                .objects(missing.iter().map(|&c| cx.coc_ref(c)))
                .objects(pis),
            );
        }
    }
    out
}
