//! One side's metadata with the lookups the checks need: by UID, by code, by attribute
//! value, category combo membership, and data set membership of data elements.

use std::collections::HashMap;

use crate::idscheme::IdScheme;
use crate::model::{Identifiable, Metadata, items};

/// Lookups for one collection.
#[derive(Debug, Default)]
pub struct Lookup {
    by_id: HashMap<String, usize>,
    by_code: HashMap<String, usize>,
    /// attribute uid -> value -> index
    by_attribute: HashMap<String, HashMap<String, usize>>,
}

impl Lookup {
    fn build<T: Identifiable>(objects: &[T]) -> Self {
        let mut l = Lookup::default();
        for (i, o) in objects.iter().enumerate() {
            l.by_id.entry(o.id().to_string()).or_insert(i);
            if let Some(code) = o.code() {
                l.by_code.entry(code.to_string()).or_insert(i);
            }
            for av in o.attribute_values() {
                l.by_attribute
                    .entry(av.attribute.id.clone())
                    .or_default()
                    .entry(av.value.clone())
                    .or_insert(i);
            }
        }
        l
    }

    pub fn id(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// Exact match under a scheme: no trimming, no case folding.
    pub fn resolve(&self, scheme: &IdScheme, value: &str) -> Option<usize> {
        match scheme {
            IdScheme::Uid => self.by_id.get(value),
            IdScheme::Code => self.by_code.get(value),
            IdScheme::Attribute(a) => self.by_attribute.get(a).and_then(|m| m.get(value)),
        }
        .copied()
    }

    /// The schemes other than `scheme` under which `value` resolves (for help texts).
    pub fn other_schemes(&self, scheme: &IdScheme, value: &str) -> Vec<(IdScheme, usize)> {
        let mut out = Vec::new();
        for s in [IdScheme::Code, IdScheme::Uid] {
            if &s != scheme
                && let Some(i) = self.resolve(&s, value)
            {
                out.push((s, i));
            }
        }
        let mut attrs: Vec<_> = self.by_attribute.iter().collect();
        attrs.sort_by(|a, b| a.0.cmp(b.0));
        for (attr, values) in attrs {
            let s = IdScheme::Attribute(attr.clone());
            if &s != scheme
                && let Some(&i) = values.get(value)
            {
                out.push((s, i));
            }
        }
        out
    }

    /// Every value a scheme can match, for near-miss suggestions.
    pub fn keys<'a>(&'a self, scheme: &IdScheme) -> Box<dyn Iterator<Item = &'a str> + 'a> {
        match scheme {
            IdScheme::Uid => Box::new(self.by_id.keys().map(String::as_str)),
            IdScheme::Code => Box::new(self.by_code.keys().map(String::as_str)),
            IdScheme::Attribute(a) => match self.by_attribute.get(a) {
                Some(m) => Box::new(m.keys().map(String::as_str)),
                None => Box::new(std::iter::empty()),
            },
        }
    }
}

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
    pub meta: Metadata,
    pub attributes: Lookup,
    pub programs: Lookup,
    pub program_indicators: Lookup,
    pub program_indicator_groups: Lookup,
    pub data_elements: Lookup,
    pub category_combos: Lookup,
    pub category_option_combos: Lookup,
    pub data_sets: Lookup,
    pub organisation_units: Lookup,
    /// Per category combo: its option combos (from either direction of the relation).
    combo_cocs: Vec<Vec<usize>>,
    /// Per data element: the data sets holding it.
    de_memberships: Vec<Vec<Membership>>,
    default_combo: Option<usize>,
    default_coc: Option<usize>,
}

