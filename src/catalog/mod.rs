//! One side of a job, indexed: each collection with its lookups (by UID, code and
//! attribute value), category combo membership, the data sets holding each data
//! element, and which org units each data set is assigned to.

mod collection;

pub use collection::{Collection, IdIndex};

use std::sync::OnceLock;

use fixedbitset::FixedBitSet;

use crate::model::{
    AggregateDataExchange, Attribute, Category, CategoryCombo, CategoryOption, CategoryOptionCombo,
    Constant, DataElement, DataSet, Metadata, OrganisationUnit, PackageInfo, Program,
    ProgramIndicator, ProgramIndicatorGroup, ProgramStage, RelationshipType, SystemInfo,
    TrackedEntityAttribute,
};

/// Where a data element sits: a data set, and the category combo override of its
/// data set element, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    pub data_set: usize,
    pub combo_override: Option<usize>,
}

/// One side of a job, indexed.
#[derive(Debug)]
pub struct Catalog {
    pub system: Option<SystemInfo>,
    pub package: Option<PackageInfo>,
    pub attributes: Collection<Attribute>,
    pub programs: Collection<Program>,
    pub program_indicators: Collection<ProgramIndicator>,
    pub program_stages: Collection<ProgramStage>,
    pub tracked_entity_attributes: Collection<TrackedEntityAttribute>,
    pub constants: Collection<Constant>,
    pub relationship_types: Collection<RelationshipType>,
    pub program_indicator_groups: Collection<ProgramIndicatorGroup>,
    pub exchanges: Collection<AggregateDataExchange>,
    pub data_elements: Collection<DataElement>,
    pub category_combos: Collection<CategoryCombo>,
    pub categories: Collection<Category>,
    pub category_options: Collection<CategoryOption>,
    pub category_option_combos: Collection<CategoryOptionCombo>,
    pub data_sets: Collection<DataSet>,
    pub organisation_units: Collection<OrganisationUnit>,
    /// Per category combo: its option combos (from either direction of the relation).
    combo_cocs: Vec<Vec<usize>>,
    /// Per data element: the data sets holding it.
    de_memberships: Vec<Vec<Membership>>,
    /// Per data set: its attribute category combo (index).
    data_set_combos: Vec<Option<usize>>,
    /// Per data set: the org units (indices) it is assigned to, resolved on first use
    /// (millions of references at national scale; a check reads few of them).
    assignments: Vec<OnceLock<FixedBitSet>>,
    default_combo: Option<usize>,
    default_coc: Option<usize>,
}

impl Catalog {
    /// Index a side; the collections are indexed in parallel.
    pub fn new(meta: Metadata) -> Self {
        let Metadata {
            system,
            package,
            attributes,
            programs,
            program_indicators,
            program_stages,
            tracked_entity_attributes,
            constants,
            relationship_types,
            program_indicator_groups,
            aggregate_data_exchanges,
            data_elements,
            category_combos,
            categories,
            category_options,
            category_option_combos,
            data_sets,
            organisation_units,
        } = meta;
        let ((organisation_units, data_sets), (source_side, target_side)) = rayon::join(
            || {
                rayon::join(
                    || Collection::new(organisation_units),
                    || Collection::new(data_sets),
                )
            },
            || {
                rayon::join(
                    || {
                        (
                            Collection::new(attributes),
                            Collection::new(programs),
                            Collection::new(program_indicators),
                            Collection::new(program_indicator_groups),
                            Collection::new(aggregate_data_exchanges),
                            Collection::new(categories),
                            Collection::new(category_options),
                            (
                                Collection::new(program_stages),
                                Collection::new(tracked_entity_attributes),
                                Collection::new(constants),
                                Collection::new(relationship_types),
                            ),
                        )
                    },
                    || {
                        (
                            Collection::new(data_elements),
                            Collection::new(category_combos),
                            Collection::new(category_option_combos),
                        )
                    },
                )
            },
        );
        let (
            attributes,
            programs,
            program_indicators,
            program_indicator_groups,
            exchanges,
            categories,
            category_options,
            (program_stages, tracked_entity_attributes, constants, relationship_types),
        ) = source_side;
        let (data_elements, category_combos, category_option_combos) = target_side;
        let mut c = Catalog {
            system,
            package,
            attributes,
            programs,
            program_indicators,
            program_stages,
            tracked_entity_attributes,
            constants,
            relationship_types,
            program_indicator_groups,
            exchanges,
            data_elements,
            category_combos,
            categories,
            category_options,
            category_option_combos,
            data_sets,
            organisation_units,
            combo_cocs: Vec::new(),
            de_memberships: Vec::new(),
            assignments: Vec::new(),
            data_set_combos: Vec::new(),
            default_combo: None,
            default_coc: None,
        };
        c.combo_cocs = c.build_combo_cocs();
        c.de_memberships = c.build_memberships();
        c.assignments = (0..c.data_sets.len()).map(|_| OnceLock::new()).collect();
        c.data_set_combos = c
            .data_sets
            .iter()
            .map(|ds| {
                ds.category_combo
                    .as_ref()
                    .and_then(|r| c.category_combos.id(&r.id))
            })
            .collect();
        c.default_combo = c.category_combos.iter().position(|cc| cc.is_default());
        c.default_coc = c
            .category_option_combos
            .iter()
            .position(|o| o.name.as_deref() == Some("default"))
            .or_else(|| {
                c.default_combo
                    .and_then(|cc| c.combo_cocs[cc].first().copied())
            });
        c
    }

