//! The org units that will report: the job's `sync.org_units` when set (expanded like
//! the analytics `ou` dimension), else the org units of the programs that own the
//! mapped PIs; each matched in the target under the org unit id scheme.
//!
//! Units are held once per set (one set per program, or the job's one list) and each
//! mapping points at its set: a national program reports from tens of thousands of
//! org units, and its hundreds of PIs share them.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::catalog::Catalog;
use crate::config::{Config, Spanned};
use crate::idscheme::{IdScheme, is_uid};
use crate::model::Identifiable;

use super::mappings::Mapping;

/// A source org unit that does not resolve in the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    pub source_id: String,
    pub name: String,
    /// What the export writes for it under the org unit id scheme.
    pub exported_as: String,
}

/// Whose org units a set holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Members {
    /// The org units of a source program (its UID; the program may be missing from the
    /// source, and then has none).
    Program(String),
    /// `sync.org_units`, expanded to source org unit ids.
    Listed(Vec<String>),
}

/// The org units one set of mappings reports from.
#[derive(Debug, Clone)]
pub struct UnitSet {
    pub members: Members,
    /// Target org units (indices), sorted, each once.
    pub resolved: Vec<usize>,
    /// Members the target lacks, in member order.
    pub unresolved: Vec<Unresolved>,
}

impl UnitSet {
    /// The source org unit ids, as the export asks for them.
    pub fn source_ids<'a>(&'a self, source: &'a Catalog) -> Box<dyn Iterator<Item = &'a str> + 'a> {
        match &self.members {
            Members::Listed(ids) => Box::new(ids.iter().map(String::as_str)),
            Members::Program(p) => match source.programs.get(p) {
                Some(p) => Box::new(p.organisation_units.iter()),
                None => Box::new(std::iter::empty()),
            },
        }
    }

    pub fn program(&self) -> Option<&str> {
        match &self.members {
            Members::Program(p) => Some(p),
            Members::Listed(_) => None,
        }
    }

    fn is_empty(&self) -> bool {
        self.resolved.is_empty() && self.unresolved.is_empty()
    }
}

/// Why the org-unit rules have nothing to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// No org unit will report: no `sync.org_units` and the programs have none.
    NoReportingUnits { programs: Vec<String> },
    /// The target metadata carries no org units (typical of packages).
    TargetHasNoOrgUnits,
    /// `sync.org_units` uses items that need the source hierarchy, which was not read.
    CannotExpand { items: Vec<String> },
    /// The CODE/ATTRIBUTE scheme needs the source org units, which were not read.
    SourceHasNoOrgUnits,
}

#[derive(Debug, Clone, Default)]
pub struct ReportingUnits {
    pub sets: Vec<UnitSet>,
    /// Per mapping (same order as the mappings): its set.
    pub by_mapping: Vec<Option<usize>>,
    pub from_config: bool,
    pub skip: Option<Skip>,
    /// Items of `sync.org_units` that cannot be expanded offline (groups, user org units).
    pub unexpandable: Vec<String>,
}

impl ReportingUnits {
    pub fn build(
        source: &Catalog,
        target: &Catalog,
        config: &Config,
        mappings: &[Mapping],
    ) -> ReportingUnits {
        let scheme = &config.mapping.org_unit_id_scheme;
        let mut r = ReportingUnits {
            by_mapping: vec![None; mappings.len()],
            // A record job's `sync.org_units` narrows its blocks' org units instead (see
            // `source::bind`): records land where they are, not at a listed parent.
            from_config: !config.sync.org_units.is_empty() && config.records.is_none(),
            ..ReportingUnits::default()
        };
        if target.organisation_units.is_empty() {
            r.skip = Some(Skip::TargetHasNoOrgUnits);
            return r;
        }
        if *scheme != IdScheme::Uid && source.organisation_units.is_empty() {
            r.skip = Some(Skip::SourceHasNoOrgUnits);
            return r;
        }
        let resolve = |members: Members| resolve_set(source, target, scheme, members);
        if r.from_config {
            let (ids, unexpandable, blocked) = expand(source, &config.sync.org_units);
            r.unexpandable = unexpandable;
            if !blocked.is_empty() {
                r.skip = Some(Skip::CannotExpand { items: blocked });
                return r;
            }
            r.sets.push(resolve(Members::Listed(ids)));
            r.by_mapping.fill(Some(0));
            return r;
        }
        // One set per program of a mapped PI, resolved in parallel.
        let mut programs: BTreeMap<&str, usize> = BTreeMap::new();
        for (mi, m) in mappings.iter().enumerate() {
            if let Some(p) = source.program_indicators[m.pi].program.as_ref() {
                let next = programs.len();
                r.by_mapping[mi] = Some(*programs.entry(p.id.as_str()).or_insert(next));
            }
        }
        let mut order: Vec<(&str, usize)> = programs.into_iter().collect();
        order.sort_by_key(|&(_, k)| k);
        r.sets = order
            .par_iter()
            .map(|&(p, _)| resolve(Members::Program(p.to_string())))
            .collect();
        if r.sets.iter().all(UnitSet::is_empty) {
            let mut without: Vec<String> = r
                .sets
                .iter()
                .filter_map(|s| s.program().map(str::to_string))
                .collect();
            without.sort();
            r.skip = Some(Skip::NoReportingUnits { programs: without });
        }
        r
    }

