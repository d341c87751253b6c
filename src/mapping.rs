//! From program indicators to mappings: the job's scope, the mapping attribute
//! (configured or detected) and each PI's target resolved in the target instance.

use std::collections::{BTreeMap, HashSet};

use crate::catalog::{Catalog, Lookup};
use crate::config::MappingConfig;
use crate::diagnostic::TargetRef;
use crate::idscheme::IdScheme;
use crate::model::{Identifiable, ProgramIndicator};

/// The attribute code and name DHIS2 packages use for the mapping.
pub const ATTRIBUTE_CODE: &str = "DATA_ELEMENT_AGG";
pub const ATTRIBUTE_NAME: &str = "Data element for aggregate data export";

/// The program indicators in the job's scope: those of `programs`, those of
/// `program_indicator_groups`, or those in both when both are given; all without scope.
pub fn scope(source: &Catalog, cfg: &MappingConfig) -> Vec<usize> {
    let programs: HashSet<&str> = cfg.programs.iter().map(|p| p.value.as_str()).collect();
    let groups: HashSet<&str> = cfg
        .program_indicator_groups
        .iter()
        .map(|g| g.value.as_str())
        .collect();
    let mut in_groups: HashSet<&str> = HashSet::new();
    for g in source.program_indicator_groups() {
        if groups.contains(g.id.as_str()) {
            in_groups.extend(g.program_indicators.iter().map(|r| r.id.as_str()));
        }
    }
    source
        .program_indicators()
        .iter()
        .enumerate()
        .filter(|(_, pi)| {
            let by_program = programs.is_empty()
                || pi
                    .program
                    .as_ref()
                    .is_some_and(|p| programs.contains(p.id.as_str()));
            let by_group = groups.is_empty()
                || in_groups.contains(pi.id.as_str())
                || pi
                    .program_indicator_groups
                    .iter()
                    .any(|g| groups.contains(g.id.as_str()));
            by_program && by_group
        })
        .map(|(i, _)| i)
        .collect()
}

/// How the mapping attribute was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    Configured,
    ByCode,
    ByName,
    ByValues,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeOutcome {
    Chosen {
        id: String,
        how: How,
        /// Index of the attribute in the source, when the source defines it (a package
        /// of program indicators alone may not).
        definition: Option<usize>,
    },
    /// The configured attribute is not in the source; `instead` is what detection
    /// would have chosen.
    ConfiguredMissing { id: String, instead: Option<String> },
    /// Nothing detected; the attributes PIs do carry, with how many PIs carry each.
    NotFound { used: Vec<(String, usize)> },
    /// Several attributes hold values that resolve to target data elements.
    Ambiguous { candidates: Vec<(String, usize)> },
}

#[derive(Debug, Clone)]
pub struct AttributeDetection {
    pub outcome: AttributeOutcome,
    /// In-scope PIs with a non-empty value of the chosen attribute.
    pub carriers: usize,
    /// In-scope PIs with a 2.42+ `aggregateExportDataElement`.
    pub export_field_carriers: usize,
}

impl AttributeDetection {
    pub fn chosen(&self) -> Option<&str> {
        match &self.outcome {
            AttributeOutcome::Chosen { id, .. } => Some(id),
            _ => None,
        }
    }
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|v| !v.is_empty())
}

/// Find the mapping attribute: configured, else by code, else by name, else the one
/// attribute on in-scope PIs whose values resolve to target data elements.
pub fn detect_attribute(
    source: &Catalog,
    target: &Catalog,
    cfg: &MappingConfig,
    scope: &[usize],
) -> AttributeDetection {
    let pis = source.program_indicators();
    let carriers_of = |attr: &str| {
        scope
            .iter()
            .filter(|&&i| non_empty(pis[i].attribute_value(attr)).is_some())
            .count()
    };
    let export_field_carriers = scope
        .iter()
        .filter(|&&i| non_empty(pis[i].aggregate_export_data_element.as_deref()).is_some())
        .count();
    let defined = |id: &str| source.attributes.id(id);

    let outcome = if let Some(cfg_attr) = &cfg.attribute {
        let id = cfg_attr.value.clone();
        match defined(&id) {
            Some(i) => AttributeOutcome::Chosen {
                id,
                how: How::Configured,
                definition: Some(i),
            },
            // A file of program indicators alone carries values but no definitions.
            None if source.meta.attributes.is_none() && carriers_of(&id) > 0 => {
                AttributeOutcome::Chosen {
                    id,
                    how: How::Configured,
                    definition: None,
                }
            }
            None => AttributeOutcome::ConfiguredMissing {
                id,
                instead: match detect_auto(source, target, cfg, scope) {
                    AttributeOutcome::Chosen { id, .. } => Some(id),
                    _ => None,
                },
            },
        }
    } else {
        detect_auto(source, target, cfg, scope)
    };
    let carriers = match &outcome {
        AttributeOutcome::Chosen { id, .. } => carriers_of(id),
        _ => 0,
    };
    AttributeDetection {
        outcome,
        carriers,
        export_field_carriers,
    }
}

