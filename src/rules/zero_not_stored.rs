use super::version_note::assumed_latest;
use crate::diagnostic::Finding;
use crate::job::Job;
use crate::model::Identifiable;

declare_rule! {
    /// ## What it does
    /// Notes the mapped data elements that do not store zeros: `zeroIsSignificant` is
    /// false (the default) and the target is DHIS2 2.42 or older.
    ///
    /// ## Why is this bad?
    /// Up to 2.42 DHIS2 drops a zero for such a data element instead of storing it. A
    /// period whose figure falls to zero (the last case was corrected away) keeps its
    /// old value in the HMIS, and an empty cell cannot be told from a reported zero.
    /// 2.43 stores zeros.
    ///
    /// This rule is version-aware: it fires only for targets of 2.42 or older. When the
    /// target's version is unknown, it assumes the latest and says so in one note.
    ///
    /// ## How to fix
    /// Set "Store zero data values" (`zeroIsSignificant`) on the data element where a
    /// zero means something; `t2a sync` with `stale = "zero"` then writes zeros that
    /// DHIS2 keeps.
    ///
    /// ## Example
    /// `MAL_DEATHS` has `zeroIsSignificant: false` on a 2.41 HMIS.
    pub static RULE = {
        id: ZERO_NOT_STORED,
        summary: "the target data element does not store zeros (zeroIsSignificant false) on a target of 2.42 or older",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let t = cx.target;
    let dropping: Vec<usize> = cx
        .graph
        .data_elements()
        .into_iter()
        .filter(|&de| t.data_elements[de].zero_is_significant != Some(true))
        .collect();
    let version = match cx.target_version() {
        None if !dropping.is_empty() => {
            return vec![assumed_latest(
                &RULE,
                dropping.len(),
                "data element that drops zeros",
                "data elements that drop zeros",
            )];
        }
        Some(v) if !v.at_least(43) => v,
        _ => return Vec::new(),
    };
    dropping
        .into_iter()
        .map(|de| {
            let d = &t.data_elements[de];
            let (pis, names) = cx.pis_of(&cx.graph.mappings_of(de));
            let code = d.code().unwrap_or(d.id());
            Finding::new(
                &RULE,
                format!(
                    "data element `{code}` does not store zeros (zeroIsSignificant false, DHIS2 {version}): a period that falls to zero keeps its old value; fed by {}",
                    names.join(", ")
                ),
                "set \"Store zero data values\" on the data element where a zero means something",
            )
            .grouped(
                format!("these data elements do not store zeros (zeroIsSignificant false, DHIS2 {version})"),
                format!("`{code}` \"{}\"", d.name()),
            )
            .object(cx.de_ref(de))
            .objects(pis)
        })
        .collect()
}
