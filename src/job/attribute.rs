//! The mapping attribute: configured, or detected by code, name or values.

use std::collections::BTreeMap;

use crate::catalog::Catalog;
use crate::config::MappingConfig;
use crate::model::Identifiable;

/// The attribute code and name DHIS2 packages use for the mapping.
pub const ATTRIBUTE_CODE: &str = "DATA_ELEMENT_AGG";
pub const ATTRIBUTE_NAME: &str = "Data element for aggregate data export";

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

pub(super) fn non_empty(s: Option<&str>) -> Option<&str> {
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
    let pis = &source.program_indicators;
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
            None if !source.attributes.present() && carriers_of(&id) > 0 => {
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
    let pis = &source.program_indicators;
    let attrs = &source.attributes;
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
