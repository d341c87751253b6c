//! Each in-scope PI's target, resolved in the target instance under the job's schemes.

use crate::catalog::{Catalog, Collection};
use crate::config::MappingConfig;
use crate::diagnostic::TargetRef;
use crate::idscheme::IdScheme;
use crate::model::{CategoryOptionCombo, Identifiable, ProgramIndicator};

use super::attribute::non_empty;
use super::disaggregation::{self, Disaggregation, Side};

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
    /// 2.42+: the PI's combo on this side is not the default, so each row carries an
    /// option combo of its own (see `Mapping::disaggregation`).
    Disaggregated,
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
    /// 2.42+ disaggregated PIs: what they export.
    pub disaggregation: Option<Disaggregation>,
}

/// A resolved target: data element, COC and AOC (`None`: the default).
pub type TargetKey = (usize, Option<usize>, Option<usize>);

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
    /// `None` for a disaggregated PI, which sends many (see `keys`).
    pub fn key(&self, target: &Catalog) -> Option<TargetKey> {
        let norm = |c: Combo| match c {
            Combo::Default => Some(None),
            Combo::Found(i) => Some(norm_coc(target, i)),
            Combo::Unknown | Combo::Disaggregated => None,
        };
        Some((
            self.target_de?,
            norm(self.target_coc)?,
            norm(self.target_aoc)?,
        ))
    }

    /// Every resolved target the mapping sends: one, or for a disaggregated PI one per
    /// exported COC × AOC that the target holds.
    pub fn keys(&self, target: &Catalog) -> Vec<TargetKey> {
        let Some(de) = self.target_de else {
            return Vec::new();
        };
        let side = |c: Combo, d: Option<&Side>| -> Vec<Option<usize>> {
            match c {
                Combo::Default => vec![None],
                Combo::Found(i) => vec![norm_coc(target, i)],
                Combo::Unknown => Vec::new(),
                Combo::Disaggregated => d
                    .map(|s| {
                        s.in_target
                            .iter()
                            .flatten()
                            .map(|&i| norm_coc(target, i))
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        };
        let d = self.disaggregation.as_ref();
        let cocs = side(self.target_coc, d.and_then(|d| d.coc.as_ref()));
        let aocs = side(self.target_aoc, d.and_then(|d| d.aoc.as_ref()));
        let mut out = Vec::with_capacity(cocs.len() * aocs.len());
        for &c in &cocs {
            for &a in &aocs {
                out.push((de, c, a));
            }
        }
        out
    }

    /// The target COCs the mapping feeds (the default left out).
    pub fn fed_cocs(&self, target: &Catalog) -> Vec<usize> {
        match self.target_coc {
            Combo::Found(c) => vec![c],
            Combo::Disaggregated => self
                .disaggregation
                .as_ref()
                .and_then(|d| d.coc.as_ref())
                .map(|s| s.in_target.iter().flatten().copied().collect())
                .unwrap_or_default(),
            Combo::Default | Combo::Unknown => Vec::new(),
        }
        .into_iter()
        .filter(|&c| Some(c) != target.default_coc())
        .collect()
    }
}

fn norm_coc(target: &Catalog, i: usize) -> Option<usize> {
    (Some(i) != target.default_coc()).then_some(i)
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
            let disaggregation = disaggregation::analyse(source, target, pi);
            let on = |k: fn(&Disaggregation) -> bool| disaggregation.as_ref().is_some_and(k);
            let (coc_on, aoc_on) = (on(|d| d.coc.is_some()), on(|d| d.aoc.is_some()));
            let combo = |on: bool, v| {
                if on {
                    Combo::Disaggregated
                } else {
                    resolve_combo(&target.category_option_combos, scheme, v)
                }
            };
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
                target_coc: combo(coc_on, coc),
                target_aoc: combo(aoc_on, aoc),
                disaggregation,
            })
        })
        .collect()
}
