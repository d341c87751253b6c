//! The org units that will report: the job's `sync.org_units` when set (expanded like
//! the analytics `ou` dimension), else the org units of the programs that own the
//! mapped PIs; each matched in the target under the org unit id scheme.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::Catalog;
use crate::config::{Config, Spanned};
use crate::idscheme::{IdScheme, is_uid};
use crate::mapping::Mapping;
use crate::model::Identifiable;

/// A source org unit that will report, and what the target makes of it.
#[derive(Debug, Clone)]
pub struct ReportingUnit {
    pub source_id: String,
    pub name: String,
    /// What the export writes for it under the org unit id scheme.
    pub exported_as: String,
    /// The target org unit it resolves to.
    pub target: Option<usize>,
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
pub struct Reporting {
    pub units: Vec<ReportingUnit>,
    /// Per mapping (same order as the mappings): indices into `units`.
    pub by_mapping: Vec<Vec<usize>>,
    pub from_config: bool,
    pub skip: Option<Skip>,
    /// Items of `sync.org_units` that cannot be expanded offline (groups, user org units).
    pub unexpandable: Vec<String>,
}

impl Reporting {
    pub fn build(
        source: &Catalog,
        target: &Catalog,
        config: &Config,
        mappings: &[Mapping],
    ) -> Reporting {
        let scheme = &config.mapping.org_unit_id_scheme;
        let mut r = Reporting {
            by_mapping: vec![Vec::new(); mappings.len()],
            from_config: !config.sync.org_units.is_empty(),
            ..Reporting::default()
        };
        if target.organisation_units().is_empty() {
            r.skip = Some(Skip::TargetHasNoOrgUnits);
            return r;
        }
        if *scheme != IdScheme::Uid && source.organisation_units().is_empty() {
            r.skip = Some(Skip::SourceHasNoOrgUnits);
            return r;
        }
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        let mut unit = |id: &str, r: &mut Reporting| -> usize {
            if let Some(&i) = index.get(id) {
                return i;
            }
            let src = source
                .organisation_units
                .id(id)
                .map(|i| &source.organisation_units()[i]);
            let exported_as = match (scheme, src) {
                (IdScheme::Uid, _) | (_, None) => id.to_string(),
                // Analytics keeps the UID when the object lacks the property (§4.2 step 5).
                (IdScheme::Code, Some(o)) => o.code().unwrap_or(id).to_string(),
                (IdScheme::Attribute(a), Some(o)) => o.attribute_value(a).unwrap_or(id).to_string(),
            };
            r.units.push(ReportingUnit {
                source_id: id.to_string(),
                name: src.map(|o| o.name().to_string()).unwrap_or_default(),
                target: target.organisation_units.resolve(scheme, &exported_as),
                exported_as,
            });
            index.insert(id.to_string(), r.units.len() - 1);
            r.units.len() - 1
        };

        if r.from_config {
            let (ids, unexpandable, blocked) = expand(source, &config.sync.org_units);
            r.unexpandable = unexpandable;
            if !blocked.is_empty() {
                r.skip = Some(Skip::CannotExpand { items: blocked });
                return r;
            }
            let all: Vec<usize> = ids.iter().map(|id| unit(id, &mut r)).collect();
            for m in r.by_mapping.iter_mut() {
                m.clone_from(&all);
            }
        } else {
            let pis = source.program_indicators();
            let mut without_units = BTreeSet::new();
            for (mi, m) in mappings.iter().enumerate() {
                let Some(program) = pis[m.pi].program.as_ref() else {
                    continue;
                };
                let units = source
                    .programs
                    .id(&program.id)
                    .map(|p| &source.programs()[p].organisation_units[..])
                    .unwrap_or(&[]);
                if units.is_empty() {
                    without_units.insert(program.id.clone());
                }
                let idx: Vec<usize> = units.iter().map(|u| unit(&u.id, &mut r)).collect();
                r.by_mapping[mi] = idx;
            }
            if r.units.is_empty() {
                r.skip = Some(Skip::NoReportingUnits {
                    programs: without_units.into_iter().collect(),
                });
            }
        }
        r
    }
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
    } else if source.organisation_units().is_empty() {
        blocked.extend(levels.iter().map(|n| format!("LEVEL-{n}")));
    } else {
        // With a level, the UIDs only bound the area, as in analytics.
        for ou in source.organisation_units() {
            let Some(level) = ou.effective_level() else {
                continue;
            };
            if !levels.contains(&level) {
                continue;
            }
            let path = ou.path.as_deref().unwrap_or("");
            if roots.is_empty() || path.split('/').any(|seg| roots.contains(&seg)) {
                ids.insert(ou.id.clone());
            }
        }
    }
    (ids.into_iter().collect(), unexpandable, blocked)
}
