//! One job's world, shared by check and sync: the PIs in scope, the mapping attribute,
//! the mappings resolved in the target, the org units that report them, and the mapping
//! graph. Rules read it; the sync plans, verifies and reconciles against it.

pub mod attribute;
pub mod disaggregation;
pub mod expressions;
pub mod graph;
pub mod mappings;
pub mod scope;
pub mod transferable;
pub mod units;

pub use attribute::{ATTRIBUTE_CODE, ATTRIBUTE_NAME, AttributeDetection, AttributeOutcome, How};
pub use graph::MappingGraph;
pub use mappings::{Combo, DeField, Mapping};
pub use transferable::Untransferable;
pub use units::{ReportingUnits, Skip, UnitSet};

use rustc_hash::FxHashMap;

use crate::catalog::Catalog;
use crate::config::Config;
use crate::diagnostic::ObjectRef;
use crate::model::Identifiable;
use crate::period::{RelativeType, relative_type};

pub struct Job<'a> {
    pub source: &'a Catalog,
    pub target: &'a Catalog,
    pub config: &'a Config,
    /// In-scope PIs (indices into the source's program indicators).
    pub scope: Vec<usize>,
    pub attribute: AttributeDetection,
    pub mappings: Vec<Mapping>,
    pub units: ReportingUnits,
    pub graph: MappingGraph,
    /// Per PI (id): the period types the source's aggregate data exchanges transfer it with.
    exchange_periods: FxHashMap<String, Vec<(RelativeType, PeriodOrigin)>>,
    /// The PIs' texts, parsed on first use.
    texts: std::sync::OnceLock<expressions::Texts>,
    /// What several expression rules ask, computed once: per in-scope PI (its index
    /// in `texts().pis`) whether every item resolves, and the groups of identically
    /// defined disaggregation PIs.
    pub resolved: std::sync::OnceLock<Vec<bool>>,
    pub identical_groups: std::sync::OnceLock<Vec<Vec<usize>>>,
    /// A record job's source: its mappings are the blocks' stand-ins.
    pub records: Option<&'a crate::source::side::RecordSide>,
    /// What reading the records found (`sync`, `check --with-data`): the data rules
    /// judge it.
    pub record_data: Option<&'a crate::source::data::RecordData>,
}

/// Where the period types of a transfer come from (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodOrigin {
    /// `sync.period_type` or `sync.periods`.
    Job,
    /// The relative periods of an aggregate data exchange (its id and name).
    Exchange(ObjectRef),
}

impl<'a> Job<'a> {
    pub fn build(source: &'a Catalog, target: &'a Catalog, config: &'a Config) -> Self {
        let scope = scope::scope(source, &config.mapping);
        let attribute = attribute::detect_attribute(source, target, &config.mapping, &scope);
        let mappings =
            mappings::resolve_mappings(source, target, &config.mapping, &scope, attribute.chosen());
        let units = ReportingUnits::build(source, target, config, &mappings);
        let graph = MappingGraph::build(target, &mappings);
        Job {
            exchange_periods: exchange_periods(source),
            texts: std::sync::OnceLock::new(),
            resolved: std::sync::OnceLock::new(),
            identical_groups: std::sync::OnceLock::new(),
            records: None,
            record_data: None,
            source,
            target,
            config,
            scope,
            attribute,
            mappings,
            units,
            graph,
        }
    }

    /// The program indicator of a mapping as a finding object.
    /// The target's DHIS2 version: as its metadata says, else `target.dhis2_version`
    /// (`source.dhis2_version` when one side is both). `None`: unknown, and
    /// version-aware rules assume the latest.
    pub fn target_version(&self) -> Option<crate::dhis2::Version> {
        let t = self.target;
        let said = t
            .system
            .as_ref()
            .and_then(|s| s.version.as_deref())
            .or_else(|| t.package.as_ref().and_then(|p| p.dhis2_version.as_deref()))
            .and_then(crate::dhis2::Version::parse);
        let configured = || {
            self.config
                .target
                .as_ref()
                .or(self.config.source.as_ref())
                .and_then(|e| e.dhis2_version)
        };
        said.or_else(configured)
    }

    /// The source's DHIS2 version: as its metadata says, else `source.dhis2_version`.
    pub fn source_version(&self) -> Option<crate::dhis2::Version> {
        let s = self.source;
        s.system
            .as_ref()
            .and_then(|s| s.version.as_deref())
            .or_else(|| s.package.as_ref().and_then(|p| p.dhis2_version.as_deref()))
            .and_then(crate::dhis2::Version::parse)
            .or_else(|| self.config.source.as_ref().and_then(|e| e.dhis2_version))
    }

