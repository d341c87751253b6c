//! `t2a fix`: the changes that resolve findings, with their evidence. Safe fixes only
//! by default: a rename proven by the UID (the source knows the data element under
//! the old code, the target holds the same UID under a new one), and a near miss that
//! differs only in letter case or whitespace and is the only one. `--unsafe-fixes`
//! adds the renamings several unknown codes share (`*_CULTURE` -> `*_LCM`).

use super::change::{Change, Field};
use crate::idscheme::IdScheme;
use crate::job::Job;
use crate::job::mappings::{Combo, DeField, Mapping};
use crate::model::Identifiable;
use crate::suggest::{Closeness, near_misses};

/// The one candidate at case or whitespace distance, if exactly one.
fn unique_trivial<'a>(
    value: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let close: Vec<_> = near_misses(value, candidates, 4)
        .into_iter()
        .filter(|n| matches!(n.closeness, Closeness::Case | Closeness::Whitespace))
        .collect();
    match close.as_slice() {
        [only] => Some(only.candidate),
        _ => None,
    }
}

fn de_field(cx: &Job<'_>, m: &Mapping) -> Option<Field> {
    match m.de_field {
        DeField::ExportField => Some(Field::DataElement),
        DeField::Attribute => cx
            .attribute
            .chosen()
            .map(|a| Field::Attribute(a.to_string())),
    }
}

fn change(
    cx: &Job<'_>,
    m: &Mapping,
    field: Field,
    from: Option<String>,
    to: &str,
    reason: String,
) -> Change {
    let pi = &cx.source.program_indicators[m.pi];
    Change {
        program_indicator: pi.id.clone(),
        name: pi.name().to_string(),
        field,
        from,
        to: Some(to.to_string()),
        reason,
    }
}

/// The data element fixes of one mapping whose data element does not resolve.
fn data_element(cx: &Job<'_>, m: &Mapping) -> Option<Change> {
    let (s, t) = (cx.source, cx.target);
    let field = de_field(cx, m)?;
    // Proven by the UID: the source's data element of that code is the target's.
    if let Some(old) = s.data_elements.resolve(&IdScheme::Code, &m.de)
        && let Some(new) = t.data_elements.get(&s.data_elements[old].id)
        && let Some(code) = new.code().filter(|c| *c != m.de)
    {
        let reason = format!("T2A003: renamed in the target, same UID {}", new.id());
        return Some(change(cx, m, field, Some(m.de.clone()), code, reason));
    }
    let to = unique_trivial(&m.de, t.data_elements.keys(&IdScheme::Code))?;
    let reason = "T2A003: the only target code that differs only in case or whitespace".to_string();
    Some(change(cx, m, field, Some(m.de.clone()), to, reason))
}

/// The option combo fix of one mapping whose option combo does not resolve: among
/// the option combos of its data element's combo only.
fn option_combo(cx: &Job<'_>, m: &Mapping) -> Option<Change> {
    let t = cx.target;
    let de = m.target_de?;
    let coc = m.coc.as_deref()?;
    let codes: Vec<&str> = t
        .effective_combos(de)
        .into_iter()
        .flat_map(|c| t.combo_cocs(c).to_vec())
        .filter_map(|c| t.category_option_combos[c].code())
        .collect();
    let to = unique_trivial(coc, codes)?;
    let reason = "T2A004: the only option combo of the data element's combo that differs only in case or whitespace".to_string();
    Some(change(
        cx,
        m,
        Field::CategoryOptionCombo,
        Some(coc.to_string()),
        to,
        reason,
    ))
}

/// The fixes the job's findings prove; with `unsafe_fixes`, the shared renamings too.
pub fn fixes(cx: &Job<'_>, unsafe_fixes: bool) -> Vec<Change> {
    let code = |s: &IdScheme| *s == IdScheme::Code;
    let m_cfg = &cx.config.mapping;
    let mut out = Vec::new();
    for m in &cx.mappings {
        if m.target_de.is_none() && code(&m_cfg.data_element_id_scheme) {
            out.extend(data_element(cx, m));
        }
        if m.target_coc == Combo::Unknown && code(&m_cfg.category_option_combo_id_scheme) {
            out.extend(option_combo(cx, m));
        }
    }
    if unsafe_fixes && code(&m_cfg.data_element_id_scheme) {
        let fixed: Vec<String> = out.iter().map(|c| c.program_indicator.clone()).collect();
        let unknown = cx.unknown_data_element_codes();
        let codes = cx.target.data_elements.iter().filter_map(|d| d.code());
        for sub in crate::rules::bulk_rename::substitutions(&unknown, codes) {
            for m in cx.mappings.iter().filter(|m| m.target_de.is_none()) {
                let pi = &cx.source.program_indicators[m.pi];
                if fixed.contains(&pi.id) {
                    continue;
                }
                if let (Some((_, to)), Some(field)) =
                    (sub.pairs.iter().find(|(u, _)| *u == m.de), de_field(cx, m))
                {
                    let reason = format!(
                        "T2A003 (unsafe): the renaming {} of {} codes",
                        sub.pattern(),
                        sub.pairs.len()
                    );
                    out.push(change(cx, m, field, Some(m.de.clone()), to, reason));
                }
            }
        }
    }
    out.sort();
    out
}
