use crate::catalog::Collection;
use crate::diagnostic::Finding;
use crate::idscheme::{IdScheme, is_uid};
use crate::job::Job;
use crate::model::Identifiable;

declare_rule! {
    /// ## What it does
    /// Checks that the job's program indicators name their targets one way: all data
    /// element values codes or all UIDs, and likewise the option combo values.
    ///
    /// ## Why is this bad?
    /// A job resolves by one id scheme. The values written the other way resolve only
    /// by chance (and are reported as unknown otherwise), and an exchange or export
    /// that follows one scheme sends the others under the wrong id.
    ///
    /// ## How to fix
    /// Write the minority the majority's way (the help names which), or set the job's
    /// id scheme to the one the package uses.
    ///
    /// ## Example
    /// 40 PIs send COC codes (`MALE`), two send COC UIDs (`cocMale0001`).
    pub static RULE = {
        id: MIXED_ID_SCHEMES,
        summary: "among the job's program indicators, some data element or option combo values are codes and others UIDs",
        check: check,
    }
}

/// Which PIs write values as target UIDs and which as target codes.
fn split<'a, T: Identifiable>(
    values: impl Iterator<Item = (usize, &'a str)>,
    objects: &Collection<T>,
) -> (Vec<usize>, Vec<usize>) {
    let (mut uids, mut codes) = (Vec::new(), Vec::new());
    for (mapping, v) in values {
        if is_uid(v) && objects.id(v).is_some() {
            uids.push(mapping);
        } else if objects.resolve(&IdScheme::Code, v).is_some() {
            codes.push(mapping);
        }
    }
    (uids, codes)
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let t = cx.target;
    let des = split(
        cx.mappings
            .iter()
            .enumerate()
            .map(|(i, m)| (i, m.de.as_str())),
        &t.data_elements,
    );
    let cocs = split(
        cx.mappings
            .iter()
            .enumerate()
            .filter_map(|(i, m)| Some((i, m.coc.as_deref()?))),
        &t.category_option_combos,
    );
    let mut out = Vec::new();
    for (what, field, (uids, codes)) in [
        ("data element", "mapping attribute", des),
        (
            "category option combo",
            "aggregateExportCategoryOptionCombo",
            cocs,
        ),
    ] {
        if uids.is_empty() || codes.is_empty() {
            continue;
        }
        let (minority, majority, as_written, other) = if uids.len() <= codes.len() {
            (&uids, codes.len(), "UIDs", "codes")
        } else {
            (&codes, uids.len(), "codes", "UIDs")
        };
        let (pis, names) = cx.pis_of(minority);
        out.push(
            Finding::new(
                &RULE,
                format!(
                    "{} the {what} as {as_written}, {} as {other}: {}",
                    crate::rules::help::plural(pis.len(), "program indicator writes", "program indicators write"),
                    crate::rules::help::plural(majority, "other", "others"),
                    crate::rules::help::list_some(&names, 8)
                ),
                format!(
                    "write the {field} of these as {other}, like the others, or set the job's id scheme to the one the package uses"
                ),
            )
            .objects(pis),
        );
    }
    out
}
