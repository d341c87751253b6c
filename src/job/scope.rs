//! The program indicators in the job's scope.

use std::collections::HashSet;

use crate::catalog::Catalog;
use crate::config::MappingConfig;

/// The program indicators in the job's scope: those of `programs`, those of
/// `program_indicator_groups`, or those in both when both are given; all without scope.
pub fn scope(source: &Catalog, cfg: &MappingConfig) -> Vec<usize> {
    let programs: HashSet<&str> = cfg.programs.iter().map(|p| p.value.as_str()).collect();
    let groups: HashSet<&str> = cfg
        .program_indicator_groups
        .iter()
        .map(|g| g.value.as_str())
        .collect();
    let mut in_groups: HashSet<&str> = HashSet::new();
    for g in source.program_indicator_groups.iter() {
        if groups.contains(g.id.as_str()) {
            in_groups.extend(g.program_indicators.iter().map(|r| r.id.as_str()));
        }
    }
    source
        .program_indicators
        .iter()
        .enumerate()
        .filter(|(_, pi)| {
            let by_program = programs.is_empty()
                || pi
                    .program
                    .as_ref()
                    .is_some_and(|p| programs.contains(p.id.as_str()));
            let by_group = groups.is_empty()
                || in_groups.contains(pi.id.as_str())
                || pi
                    .program_indicator_groups
                    .iter()
                    .any(|g| groups.contains(g.id.as_str()));
            by_program && by_group
        })
        .map(|(i, _)| i)
        .collect()
}
