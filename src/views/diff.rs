//! `t2a diff OLD NEW`: what changed between two snapshots of the target that a mapping
//! feels: codes renamed (same UID, new code), objects removed, option combos taken out
//! of a combo, data elements moved out of a data set, period types changed, org units
//! unassigned. Each changed object also as a text diff (`similar`). `check
//! --previous-target` reads the same comparison to explain an unknown code as a rename.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::catalog::Catalog;
use crate::model::Identifiable;

/// One change, as the reports list it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// `renamed`, `removed`, `combo-changed`, `option-combo-removed`,
    /// `data-element-removed`, `period-type-changed`, `org-units-unassigned`.
    pub kind: &'static str,
    /// The DHIS2 schema name of the object that changed.
    pub object: &'static str,
    pub id: String,
    pub name: String,
    pub message: String,
    /// The object's JSON before and after, as a unified diff.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub diff: String,
}

fn json<T: Serialize>(o: &T) -> String {
    serde_json::to_string_pretty(o).unwrap_or_default()
}

fn text_diff<T: Serialize>(old: &T, new: &T) -> String {
    let (a, b) = (json(old), json(new));
    similar::TextDiff::from_lines(&a, &b)
        .unified_diff()
        .context_radius(1)
        .to_string()
}

fn code<T: Identifiable>(o: &T) -> &str {
    o.code().unwrap_or("(no code)")
}

/// Renamed and removed objects of one collection.
fn identity<T: Identifiable + Serialize>(
    kind: &'static str,
    old: &crate::catalog::Collection<T>,
    new: &crate::catalog::Collection<T>,
    out: &mut Vec<Change>,
) {
    for o in old.iter() {
        match new.get(o.id()) {
            None => out.push(Change {
                kind: "removed",
                object: kind,
                id: o.id().to_string(),
                name: o.name().to_string(),
                message: format!(
                    "{kind} `{}` \"{}\" ({}) was removed",
                    code(o),
                    o.name(),
                    o.id()
                ),
                diff: String::new(),
            }),
            Some(n) if n.code() != o.code() => out.push(Change {
                kind: "renamed",
                object: kind,
                id: o.id().to_string(),
                name: n.name().to_string(),
                message: format!(
                    "{kind} `{}` was renamed `{}` (same UID `{}`)",
                    code(o),
                    code(n),
                    o.id()
                ),
                diff: text_diff(o, n),
            }),
            Some(_) => {}
        }
    }
}