impl Catalog {
    /// Index a side. Collections are sorted by id first, so that nothing the checks
    /// report depends on the order a file or server listed objects in.
    pub fn new(mut meta: Metadata) -> Self {
        meta.sort();
        let des = items(&meta.data_elements);
        let combos = items(&meta.category_combos);
        let cocs = items(&meta.category_option_combos);
        let data_sets = items(&meta.data_sets);

        let category_combos = Lookup::build(combos);
        let category_option_combos = Lookup::build(cocs);
        let data_elements = Lookup::build(des);

        // Files list the combo on each COC; the API can also list the COCs on each
        // combo. Take both and keep each pair once.
        let mut combo_cocs = vec![Vec::new(); combos.len()];
        for (ci, coc) in cocs.iter().enumerate() {
            if let Some(cc) = coc
                .category_combo
                .as_ref()
                .and_then(|r| category_combos.id(&r.id))
            {
                combo_cocs[cc].push(ci);
            }
        }
        for (cc, combo) in combos.iter().enumerate() {
            for r in combo.category_option_combos.iter().flatten() {
                if let Some(ci) = category_option_combos.id(&r.id) {
                    combo_cocs[cc].push(ci);
                }
            }
        }
        for list in &mut combo_cocs {
            list.sort_unstable();
            list.dedup();
        }

        let mut de_memberships = vec![Vec::new(); des.len()];
        for (dsi, ds) in data_sets.iter().enumerate() {
            for dse in &ds.data_set_elements {
                if let Some(de) = data_elements.id(&dse.data_element.id) {
                    let combo_override = dse
                        .category_combo
                        .as_ref()
                        .and_then(|r| category_combos.id(&r.id));
                    let m = Membership {
                        data_set: dsi,
                        combo_override,
                    };
                    if !de_memberships[de].contains(&m) {
                        de_memberships[de].push(m);
                    }
                }
            }
        }

        let default_combo = combos.iter().position(|c| c.is_default());
        let default_coc = cocs
            .iter()
            .position(|c| c.name.as_deref() == Some("default"))
            .or_else(|| default_combo.and_then(|cc| combo_cocs[cc].first().copied()));

        Catalog {
            attributes: Lookup::build(items(&meta.attributes)),
            programs: Lookup::build(items(&meta.programs)),
            program_indicators: Lookup::build(items(&meta.program_indicators)),
            program_indicator_groups: Lookup::build(items(&meta.program_indicator_groups)),
            data_sets: Lookup::build(data_sets),
            organisation_units: Lookup::build(items(&meta.organisation_units)),
            data_elements,
            category_combos,
            category_option_combos,
            combo_cocs,
            de_memberships,
            default_combo,
            default_coc,
            meta,
        }
    }

    pub fn attributes(&self) -> &[crate::model::Attribute] {
        items(&self.meta.attributes)
    }
    pub fn programs(&self) -> &[crate::model::Program] {
        items(&self.meta.programs)
    }
    pub fn program_indicators(&self) -> &[crate::model::ProgramIndicator] {
        items(&self.meta.program_indicators)
    }
    pub fn program_indicator_groups(&self) -> &[crate::model::ProgramIndicatorGroup] {
        items(&self.meta.program_indicator_groups)
    }
    pub fn exchanges(&self) -> &[crate::model::AggregateDataExchange] {
        items(&self.meta.aggregate_data_exchanges)
    }
    pub fn data_elements(&self) -> &[crate::model::DataElement] {
        items(&self.meta.data_elements)
    }
    pub fn category_combos(&self) -> &[crate::model::CategoryCombo] {
        items(&self.meta.category_combos)
    }
    pub fn category_option_combos(&self) -> &[crate::model::CategoryOptionCombo] {
        items(&self.meta.category_option_combos)
    }
    pub fn data_sets(&self) -> &[crate::model::DataSet] {
        items(&self.meta.data_sets)
    }
    pub fn organisation_units(&self) -> &[crate::model::OrganisationUnit] {
        items(&self.meta.organisation_units)
    }

    /// The option combos of a category combo.
    pub fn combo_cocs(&self, combo: usize) -> &[usize] {
        &self.combo_cocs[combo]
    }

    /// The category combo of a data element.
    pub fn de_combo(&self, de: usize) -> Option<usize> {
        self.data_elements()[de]
            .category_combo
            .as_ref()
            .and_then(|r| self.category_combos.id(&r.id))
    }

    /// The data sets holding a data element.
    pub fn memberships(&self, de: usize) -> &[Membership] {
        &self.de_memberships[de]
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

    pub fn default_combo(&self) -> Option<usize> {
        self.default_combo
    }

    pub fn default_coc(&self) -> Option<usize> {
        self.default_coc
    }

    pub fn is_default_combo(&self, combo: usize) -> bool {
        self.category_combos()[combo].is_default()
    }
}
