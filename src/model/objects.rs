//! The DHIS2 object types, with JSON property names as DHIS2 writes them.

use serde::{Deserialize, Deserializer, Serialize};

use compact_str::CompactString;

use super::IdList;

/// A reference to another object: `{"id": "..."}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
pub struct Ref {
    pub id: String,
}

impl Ref {
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into() }
    }
}

/// `attributeValues[]` entry. DHIS2 writes the value as a string; hand-written files
/// sometimes use numbers or booleans, which are read as their text.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AttributeValue {
    pub attribute: Ref,
    #[serde(deserialize_with = "lenient_string")]
    pub value: String,
}

/// Objects every diagnostic can name: the DHIS2 schema name, id, name and code.
pub trait Identifiable {
    /// DHIS2 schema name (`programIndicator`, `dataElement`, ...).
    const KIND: &'static str;
    fn id(&self) -> &str;
    fn name(&self) -> &str;
    fn code(&self) -> Option<&str>;
    fn attribute_values(&self) -> &[AttributeValue] {
        &[]
    }
    /// The value of one attribute on this object.
    fn attribute_value(&self, attribute: &str) -> Option<&str> {
        self.attribute_values()
            .iter()
            .find(|av| av.attribute.id == attribute)
            .map(|av| av.value.as_str())
    }
}

