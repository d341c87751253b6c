//! Everything a rule may read, computed once per check.

use crate::catalog::Catalog;
use crate::config::Config;
use crate::diagnostic::ObjectRef;
use crate::graph::MappingGraph;
use crate::mapping::{self, AttributeDetection, Mapping};
use crate::model::Identifiable;
use crate::period::{RelativeType, relative_type};
use crate::reporting::Reporting;

pub struct Context<'a> {
    pub source: &'a Catalog,
    pub target: &'a Catalog,
    pub config: &'a Config,
    /// In-scope PIs (indices into the source's program indicators).
    pub scope: Vec<usize>,
    pub attribute: AttributeDetection,
    pub mappings: Vec<Mapping>,
    pub reporting: Reporting,
    pub graph: MappingGraph,
}

/// Where the period types of a transfer come from (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodOrigin {
    /// `sync.period_type` or `sync.periods`.
    Job,
    /// The relative periods of an aggregate data exchange (its id and name).
    Exchange(ObjectRef),
}

impl<'a> Context<'a> {
    pub fn build(source: &'a Catalog, target: &'a Catalog, config: &'a Config) -> Self {
        let scope = mapping::scope(source, &config.mapping);
        let attribute = mapping::detect_attribute(source, target, &config.mapping, &scope);
        let mappings =
            mapping::resolve_mappings(source, target, &config.mapping, &scope, attribute.chosen());
        let reporting = Reporting::build(source, target, config, &mappings);
        let graph = MappingGraph::build(target, &mappings, &reporting);
        Context {
            source,
            target,
            config,
            scope,
            attribute,
            mappings,
            reporting,
            graph,
        }
    }

    /// The program indicator of a mapping as a finding object.
    pub fn pi_ref(&self, m: &Mapping) -> ObjectRef {
        ObjectRef::of(&self.source.program_indicators()[m.pi])
    }

    /// The program indicators of some mappings, sorted by id, with their labels
    /// (`"<name>" (<id>)`) for messages.
    pub fn pis_of(&self, mappings: &[usize]) -> (Vec<ObjectRef>, Vec<String>) {
        let mut pis: Vec<ObjectRef> = mappings
            .iter()
            .map(|&m| self.pi_ref(&self.mappings[m]))
            .collect();
        pis.sort();
        pis.dedup();
        let labels = pis
            .iter()
            .map(|p| format!("\"{}\" ({})", p.name, p.id))
            .collect();
        (pis, labels)
    }

    /// `"<name>" (<id>)` of a mapping's PI, for messages.
    pub fn pi_label(&self, m: &Mapping) -> String {
        let pi = &self.source.program_indicators()[m.pi];
        format!("\"{}\" ({})", pi.name(), pi.id())
    }

    pub fn de_ref(&self, de: usize) -> ObjectRef {
        ObjectRef::of(&self.target.data_elements()[de])
    }

    pub fn coc_ref(&self, coc: usize) -> ObjectRef {
        ObjectRef::of(&self.target.category_option_combos()[coc])
    }

    pub fn data_set_ref(&self, ds: usize) -> ObjectRef {
        ObjectRef::of(&self.target.data_sets()[ds])
    }

    /// The period types a mapping is transferred with: the job's, else those of the
    /// aggregate data exchanges of the source that export its PI.
    pub fn period_types(&self, m: &Mapping) -> Vec<(RelativeType, PeriodOrigin)> {
        let job = self.config.sync.period_types();
        if !job.is_empty() {
            return job.into_iter().map(|t| (t, PeriodOrigin::Job)).collect();
        }
        let pi_id = &self.source.program_indicators()[m.pi].id;
        let mut out = Vec::new();
        for ex in self.source.exchanges() {
            for req in &ex.source.requests {
                if !req.dx.iter().any(|d| d == pi_id) {
                    continue;
                }
                for pe in &req.pe {
                    let t = relative_type(pe).or_else(|| crate::period::period_spec_type(pe));
                    if let Some(t) = t {
                        let origin = PeriodOrigin::Exchange(ObjectRef::of(ex));
                        if !out.contains(&(t, origin.clone())) {
                            out.push((t, origin));
                        }
                    }
                }
            }
        }
        out
    }
}