/// Detection without configuration: by code, by name, then by values.
fn detect_auto(
    source: &Catalog,
    target: &Catalog,
    cfg: &MappingConfig,
    scope: &[usize],
) -> AttributeOutcome {
    let pis = source.program_indicators();
    let attrs = source.attributes();
    let defined = |id: &str| source.attributes.id(id);
    if let Some(i) = attrs
        .iter()
        .position(|a| a.code.as_deref() == Some(ATTRIBUTE_CODE))
    {
        AttributeOutcome::Chosen {
            id: attrs[i].id.clone(),
            how: How::ByCode,
            definition: Some(i),
        }
    } else if let Some(i) = attrs
        .iter()
        .position(|a| a.name.as_deref() == Some(ATTRIBUTE_NAME))
    {
        AttributeOutcome::Chosen {
            id: attrs[i].id.clone(),
            how: How::ByName,
            definition: Some(i),
        }
    } else {
        // Count, per attribute used on in-scope PIs, the values that name a target DE.
        let mut used: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for &i in scope {
            for av in &pis[i].attribute_values {
                if av.value.is_empty() {
                    continue;
                }
                let e = used.entry(av.attribute.id.as_str()).or_default();
                e.0 += 1;
                if target
                    .data_elements
                    .resolve(&cfg.data_element_id_scheme, &av.value)
                    .is_some()
                {
                    e.1 += 1;
                }
            }
        }
        let resolving: Vec<(String, usize)> = used
            .iter()
            .filter(|(_, (_, hits))| *hits > 0)
            .map(|(id, (_, hits))| (id.to_string(), *hits))
            .collect();
        match resolving.as_slice() {
            [(id, _)] => AttributeOutcome::Chosen {
                id: id.clone(),
                how: How::ByValues,
                definition: defined(id),
            },
            [] => AttributeOutcome::NotFound {
                used: used
                    .iter()
                    .map(|(id, (n, _))| (id.to_string(), *n))
                    .collect(),
            },
            _ => AttributeOutcome::Ambiguous {
                candidates: resolving,
            },
        }
    }
}

/// Which field of the PI named the data element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeField {
    Attribute,
    /// 2.42+ `aggregateExportDataElement`.
    ExportField,
}

/// A COC or AOC as resolved in the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combo {
    /// Not given (absent or empty): the default combo.
    Default,
    Found(usize),
    Unknown,
}

/// One program indicator with a target.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// Index of the PI in the source.
    pub pi: usize,
    /// The data element value as written.
    pub de: String,
    pub de_field: DeField,
    /// COC and AOC values as written; `None` when absent or empty.
    pub coc: Option<String>,
    pub aoc: Option<String>,
    /// The target data element, when it resolves under the job's scheme.
    pub target_de: Option<usize>,
    pub target_coc: Combo,
    pub target_aoc: Combo,
}

impl Mapping {
    pub fn target_ref(&self) -> TargetRef {
        TargetRef {
            data_element: Some(self.de.clone()),
            category_option_combo: self.coc.clone(),
            attribute_option_combo: self.aoc.clone(),
        }
    }

    /// The resolved target key: DE, COC, AOC with the default COC as `None`, so that an
    /// explicit default and an empty value compare equal.
    pub fn key(&self, target: &Catalog) -> Option<(usize, Option<usize>, Option<usize>)> {
        let norm = |c: Combo| match c {
            Combo::Default => Some(None),
            Combo::Found(i) if Some(i) == target.default_coc() => Some(None),
            Combo::Found(i) => Some(Some(i)),
            Combo::Unknown => None,
        };
        Some((
            self.target_de?,
            norm(self.target_coc)?,
            norm(self.target_aoc)?,
        ))
    }
}

fn resolve_combo(lookup: &Lookup, scheme: &IdScheme, value: Option<&str>) -> Combo {
    match value {
        None => Combo::Default,
        Some(v) => lookup
            .resolve(scheme, v)
            .map_or(Combo::Unknown, Combo::Found),
    }
}

/// The mappings of the in-scope PIs, resolved in the target.
pub fn resolve_mappings(
    source: &Catalog,
    target: &Catalog,
    cfg: &MappingConfig,
    scope: &[usize],
    attribute: Option<&str>,
) -> Vec<Mapping> {
    let pis = source.program_indicators();
    scope
        .iter()
        .filter_map(|&i| {
            let pi: &ProgramIndicator = &pis[i];
            let (de, de_field) = match non_empty(pi.aggregate_export_data_element.as_deref()) {
                Some(v) => (v, DeField::ExportField),
                None => (
                    non_empty(attribute.and_then(|a| pi.attribute_value(a)))?,
                    DeField::Attribute,
                ),
            };
            let coc = non_empty(pi.aggregate_export_category_option_combo.as_deref());
            let aoc = non_empty(pi.aggregate_export_attribute_option_combo.as_deref());
            let scheme = &cfg.category_option_combo_id_scheme;
            Some(Mapping {
                pi: i,
                de: de.to_string(),
                de_field,
                coc: coc.map(str::to_string),
                aoc: aoc.map(str::to_string),
                target_de: target
                    .data_elements
                    .resolve(&cfg.data_element_id_scheme, de),
                // AOCs are resolved with the COC scheme: DHIS2 binds no
                // attributeOptionComboIdScheme on import (dhis2-api.md §6.2).
                target_coc: resolve_combo(&target.category_option_combos, scheme, coc),
                target_aoc: resolve_combo(&target.category_option_combos, scheme, aoc),
            })
        })
        .collect()
}
