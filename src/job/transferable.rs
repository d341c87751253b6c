//! Whether a mapping can be transferred at all: its data element, COC and AOC resolve,
//! the COC belongs to the data element's (or a data set's override) category combo,
//! a disaggregated data element gets a COC, and the AOC belongs to the attribute combo
//! of a data set holding the data element. The rules that report these defects and the
//! sync's plan share these predicates, so that demoting a rule changes the gate, never
//! what is sent: an untransferable mapping is never sent.

use crate::catalog::Catalog;
use crate::rule_id::{self, RuleId};

use super::disaggregation::misfit;
use super::{Combo, Job, Mapping};

/// Why a mapping cannot be transferred; each reason is a rule of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Untransferable {
    UnknownDataElement,
    UnknownCategoryOptionCombo,
    CategoryOptionComboNotInCombo,
    MissingCategoryOptionCombo,
    UnknownAttributeOptionCombo,
    AttributeOptionComboNotInDataSets,
    NotInDataSet,
    DisaggregationMappingInvalid,
    DisaggregationComboMismatch,
}

impl Untransferable {
    /// The rule that reports this defect.
    pub fn rule(self) -> &'static RuleId {
        use Untransferable::*;
        match self {
            UnknownDataElement => &rule_id::UNKNOWN_DATA_ELEMENT,
            UnknownCategoryOptionCombo => &rule_id::UNKNOWN_CATEGORY_OPTION_COMBO,
            CategoryOptionComboNotInCombo => &rule_id::CATEGORY_OPTION_COMBO_NOT_IN_COMBO,
            MissingCategoryOptionCombo => &rule_id::MISSING_CATEGORY_OPTION_COMBO,
            UnknownAttributeOptionCombo | AttributeOptionComboNotInDataSets => {
                &rule_id::UNKNOWN_ATTRIBUTE_OPTION_COMBO
            }
            NotInDataSet => &rule_id::DATA_ELEMENT_NOT_IN_DATA_SET,
            DisaggregationMappingInvalid => &rule_id::DISAGGREGATION_MAPPING_INVALID,
            DisaggregationComboMismatch => &rule_id::DISAGGREGATION_COMBO_MISMATCH,
        }
    }

    /// A short account for the plan's list of mappings not transferred.
    pub fn reason(self, m: &Mapping) -> String {
        use Untransferable::*;
        let coc = m.coc.as_deref().unwrap_or("");
        let aoc = m.aoc.as_deref().unwrap_or("");
        let de = &m.de;
        match self {
            UnknownDataElement => format!("data element `{de}` does not exist in the target"),
            UnknownCategoryOptionCombo => {
                format!("category option combo `{coc}` does not exist in the target")
            }
            CategoryOptionComboNotInCombo => format!(
                "category option combo `{coc}` is not in the category combo of data element `{de}`"
            ),
            MissingCategoryOptionCombo => {
                format!("no category option combo, but data element `{de}` is disaggregated")
            }
            UnknownAttributeOptionCombo => {
                format!("attribute option combo `{aoc}` does not exist in the target")
            }
            AttributeOptionComboNotInDataSets => format!(
                "attribute option combo `{aoc}` is not in the attribute combo of any data set holding `{de}`"
            ),
            NotInDataSet => format!("data element `{de}` is in no data set of the target"),
            DisaggregationMappingInvalid => {
                "its category mappings stop DHIS2 from exporting it".to_string()
            }
            DisaggregationComboMismatch => format!(
                "the option combos it exports do not all belong to data element `{de}` in the target"
            ),
        }
    }
}

/// Why a mapping cannot be transferred, or `None` when it can (its periods aside).
pub fn why_not(cx: &Job<'_>, m: &Mapping) -> Option<Untransferable> {
    use Untransferable::*;
    let t = cx.target;
    let Some(de) = m.target_de else {
        return Some(UnknownDataElement);
    };
    if m.disaggregation
        .as_ref()
        .is_some_and(|d| !d.problems.is_empty())
    {
        return Some(DisaggregationMappingInvalid);
    }
    match m.target_coc {
        Combo::Unknown => return Some(UnknownCategoryOptionCombo),
        Combo::Found(coc) if !coc_fits(t, de, coc) => return Some(CategoryOptionComboNotInCombo),
        Combo::Default if needs_coc(t, de) => return Some(MissingCategoryOptionCombo),
        _ => {}
    }
    let data_sets = cx.graph.data_sets_of(de);
    if data_sets.is_empty() {
        return Some(NotInDataSet);
    }
    if disaggregation_misfits(cx, m, de) {
        return Some(DisaggregationComboMismatch);
    }
    match m.target_aoc {
        Combo::Unknown => Some(UnknownAttributeOptionCombo),
        Combo::Found(a) if !data_sets.iter().any(|&ds| aoc_fits(t, ds, a)) => {
            Some(AttributeOptionComboNotInDataSets)
        }
        _ => None,
    }
}

/// Whether a disaggregated side of the mapping sends option combos outside the data
/// element's combos (COC) or its data sets' attribute combos (AOC).
fn disaggregation_misfits(cx: &Job<'_>, m: &Mapping, de: usize) -> bool {
    let Some(d) = &m.disaggregation else {
        return false;
    };
    let t = cx.target;
    let scheme = &cx.config.mapping.category_option_combo_id_scheme;
    d.coc
        .as_ref()
        .is_some_and(|s| misfit(t, &t.effective_combos(de), s, scheme).is_some())
        || d.aoc
            .as_ref()
            .is_some_and(|s| misfit(t, &attribute_combos(cx, de), s, scheme).is_some())
}

/// The attribute combos of the data sets holding a data element.
pub fn attribute_combos(cx: &Job<'_>, de: usize) -> Vec<usize> {
    let mut v: Vec<usize> = cx
        .graph
        .data_sets_of(de)
        .iter()
        .filter_map(|&ds| attribute_combo(cx.target, ds))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Whether a COC belongs to a combo the data element is collected with (its own, or a
/// data set's override). A data element without a known combo is not judged.
pub fn coc_fits(t: &Catalog, de: usize, coc: usize) -> bool {
    let combos = t.effective_combos(de);
    combos.is_empty() || combos.iter().any(|&c| t.combo_cocs(c).contains(&coc))
}

/// Whether a data element is collected only disaggregated, so a mapping without a COC
/// (the default) has no place in it.
pub fn needs_coc(t: &Catalog, de: usize) -> bool {
    let combos = t.effective_combos(de);
    !combos.is_empty() && !combos.iter().any(|&c| t.is_default_combo(c))
}

/// The attribute combo of a data set (the default when it names none).
pub fn attribute_combo(t: &Catalog, ds: usize) -> Option<usize> {
    t.data_set_combo(ds).or(t.default_combo())
}

/// Whether an AOC belongs to the attribute combo of a data set.
pub fn aoc_fits(t: &Catalog, ds: usize, aoc: usize) -> bool {
    let combo = attribute_combo(t, ds);
    combo.is_some_and(|c| t.combo_cocs(c).contains(&aoc))
        // An explicit default AOC fits a data set with the default attribute combo.
        || (Some(aoc) == t.default_coc() && combo.is_none_or(|c| t.is_default_combo(c)))
}
