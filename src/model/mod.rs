//! Serde types of the DHIS2 objects the tool reads, in the shape of `GET /api/metadata`
//! and of the WHO metadata packages.
//!
//! Only the properties the checks (and later the sync) need are declared; everything
//! else in a file is skipped while parsing. A collection that is absent from a file is
//! `None`, which is not the same as an empty one: a package without `organisationUnits`
//! tells nothing about org units, while an instance with none has none.

mod fast;
mod ids;
mod load;
mod objects;
mod snapshot;

pub use ids::{IdList, KeyIs};
pub use load::{LoadError, load_metadata_file, parse_metadata};
pub use objects::*;
pub use snapshot::write_snapshot;

use serde::{Deserialize, Serialize};

/// One side of a job: every collection the checks read.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// Written by `t2a snapshot` (the subset of `/api/system/info` the tool uses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemInfo>,
    /// Present in WHO packages; carries the DHIS2 version the package was exported from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<PackageInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Vec<Attribute>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub programs: Option<Vec<Program>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_stages: Option<Vec<ProgramStage>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracked_entity_attributes: Option<Vec<TrackedEntityAttribute>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constants: Option<Vec<Constant>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship_types: Option<Vec<RelationshipType>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_indicators: Option<Vec<ProgramIndicator>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_indicator_groups: Option<Vec<ProgramIndicatorGroup>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate_data_exchanges: Option<Vec<AggregateDataExchange>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_elements: Option<Vec<DataElement>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_combos: Option<Vec<CategoryCombo>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<Category>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_options: Option<Vec<CategoryOption>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_option_combos: Option<Vec<CategoryOptionCombo>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_sets: Option<Vec<DataSet>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation_units: Option<Vec<OrganisationUnit>>,
}

/// Borrow a collection that may be absent as a slice.
pub fn items<T>(collection: &Option<Vec<T>>) -> &[T] {
    collection.as_deref().unwrap_or(&[])
}

impl Metadata {
    /// The DHIS2 version the metadata came from: the live `system` block, else the
    /// package's `DHIS2Version`.
    pub fn dhis2_version(&self) -> Option<&str> {
        self.system
            .as_ref()
            .and_then(|s| s.version.as_deref())
            .or_else(|| {
                self.package
                    .as_ref()
                    .and_then(|p| p.dhis2_version.as_deref())
            })
    }

    /// Sort every collection by id so that snapshots diff cleanly and reports do not
    /// depend on the order a server or file happened to use.
    pub fn sort(&mut self) {
        fn by_id<T: Identifiable>(c: &mut Option<Vec<T>>) {
            if let Some(v) = c {
                v.sort_by(|a, b| a.id().cmp(b.id()));
            }
        }
        by_id(&mut self.attributes);
        by_id(&mut self.programs);
        by_id(&mut self.program_indicators);
        by_id(&mut self.program_stages);
        by_id(&mut self.tracked_entity_attributes);
        by_id(&mut self.constants);
        by_id(&mut self.relationship_types);
        by_id(&mut self.program_indicator_groups);
        by_id(&mut self.aggregate_data_exchanges);
        by_id(&mut self.data_elements);
        by_id(&mut self.category_combos);
        by_id(&mut self.categories);
        by_id(&mut self.category_options);
        by_id(&mut self.category_option_combos);
        by_id(&mut self.data_sets);
        by_id(&mut self.organisation_units);
    }
}

impl SystemInfo {
    /// How old the analytics tables are, by the server's own clock (`serverDate` minus
    /// `lastAnalyticsTableSuccess`, both in server time). `None` if they never ran or the
    /// server does not say.
    pub fn analytics_age(&self) -> Option<std::time::Duration> {
        let parse = |s: &str| {
            s.trim_end_matches('Z')
                .parse::<jiff::civil::DateTime>()
                .ok()
        };
        let last = parse(self.last_analytics_table_success.as_deref()?)?;
        let now = self.server_date.as_deref().and_then(parse)?;
        std::time::Duration::try_from(now.duration_since(last)).ok()
    }
}

/// A human duration: "3 h 20 min", "2 d 4 h".
pub fn human_duration(d: std::time::Duration) -> String {
    let mins = d.as_secs() / 60;
    let (days, hours, m) = (mins / 1440, (mins / 60) % 24, mins % 60);
    match (days, hours) {
        (0, 0) => format!("{m} min"),
        (0, h) => format!("{h} h {m} min"),
        (d, h) => format!("{d} d {h} h"),
    }
}

/// The part of `/api/system/info` the tool reads.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_analytics_table_success: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_base_url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct PackageInfo {
    #[serde(
        rename = "DHIS2Version",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub dhis2_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn analytics_age_uses_the_server_clock() {
        let s = SystemInfo {
            server_date: Some("2026-11-24T09:00:00.000".into()),
            last_analytics_table_success: Some("2026-11-23T07:30:00.000".into()),
            ..SystemInfo::default()
        };
        assert_eq!(
            s.analytics_age(),
            Some(Duration::from_secs(25 * 3600 + 1800))
        );
        assert_eq!(
            human_duration(Duration::from_secs(25 * 3600 + 1800)),
            "1 d 1 h"
        );
        assert_eq!(SystemInfo::default().analytics_age(), None);
    }
}