    /// The set a mapping reports from.
    pub fn set_of(&self, mapping: usize) -> Option<&UnitSet> {
        self.by_mapping
            .get(mapping)
            .copied()
            .flatten()
            .map(|s| &self.sets[s])
    }

    /// The sets some mappings report from, sorted, each once.
    pub fn sets_of(&self, mappings: impl IntoIterator<Item = usize>) -> Vec<usize> {
        let mut sets: Vec<usize> = mappings
            .into_iter()
            .filter_map(|m| self.by_mapping.get(m).copied().flatten())
            .collect();
        sets.sort_unstable();
        sets.dedup();
        sets
    }

    /// The target org units a mapping reports from, sorted.
    pub fn targets_of(&self, mapping: usize) -> &[usize] {
        self.set_of(mapping).map_or(&[], |s| &s.resolved[..])
    }
}

/// Resolve one set's members in the target under the scheme.
fn resolve_set(source: &Catalog, target: &Catalog, scheme: &IdScheme, members: Members) -> UnitSet {
    let mut set = UnitSet {
        members,
        resolved: Vec::new(),
        unresolved: Vec::new(),
    };
    let (mut resolved, mut unresolved) = (Vec::new(), Vec::new());
    let mut seen = BTreeSet::new();
    for id in set.source_ids(source) {
        let src = (*scheme != IdScheme::Uid)
            .then(|| source.organisation_units.get(id))
            .flatten();
        // Analytics keeps the UID when the object lacks the property (§4.2 step 5).
        let exported_as = src.and_then(|o| scheme.identifier(o)).unwrap_or(id);
        match target.organisation_units.resolve(scheme, exported_as) {
            Some(t) => resolved.push(t),
            None if seen.insert(id) => {
                let name = source
                    .organisation_units
                    .get(id)
                    .map(|o| o.name().to_string());
                unresolved.push(Unresolved {
                    source_id: id.to_string(),
                    name: name.unwrap_or_default(),
                    exported_as: exported_as.to_string(),
                });
            }
            None => {}
        }
    }
    resolved.sort_unstable();
    resolved.dedup();
    set.resolved = resolved;
    set.unresolved = unresolved;
    set
}

/// Expand analytics `ou` items into source org unit ids. Returns the ids, the items
/// that cannot be expanded offline (left out, reported as notes), and the items that
/// need a source hierarchy that was not read.
fn expand(source: &Catalog, items: &[Spanned<String>]) -> (Vec<String>, Vec<String>, Vec<String>) {
    let roots: Vec<&str> = items
        .iter()
        .map(|s| s.value.as_str())
        .filter(|s| is_uid(s))
        .collect();
    let mut ids: BTreeSet<String> = BTreeSet::new();
    let mut unexpandable = Vec::new();
    let mut blocked = Vec::new();
    let mut levels = Vec::new();
    for item in items.iter().map(|s| s.value.as_str()) {
        if let Some(level) = item.strip_prefix("LEVEL-") {
            match level.parse::<u32>() {
                Ok(n) => levels.push(n),
                Err(_) => unexpandable.push(item.to_string()),
            }
        } else if !is_uid(item) {
            unexpandable.push(item.to_string());
        }
    }
    if levels.is_empty() {
        ids.extend(roots.iter().map(|s| s.to_string()));
    } else if source.organisation_units.is_empty() {
        blocked.extend(levels.iter().map(|n| format!("LEVEL-{n}")));
    } else {
        // With a level, the UIDs only bound the area, as in analytics.
        for ou in source.organisation_units.iter() {
            let Some(level) = ou.effective_level() else {
                continue;
            };
            if !levels.contains(&level) {
                continue;
            }
            let path = ou.path.as_deref().unwrap_or("");
            if roots.is_empty() || path.split('/').any(|seg| roots.contains(&seg)) {
                ids.insert(ou.id.to_string());
            }
        }
    }
    (ids.into_iter().collect(), unexpandable, blocked)
}
