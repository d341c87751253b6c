use super::help::unresolved_hints;
use crate::diagnostic::Finding;
use crate::job::Combo;
use crate::job::Job;

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
            let hints = unresolved_hints(
                &target.category_option_combos,
                scheme,
                coc,
                "category option combo",
                "category_option_combo_id_scheme",
            );
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
