use super::help::unresolved_hints_for;
use crate::diagnostic::{Finding, ObjectRef};
use crate::idscheme::IdScheme;
use crate::job::Job;
use crate::job::{DeField, Mapping};
use crate::model::Identifiable;

declare_rule! {
    /// ## What it does
    /// Checks that the data element each program indicator names (the value of the
    /// mapping attribute, or on 2.42+ `aggregateExportDataElement`) exists in the target
    /// under the job's data element id scheme (CODE unless configured). Matching is
    /// exact; near misses (case, whitespace, a few characters) appear only as help, as
    /// does a value that would match under another id scheme, and a data element whose
    /// code changed (same UID in the source copy, new code in the target).
    ///
    /// ## Why is this bad?
    /// The import rejects every value of such a program indicator (conflict E7610
    /// "Data element not found or not accessible"), every period, every org unit. A
    /// scheduled transfer then loses these figures silently, month after month.
    ///
    /// ## How to fix
    /// Correct the attribute value on the program indicator to the exact code of the
    /// target data element, or create the data element in the target.
    ///
    /// ## Example
    /// PI `lnEalDySgaE` carries `TB_COHORT_PCD_RIF_S`; the TB HMIS package has no data
    /// element with that code.
    pub static RULE = {
        id: UNKNOWN_DATA_ELEMENT,
        summary: "a program indicator's target data element does not resolve in the target",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let mut out: Vec<Finding> = cx
        .mappings
        .iter()
        .filter(|m| m.target_de.is_none())
        .map(|m| finding(cx, m))
        .collect();
    if cx.config.mapping.data_element_id_scheme == IdScheme::Code {
        bulk_renames(cx, &mut out);
    }
    out
}

/// Unknown codes that a renaming of the target explains together: said in each of
/// their findings, and once as a whole.
fn bulk_renames(cx: &Job<'_>, out: &mut Vec<Finding>) {
    let unknown = cx.unknown_data_element_codes();
    if unknown.len() < 2 {
        return;
    }
    let codes = cx.target.data_elements.iter().filter_map(|d| d.code());
    for sub in super::bulk_rename::substitutions(&unknown, codes) {
        let pairs: Vec<String> = sub
            .pairs
            .iter()
            .map(|(u, c)| format!("`{u}` → `{c}`"))
            .collect();
        for f in out.iter_mut() {
            let written = f.target.as_ref().and_then(|t| t.data_element.as_deref());
            if let Some((_, to)) = sub.pairs.iter().find(|(u, _)| Some(u.as_str()) == written) {
                let said = format!(
                    "the target seems renamed {} ({} codes): `{to}`",
                    sub.pattern(),
                    sub.pairs.len()
                );
                f.hint = Some(match f.hint.take() {
                    Some(h) => format!("{said}; {h}"),
                    None => said,
                });
            }
        }
        out.push(Finding::note(
            &RULE,
            format!(
                "{} unknown codes match target codes under one renaming, {}: {}",
                sub.pairs.len(),
                sub.pattern(),
                pairs.join(", ")
            ),
            "rename them together in the program indicators' mapping attribute, once the new codes are confirmed as the same data elements",
        ));
    }
}

fn finding(cx: &Job<'_>, m: &Mapping) -> Finding {
    let scheme = &cx.config.mapping.data_element_id_scheme;
    let target = cx.target;
    let mut hints = unresolved_hints_for(
        &target.data_elements,
        scheme,
        &m.de,
        "data element",
        "data_element_id_scheme",
        None,
        Some(cx.source.program_indicators[m.pi].name()),
    );
    // A UID of another kind of object (the WHO reference job posts its org unit's UID
    // as the data element).
    if let Some(ou) = target.organisation_units.get(&m.de) {
        hints.insert(
            0,
            format!(
                "`{}` is the UID of org unit \"{}\", not of a data element",
                m.de,
                ou.name()
            ),
        );
    }
    let mut objects = vec![cx.pi_ref(m)];
    let field = match m.de_field {
        DeField::Attribute => match cx.attribute.chosen() {
            Some(id) => match cx.source.attributes.id(id) {
                Some(i) => format!(
                    "the mapping attribute \"{}\" ({id})",
                    cx.source.attributes[i].name()
                ),
                None => format!("the mapping attribute {id}"),
            },
            None => "the mapping attribute".into(),
        },
        DeField::ExportField => "`aggregateExportDataElement`".into(),
    };
    let mut fix = format!(
        "set {field} on the program indicator to the {} of an existing target data element, or create the data element in the target",
        scheme_noun(scheme)
    );
    if let Some((old, new)) = renamed(cx, m) {
        // A rename proven by the UID says it all; look-alike codes would only distract.
        hints.clear();
        hints.insert(
            0,
            format!(
                "data element {} was renamed: the source knows it by code `{}`, the target now has code `{}`",
                new.id(),
                old.code().unwrap_or(""),
                new.code().unwrap_or("(none)")
            ),
        );
        if let Some(code) = new.code() {
            fix = format!("set {field} on the program indicator to `{code}`");
        }
        objects.push(ObjectRef::of(new));
    }
    Finding::new(
        &RULE,
        format!(
            "program indicator {} targets data element `{}`, which does not exist in the target (matched by {scheme})",
            cx.pi_label(m),
            m.de
        ),
        fix,
    )
    .hints(hints)
    .grouped(
        format!(
            "data element `{}` does not exist in the target (matched by {scheme})",
            m.de
        ),
        cx.pi_label(m),
    )
    .objects(objects)
    .target(m.target_ref())
}

fn scheme_noun(s: &IdScheme) -> &'static str {
    match s {
        IdScheme::Code => "code",
        IdScheme::Uid => "UID",
        IdScheme::Attribute(_) => "attribute value",
    }
}

/// Under CODE: the source holds a data element with this code whose UID the target
/// holds under another code.
fn renamed<'a>(
    cx: &'a Job<'_>,
    m: &Mapping,
) -> Option<(&'a crate::model::DataElement, &'a crate::model::DataElement)> {
    if cx.config.mapping.data_element_id_scheme != IdScheme::Code {
        return None;
    }
    let old = &cx.source.data_elements[cx.source.data_elements.resolve(&IdScheme::Code, &m.de)?];
    let new = &cx.target.data_elements[cx.target.data_elements.id(&old.id)?];
    (new.code() != old.code()).then_some((old, new))
}