macro_rules! identifiable {
    ($ty:ty, $kind:literal) => {
        identifiable!(@impl $ty, $kind, {});
    };
    ($ty:ty, $kind:literal, attributes) => {
        identifiable!(@impl $ty, $kind, {
            fn attribute_values(&self) -> &[AttributeValue] {
                &self.attribute_values
            }
        });
    };
    (@impl $ty:ty, $kind:literal, { $($extra:tt)* }) => {
        impl Identifiable for $ty {
            const KIND: &'static str = $kind;
            fn id(&self) -> &str {
                &self.id
            }
            fn name(&self) -> &str {
                self.name.as_deref().unwrap_or("")
            }
            fn code(&self) -> Option<&str> {
                self.code.as_deref()
            }
            $($extra)*
        }
    };
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attribute {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_type: Option<String>,
    #[serde(default)]
    pub mandatory: bool,
    #[serde(default)]
    pub unique: bool,
    #[serde(default)]
    pub program_indicator_attribute: bool,
    /// Read-only summary of the `*Attribute` flags (2.40+), e.g. `["PROGRAM_INDICATOR"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub object_types: Vec<String>,
}
identifiable!(Attribute, "attribute");

impl Attribute {
    /// Whether the attribute can be set on program indicators (the flag, or the
    /// 2.40+ `objectTypes` list).
    pub fn applies_to_program_indicators(&self) -> bool {
        self.program_indicator_attribute
            || self.object_types.iter().any(|t| t == "PROGRAM_INDICATOR")
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Program {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_type: Option<String>,
    #[serde(default)]
    pub organisation_units: IdList,
    /// 2.42+: how events and enrollments fall into category options, for
    /// disaggregated program indicators.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category_mappings: Vec<ProgramCategoryMapping>,
    /// Its stages (references; the stages themselves are in `programStages`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub program_stages: Vec<Ref>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub program_tracked_entity_attributes: Vec<ProgramAttribute>,
}
identifiable!(Program, "program");

/// `program.programTrackedEntityAttributes[]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgramAttribute {
    pub tracked_entity_attribute: Ref,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgramStage {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<Ref>,
    #[serde(default)]
    pub repeatable: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub program_stage_data_elements: Vec<ProgramStageDataElement>,
}
identifiable!(ProgramStage, "programStage");

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgramStageDataElement {
    pub data_element: Ref,
    /// Left out of the analytics tables.
    #[serde(default)]
    pub skip_analytics: bool,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackedEntityAttribute {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_type: Option<String>,
    /// Left out of the analytics tables.
    #[serde(default)]
    pub confidential: bool,
}
identifiable!(TrackedEntityAttribute, "trackedEntityAttribute");

/// A constant (`C{}`): only existence matters to the checks.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Constant {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}
identifiable!(Constant, "constant");

/// A relationship type (`d2:relationshipCount`): only existence matters.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationshipType {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}
identifiable!(RelationshipType, "relationshipType");

/// `programIndicator.analyticsPeriodBoundaries[]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticsPeriodBoundary {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary_target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analytics_period_boundary_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset_periods: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset_period_type: Option<String>,
}

/// `program.categoryMappings[]` (2.42+): one category's options, each with the filter
/// that puts a row into it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgramCategoryMapping {
    pub id: String,
    #[serde(default)]
    pub category_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping_name: Option<String>,
    #[serde(default)]
    pub option_mappings: Vec<ProgramCategoryOptionMapping>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgramCategoryOptionMapping {
    #[serde(default)]
    pub option_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgramIndicator {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<Ref>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analytics_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimals: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregation_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate_export_category_option_combo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate_export_attribute_option_combo: Option<String>,
    /// 2.42+: the target data element as a field of the PI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate_export_data_element: Option<String>,
    /// 2.42+: the COC side of disaggregation (the default combo when not disaggregated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_combo: Option<Ref>,
    /// 2.42+: the AOC side of disaggregation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_combo: Option<Ref>,
    /// 2.42+: ids of the program's `categoryMappings` this PI uses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category_mapping_ids: Vec<String>,
    /// `None` when the file leaves the list out: it says nothing about the bounds
    /// (DHIS2 itself always writes the list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analytics_period_boundaries: Option<Vec<AnalyticsPeriodBoundary>>,
    /// 2.40+: which org unit the PI is counted at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_unit_field: Option<String>,
    #[serde(default)]
    pub attribute_values: Vec<AttributeValue>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub program_indicator_groups: Vec<Ref>,
}
identifiable!(ProgramIndicator, "programIndicator", attributes);

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgramIndicatorGroup {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default)]
    pub program_indicators: Vec<Ref>,
}
identifiable!(ProgramIndicatorGroup, "programIndicatorGroup");

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataElement {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregation_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zero_is_significant: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_combo: Option<Ref>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option_set: Option<Ref>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attribute_values: Vec<AttributeValue>,
}
identifiable!(DataElement, "dataElement", attributes);

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryCombo {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// `DISAGGREGATION` or `ATTRIBUTE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_dimension_type: Option<String>,
    /// Listed over the API; metadata files leave it out (each COC names its combo).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_option_combos: Option<Vec<Ref>>,
    #[serde(default, skip_serializing_if = "IdList::is_empty")]
    pub categories: IdList,
}
identifiable!(CategoryCombo, "categoryCombo");

impl CategoryCombo {
    /// The default combo is the one named `default`; its UID differs between instances.
    pub fn is_default(&self) -> bool {
        self.name.as_deref() == Some("default")
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryOptionCombo {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_combo: Option<Ref>,
    #[serde(default, skip_serializing_if = "IdList::is_empty")]
    pub category_options: IdList,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attribute_values: Vec<AttributeValue>,
}
identifiable!(CategoryOptionCombo, "categoryOptionCombo", attributes);

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Category {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_dimension_type: Option<String>,
    #[serde(default, skip_serializing_if = "IdList::is_empty")]
    pub category_options: IdList,
}
identifiable!(Category, "category");

impl Category {
    pub fn is_default(&self) -> bool {
        self.name.as_deref() == Some("default")
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryOption {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}
identifiable!(CategoryOption, "categoryOption");

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataSetElement {
    pub data_element: Ref,
    /// Per-data-set override of the data element's category combo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_combo: Option<Ref>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataInputPeriod {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Ref>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opening_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closing_date: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataSet {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_type: Option<String>,
    /// The attribute category combo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_combo: Option<Ref>,
    #[serde(default)]
    pub data_set_elements: Vec<DataSetElement>,
    #[serde(default)]
    pub organisation_units: IdList,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_days: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_future_periods: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_input_periods: Vec<DataInputPeriod>,
}
identifiable!(DataSet, "dataSet");

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationUnit {
    // Inline strings: a national hierarchy holds hundreds of thousands of org units,
    // and their UIDs, names and codes rarely pass 24 bytes.
    pub id: CompactString,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<CompactString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CompactString>,
    /// `/rootUid/.../thisUid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Box<str>>,
    /// Root = 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attribute_values: Vec<AttributeValue>,
}
identifiable!(OrganisationUnit, "organisationUnit", attributes);

impl OrganisationUnit {
    /// The level from `level`, else from the depth of `path`.
    pub fn effective_level(&self) -> Option<u32> {
        self.level.or_else(|| {
            self.path
                .as_deref()
                .map(|p| p.split('/').filter(|s| !s.is_empty()).count() as u32)
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AggregateDataExchange {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default)]
    pub source: ExchangeSource,
    #[serde(default)]
    pub target: ExchangeTarget,
}
identifiable!(AggregateDataExchange, "aggregateDataExchange");

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ExchangeSource {
    #[serde(default)]
    pub requests: Vec<ExchangeRequest>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub dx: Vec<String>,
    #[serde(default)]
    pub pe: Vec<String>,
    #[serde(default)]
    pub ou: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_id_scheme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_id_scheme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_data_element_id_scheme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_data_item_id_scheme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_org_unit_id_scheme: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeTarget {
    /// `INTERNAL` or `EXTERNAL`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<ExchangeTargetRequest>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeTargetRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_scheme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_element_id_scheme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_option_combo_id_scheme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_unit_id_scheme: Option<String>,
}

/// Accepts a JSON string, number or boolean and keeps its text.
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Lenient {
        S(String),
        N(serde_json::Number),
        B(bool),
    }
    Ok(match Lenient::deserialize(d)? {
        Lenient::S(s) => s,
        Lenient::N(n) => n.to_string(),
        Lenient::B(b) => b.to_string(),
    })
}
