use super::help::unresolved_hints_for;
use crate::diagnostic::Finding;
use crate::idscheme::IdScheme;
use crate::job::Combo;
use crate::job::Job;
use crate::model::Identifiable;

declare_rule! {
    /// ## What it does
    /// Checks that the category option combo each program indicator names in
    /// `aggregateExportCategoryOptionCombo` exists in the target under the job's
    /// category option combo id scheme (CODE unless configured). An empty value means
    /// the default combo and is not checked here.
    ///
    /// ## Why is this bad?
    /// DHIS2 exports the value verbatim and the import rejects it (conflict E7613
    /// "Category option combo not found or not accessible"): every value of the
    /// program indicator is lost.
    ///
    /// ## How to fix
    /// Set `aggregateExportCategoryOptionCombo` on the program indicator to the exact
    /// code (or UID, per the job's scheme) of a category option combo of the target
    /// data element's category combo; many target COCs have no code, so a UID scheme
    /// may be needed.
    ///
    /// ## Example
    /// PI `PKJCjA97d44` names COC `SUSPECTED_CASES`, which the TB HMIS package lacks.
    pub static RULE = {
        id: UNKNOWN_CATEGORY_OPTION_COMBO,
        summary: "a program indicator's category option combo does not resolve in the target",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let scheme = &cx.config.mapping.category_option_combo_id_scheme;
    let target = cx.target;
    cx.mappings
        .iter()
        .filter(|m| m.target_coc == Combo::Unknown)
        .map(|m| {
            let coc = m.coc.as_deref().unwrap_or("");
            // The option combos that would be right: those of the data element's combo.
            let right: Option<Vec<usize>> = m.target_de.map(|de| {
                t_combos(target, de)
            });
            let uncoded: Vec<usize> = match (scheme, &right) {
                (IdScheme::Code, Some(r)) => r
                    .iter()
                    .copied()
                    .filter(|&c| target.category_option_combos[c].code().is_none())
                    .collect(),
                _ => Vec::new(),
            };
            let hints = if uncoded.is_empty() {
                unresolved_hints_for(
                    &target.category_option_combos,
                    scheme,
                    coc,
                    "category option combo",
                    "category_option_combo_id_scheme",
                    right.as_deref(),
                    Some(cx.source.program_indicators[m.pi].name()),
                )
            } else {
                // Look-alike codes of other combos would mislead: these have none.
                let names: Vec<String> = uncoded
                    .iter()
                    .map(|&c| {
                        let o = &target.category_option_combos[c];
                        format!("\"{}\" ({})", o.name(), o.id())
                    })
                    .collect();
                vec![format!(
                    "the option combos of data element `{}` have no code, so `{coc}` cannot match them: {}; give them codes, or use `category_option_combo_id_scheme = \"UID\"`",
                    m.de,
                    names.join(", ")
                )]
            };
            let mut f = Finding::new(
                &RULE,
                format!(
                    "program indicator {} sends category option combo `{coc}`, which does not exist in the target (matched by {scheme})",
                    cx.pi_label(m)
                ),
                "set `aggregateExportCategoryOptionCombo` on the program indicator to a category option combo of the target data element's category combo, or leave it empty for the default",
            )
            .hints(hints)
            .grouped(
                format!("category option combo `{coc}` does not exist in the target (matched by {scheme})"),
                format!("{} (data element `{}`)", cx.pi_label(m), m.de),
            )
            .object(cx.pi_ref(m));
            if let Some(de) = m.target_de {
                f = f.object(cx.de_ref(de));
            }
            f.target(m.target_ref())
        })
        .collect()
}

/// The option combos of a data element's (data set element) combos, default excluded.
fn t_combos(t: &crate::catalog::Catalog, de: usize) -> Vec<usize> {
    let mut out: Vec<usize> = t
        .effective_combos(de)
        .into_iter()
        .filter(|&c| !t.is_default_combo(c))
        .flat_map(|c| t.combo_cocs(c).to_vec())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}
