use crate::diagnostic::{Finding, ObjectRef};
use crate::idscheme::IdScheme;
use crate::job::Job;
use crate::model::Identifiable;

declare_rule! {
    /// ## What it does
    /// Under the CODE id scheme, checks that the data elements and category option
    /// combos of the data sets the job feeds have codes. One finding per data set.
    ///
    /// ## Why is this bad?
    /// Program indicators name their targets by code. An object without a code cannot
    /// be named: its cells stay empty, and a combo with uncoded option combos invites
    /// look-alike codes from another combo.
    ///
    /// ## How to fix
    /// Give the objects codes (Maintenance), or resolve by UID
    /// (`mapping.data_element_id_scheme` / `category_option_combo_id_scheme = "UID"`).
    ///
    /// ## Example
    /// The option combos `<5 years` and `5+ years` of "Age" have no code.
    pub static RULE = {
        id: TARGET_WITHOUT_CODE,
        summary: "a data element or category option combo of a fed data set has no code, so the CODE id scheme cannot address it",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let t = cx.target;
    let m = &cx.config.mapping;
    let (de_code, coc_code) = (
        m.data_element_id_scheme == IdScheme::Code,
        m.category_option_combo_id_scheme == IdScheme::Code,
    );
    if !de_code && !coc_code {
        return Vec::new();
    }
    let sets = cx.graph.fed_data_sets();
    let mut out = Vec::new();
    for ds in sets {
        let set = &t.data_sets[ds];
        let des: Vec<usize> = set
            .data_set_elements
            .iter()
            .filter_map(|e| t.data_elements.id(&e.data_element.id))
            .collect();
        let mut missing: Vec<ObjectRef> = Vec::new();
        if de_code {
            missing.extend(
                des.iter()
                    .filter(|&&de| t.data_elements[de].code().is_none())
                    .map(|&de| cx.de_ref(de)),
            );
        }
        if coc_code {
            let mut cocs: Vec<usize> = des
                .iter()
                .flat_map(|&de| t.effective_combos(de))
                .filter(|&c| !t.is_default_combo(c))
                .flat_map(|c| t.combo_cocs(c).to_vec())
                .filter(|&c| t.category_option_combos[c].code().is_none())
                .collect();
            cocs.sort_unstable();
            cocs.dedup();
            missing.extend(cocs.into_iter().map(|c| cx.coc_ref(c)));
        }
        if missing.is_empty() {
            continue;
        }
        let names: Vec<String> = missing
            .iter()
            .map(|o| format!("{} \"{}\" ({})", o.kind, o.name, o.id))
            .collect();
        out.push(
            Finding::new(
                &RULE,
                format!(
                    "data set \"{}\" holds {} without a code, which the CODE id scheme cannot address: {}",
                    set.name(),
                    crate::rules::help::plural(missing.len(), "object", "objects"),
                    crate::rules::help::list_some(&names, 6)
                ),
                "give them codes (Maintenance), or resolve by UID (`mapping.data_element_id_scheme` / `category_option_combo_id_scheme = \"UID\"`)",
            )
            .object(cx.data_set_ref(ds))
            .objects(missing),
        );
    }
    out
}