/// The changes from `old` to `new` that affect mappings.
pub fn changes(old: &Catalog, new: &Catalog) -> Vec<Change> {
    let mut out = Vec::new();
    identity(
        "dataElement",
        &old.data_elements,
        &new.data_elements,
        &mut out,
    );
    identity(
        "categoryOptionCombo",
        &old.category_option_combos,
        &new.category_option_combos,
        &mut out,
    );
    identity("dataSet", &old.data_sets, &new.data_sets, &mut out);
    identity(
        "organisationUnit",
        &old.organisation_units,
        &new.organisation_units,
        &mut out,
    );
    for (i, de) in old.data_elements.iter().enumerate() {
        let Some(j) = new.data_elements.id(&de.id) else {
            continue;
        };
        let (a, b) = (old.de_combo(i), new.de_combo(j));
        let id_of = |c: &Catalog, k: Option<usize>| k.map(|k| c.category_combos[k].id.clone());
        if id_of(old, a) != id_of(new, b) {
            let name = |c: &Catalog, k: Option<usize>| {
                k.map_or("(none)".to_string(), |k| {
                    c.category_combos[k].name().to_string()
                })
            };
            out.push(Change {
                kind: "combo-changed",
                object: "dataElement",
                id: de.id.clone(),
                name: de.name().to_string(),
                message: format!(
                    "data element `{}` moved from category combo \"{}\" to \"{}\": the option combos its program indicators send must be of the new one",
                    code(de),
                    name(old, a),
                    name(new, b)
                ),
                diff: text_diff(de, &new.data_elements[j]),
            });
        }
    }
    for (i, combo) in old.category_combos.iter().enumerate() {
        let Some(j) = new.category_combos.id(&combo.id) else {
            continue;
        };
        let kept: HashSet<&str> = new
            .combo_cocs(j)
            .iter()
            .map(|&c| new.category_option_combos[c].id.as_str())
            .collect();
        for &c in old.combo_cocs(i) {
            let coc = &old.category_option_combos[c];
            if !kept.contains(coc.id.as_str()) {
                out.push(Change {
                    kind: "option-combo-removed",
                    object: "categoryCombo",
                    id: combo.id.clone(),
                    name: combo.name().to_string(),
                    message: format!(
                        "category combo \"{}\" no longer holds option combo `{}` \"{}\" ({})",
                        combo.name(),
                        code(coc),
                        coc.name(),
                        coc.id
                    ),
                    diff: String::new(),
                });
            }
        }
    }
    for ds in old.data_sets.iter() {
        let Some(j) = new.data_sets.id(&ds.id) else {
            continue;
        };
        let n = &new.data_sets[j];
        if ds.period_type != n.period_type {
            out.push(Change {
                kind: "period-type-changed",
                object: "dataSet",
                id: ds.id.clone(),
                name: ds.name().to_string(),
                message: format!(
                    "data set \"{}\" changed period type from {} to {}",
                    ds.name(),
                    ds.period_type.as_deref().unwrap_or("(none)"),
                    n.period_type.as_deref().unwrap_or("(none)")
                ),
                diff: text_diff(ds, n),
            });
        }
        let kept: HashSet<&str> = n
            .data_set_elements
            .iter()
            .map(|e| e.data_element.id.as_str())
            .collect();
        for e in &ds.data_set_elements {
            if !kept.contains(e.data_element.id.as_str()) {
                let de = old.data_elements.get(&e.data_element.id);
                out.push(Change {
                    kind: "data-element-removed",
                    object: "dataSet",
                    id: ds.id.clone(),
                    name: ds.name().to_string(),
                    message: format!(
                        "data set \"{}\" no longer holds data element `{}` ({})",
                        ds.name(),
                        de.map_or("?", code),
                        e.data_element.id
                    ),
                    diff: String::new(),
                });
            }
        }
        let now: HashSet<&str> = n.organisation_units.iter().collect();
        let gone: Vec<&str> = ds
            .organisation_units
            .iter()
            .filter(|o| !now.contains(o))
            .collect();
        if !gone.is_empty() {
            let names: Vec<String> = gone
                .iter()
                .take(8)
                .map(|id| {
                    let name = old.organisation_units.get(id).map_or("", |o| o.name());
                    format!("\"{name}\" ({id})")
                })
                .collect();
            let more = if gone.len() > 8 {
                format!(" and {} more", gone.len() - 8)
            } else {
                String::new()
            };
            out.push(Change {
                kind: "org-units-unassigned",
                object: "dataSet",
                id: ds.id.clone(),
                name: ds.name().to_string(),
                message: format!(
                    "{} no longer assigned data set \"{}\": {}{more}",
                    crate::rules::help::plural(gone.len(), "org unit is", "org units are"),
                    ds.name(),
                    names.join(", ")
                ),
                diff: String::new(),
            });
        }
    }
    out.sort();
    out
}

/// Old code -> (UID, new code) of the data elements and option combos renamed.
pub fn renames(old: &Catalog, new: &Catalog) -> HashMap<String, (String, String)> {
    changes_renamed(old, new)
}

fn changes_renamed(old: &Catalog, new: &Catalog) -> HashMap<String, (String, String)> {
    let mut out = HashMap::new();
    let mut add = |o_code: Option<&str>, id: &str, n_code: Option<&str>| {
        if let (Some(a), Some(b)) = (o_code, n_code)
            && a != b
        {
            out.insert(a.to_string(), (id.to_string(), b.to_string()));
        }
    };
    for o in old.data_elements.iter() {
        if let Some(n) = new.data_elements.get(&o.id) {
            add(o.code(), &o.id, n.code());
        }
    }
    for o in old.category_option_combos.iter() {
        if let Some(n) = new.category_option_combos.get(o.id()) {
            add(o.code(), o.id(), n.code());
        }
    }
    out
}

pub fn human(changes: &[Change], old: &str, new: &str) -> String {
    if changes.is_empty() {
        return format!("no changes that affect mappings between {old} and {new}\n");
    }
    let mut by_kind: BTreeMap<&str, Vec<&Change>> = BTreeMap::new();
    for c in changes {
        by_kind.entry(c.kind).or_default().push(c);
    }
    let mut out = String::new();
    for (kind, list) in by_kind {
        let _ = writeln!(out, "── {kind} ({}) ──\n", list.len());
        for c in list {
            let _ = writeln!(out, "  {}", c.message);
            for line in c.diff.lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{} changes that affect mappings between {old} and {new}",
        changes.len()
    );
    out
}