    /// Files list the combo on each COC; the API can also list the COCs on each combo.
    /// Take both and keep each pair once.
    fn build_combo_cocs(&self) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); self.category_combos.len()];
        for (ci, coc) in self.category_option_combos.iter().enumerate() {
            if let Some(cc) = coc
                .category_combo
                .as_ref()
                .and_then(|r| self.category_combos.id(&r.id))
            {
                out[cc].push(ci);
            }
        }
        for (cc, combo) in self.category_combos.iter().enumerate() {
            for r in combo.category_option_combos.iter().flatten() {
                if let Some(ci) = self.category_option_combos.id(&r.id) {
                    out[cc].push(ci);
                }
            }
        }
        for list in &mut out {
            list.sort_unstable();
            list.dedup();
        }
        out
    }

    fn build_memberships(&self) -> Vec<Vec<Membership>> {
        let mut out = vec![Vec::new(); self.data_elements.len()];
        for (dsi, ds) in self.data_sets.iter().enumerate() {
            for dse in &ds.data_set_elements {
                if let Some(de) = self.data_elements.id(&dse.data_element.id) {
                    let combo_override = dse
                        .category_combo
                        .as_ref()
                        .and_then(|r| self.category_combos.id(&r.id));
                    let m = Membership {
                        data_set: dsi,
                        combo_override,
                    };
                    if !out[de].contains(&m) {
                        out[de].push(m);
                    }
                }
            }
        }
        out
    }

    /// The option combos of a category combo.
    pub fn combo_cocs(&self, combo: usize) -> &[usize] {
        &self.combo_cocs[combo]
    }

    /// The category combo of a data element.
    pub fn de_combo(&self, de: usize) -> Option<usize> {
        self.data_elements[de]
            .category_combo
            .as_ref()
            .and_then(|r| self.category_combos.id(&r.id))
    }

    /// The data sets holding a data element.
    pub fn memberships(&self, de: usize) -> &[Membership] {
        &self.de_memberships[de]
    }

    /// Whether a data set is assigned to an org unit (indices).
    pub fn is_assigned(&self, data_set: usize, org_unit: usize) -> bool {
        self.assigned(data_set).contains(org_unit)
    }

    /// The org units a data set is assigned to, as a bitset over the org units.
    /// References to org units the metadata lacks are not assignments.
    pub fn assigned(&self, data_set: usize) -> &FixedBitSet {
        self.assignments[data_set].get_or_init(|| {
            let mut bits = FixedBitSet::with_capacity(self.organisation_units.len());
            for id in self.data_sets[data_set].organisation_units.iter() {
                if let Some(ou) = self.organisation_units.id(id) {
                    bits.insert(ou);
                }
            }
            bits
        })
    }

    /// The category combos in effect for a data element: its own combo where a data set
    /// holds it without override (or it is in no data set), and every override.
    pub fn effective_combos(&self, de: usize) -> Vec<usize> {
        let m = self.memberships(de);
        let mut out: Vec<usize> = m.iter().filter_map(|m| m.combo_override).collect();
        if m.is_empty() || m.iter().any(|m| m.combo_override.is_none()) {
            out.extend(self.de_combo(de));
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The attribute category combo of a data set, as it names it (`None`: it names
    /// none, or one the metadata lacks).
    pub fn data_set_combo(&self, data_set: usize) -> Option<usize> {
        self.data_set_combos[data_set]
    }

    pub fn default_combo(&self) -> Option<usize> {
        self.default_combo
    }

    pub fn default_coc(&self) -> Option<usize> {
        self.default_coc
    }

    pub fn is_default_combo(&self, combo: usize) -> bool {
        self.category_combos[combo].is_default()
    }
}