    /// The in-scope PIs' expressions, filters and boundaries, parsed and checked for
    /// the source's version (once, on first use).
    pub fn texts(&self) -> &expressions::Texts {
        self.texts.get_or_init(|| {
            crate::timing::phase("expressions", || {
                expressions::build(self.source, &self.scope, self.source_version())
            })
        })
    }

    /// The data element values of the mappings that resolve to no target data element,
    /// each once, sorted.
    pub fn unknown_data_element_codes(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .mappings
            .iter()
            .filter(|m| m.target_de.is_none())
            .map(|m| m.de.as_str())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The COC and AOC a value of a mapping is imported under (the job's COC id
    /// scheme): as the PI writes them, or for a disaggregated side the identifier of the
    /// target option combo the value landed on.
    pub fn written_combos<'m>(
        &'m self,
        m: &'m Mapping,
        coc: Option<usize>,
        aoc: Option<usize>,
    ) -> (Option<&'m str>, Option<&'m str>) {
        let scheme = &self.config.mapping.category_option_combo_id_scheme;
        let side = |c: Combo, fixed: &'m Option<String>, i: Option<usize>| match c {
            Combo::Disaggregated => {
                i.and_then(|i| scheme.identifier(&self.target.category_option_combos[i]))
            }
            _ => fixed.as_deref(),
        };
        (
            side(m.target_coc, &m.coc, coc),
            side(m.target_aoc, &m.aoc, aoc),
        )
    }

    pub fn pi_ref(&self, m: &Mapping) -> ObjectRef {
        match self.block_of(m) {
            Some(b) => crate::source::side::RecordSide::block_ref(self.config, b),
            None => ObjectRef::of(&self.source.program_indicators[m.pi]),
        }
    }

    /// The `[[aggregate]]` block a mapping stands in for, in a record job.
    pub fn block_of(&self, m: &Mapping) -> Option<usize> {
        self.records?.binding.origins.get(m.pi).map(|o| o.block)
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
            .map(|p| match p.kind {
                "recordMapping" => format!("block \"{}\"", p.name),
                _ => format!("\"{}\" ({})", p.name, p.id),
            })
            .collect();
        (pis, labels)
    }

    /// `"<name>" (<id>)` of a mapping's PI, for messages.
    pub fn pi_label(&self, m: &Mapping) -> String {
        let pi = &self.source.program_indicators[m.pi];
        if self.records.is_some() {
            // A stand-in's name says its block and options.
            return pi.name().to_string();
        }
        format!("\"{}\" ({})", pi.name(), pi.id())
    }

    pub fn de_ref(&self, de: usize) -> ObjectRef {
        ObjectRef::of(&self.target.data_elements[de])
    }

    pub fn coc_ref(&self, coc: usize) -> ObjectRef {
        ObjectRef::of(&self.target.category_option_combos[coc])
    }

    pub fn data_set_ref(&self, ds: usize) -> ObjectRef {
        ObjectRef::of(&self.target.data_sets[ds])
    }

    /// The period types a mapping is transferred with: the job's, else those of the
    /// aggregate data exchanges of the source that export its PI.
    pub fn period_types(&self, m: &Mapping) -> Vec<(RelativeType, PeriodOrigin)> {
        let job = self.config.sync.period_types();
        if !job.is_empty() {
            return job.into_iter().map(|t| (t, PeriodOrigin::Job)).collect();
        }
        let pi_id = self.source.program_indicators[m.pi].id.as_str();
        self.exchange_periods
            .get(pi_id)
            .cloned()
            .unwrap_or_default()
    }
}

/// The period types each PI is transferred with by the source's exchanges, in the
/// order the exchanges list them.
fn exchange_periods(source: &Catalog) -> FxHashMap<String, Vec<(RelativeType, PeriodOrigin)>> {
    let mut out: FxHashMap<String, Vec<(RelativeType, PeriodOrigin)>> = FxHashMap::default();
    for ex in source.exchanges.iter() {
        for req in &ex.source.requests {
            for pi in &req.dx {
                for pe in &req.pe {
                    let t = relative_type(pe).or_else(|| crate::period::period_spec_type(pe));
                    if let Some(t) = t {
                        let origin = PeriodOrigin::Exchange(ObjectRef::of(ex));
                        let list = out.entry(pi.clone()).or_default();
                        if !list.contains(&(t, origin.clone())) {
                            list.push((t, origin));
                        }
                    }
                }
            }
        }
    }
    out
}
