//! Each in-scope PI's target, resolved in the target instance under the job's schemes.

use crate::catalog::{Catalog, Collection};
use crate::config::MappingConfig;
use crate::diagnostic::TargetRef;
use crate::idscheme::IdScheme;
use crate::model::{CategoryOptionCombo, Identifiable, ProgramIndicator};

use super::attribute::non_empty;

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

fn resolve_combo(
    lookup: &Collection<CategoryOptionCombo>,
    scheme: &IdScheme,
    value: Option<&str>,
) -> Combo {
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
    let pis = &source.program_indicators;
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
