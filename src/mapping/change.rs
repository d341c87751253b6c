//! One change of one mapping field of one program indicator.

use serde::Serialize;

/// A mapping field of a program indicator.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Field {
    /// The value of the mapping attribute (its UID).
    Attribute(String),
    /// `aggregateExportDataElement` (2.42+).
    DataElement,
    CategoryOptionCombo,
    AttributeOptionCombo,
}

impl Field {
    pub fn describe(&self) -> String {
        match self {
            Field::Attribute(a) => format!("mapping attribute {a}"),
            Field::DataElement => "aggregateExportDataElement".into(),
            Field::CategoryOptionCombo => "aggregateExportCategoryOptionCombo".into(),
            Field::AttributeOptionCombo => "aggregateExportAttributeOptionCombo".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub program_indicator: String,
    pub name: String,
    pub field: Field,
    /// `None`: empty or absent.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Why (the rule and its evidence, or "sheet").
    pub reason: String,
}

impl Change {
    pub fn line(&self) -> String {
        let v = |o: &Option<String>| {
            o.as_deref()
                .map_or("(empty)".to_string(), |s| format!("`{s}`"))
        };
        format!(
            "\"{}\" ({}): {} {} → {} ({})",
            self.name,
            self.program_indicator,
            self.field.describe(),
            v(&self.from),
            v(&self.to),
            self.reason
        )
    }
}
