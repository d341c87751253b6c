//! Rule identity: codes, names and default severities of the whole catalogue
//! (`shared/design/rules.md`), implemented or planned. A leaf: config, diagnostics and
//! the rules all read it, and it reads none of them.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::suggest::did_you_mean;

/// How bad a finding is. Ordered worst first so that sorting puts errors on top.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The level a job gives a rule: a severity, or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Severity(Severity),
    Off,
}

impl Level {
    pub const FORMS: &'static str = "\"error\", \"warning\", \"note\" or \"off\"";
}

impl FromStr for Level {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "error" => Ok(Level::Severity(Severity::Error)),
            "warning" | "warn" => Ok(Level::Severity(Severity::Warning)),
            "note" | "info" => Ok(Level::Severity(Severity::Note)),
            "off" | "allow" => Ok(Level::Off),
            _ => Err(()),
        }
    }
}

/// A rule's identity in the catalogue.
#[derive(Debug, PartialEq, Eq)]
pub struct RuleId {
    pub code: &'static str,
    pub name: &'static str,
    /// The default severity.
    pub severity: Severity,
}

impl RuleId {
    /// The level a job gives the rule: the last setting for its code, else its default.
    pub fn level(&self, levels: &[(&'static str, Level)]) -> Level {
        levels
            .iter()
            .rev()
            .find(|(code, _)| *code == self.code)
            .map_or(Level::Severity(self.severity), |(_, l)| *l)
    }
}

macro_rules! catalogue {
    ($($ident:ident = $code:literal $name:literal $sev:ident;)*) => {
        $(pub static $ident: RuleId = RuleId { code: $code, name: $name, severity: Severity::$sev };)*
        /// Every rule of the catalogue, in code order.
        pub static CATALOGUE: &[&RuleId] = &[$(&$ident),*];
    };
}

catalogue! {
    MAPPING_ATTRIBUTE_MISSING = "T2A001" "mapping-attribute-missing" Error;
    MAPPING_ATTRIBUTE_MISCONFIGURED = "T2A002" "mapping-attribute-misconfigured" Warning;
    UNKNOWN_DATA_ELEMENT = "T2A003" "unknown-data-element" Error;
    UNKNOWN_CATEGORY_OPTION_COMBO = "T2A004" "unknown-category-option-combo" Error;
    CATEGORY_OPTION_COMBO_NOT_IN_COMBO = "T2A005" "category-option-combo-not-in-combo" Error;
    MISSING_CATEGORY_OPTION_COMBO = "T2A006" "missing-category-option-combo" Error;
    DUPLICATE_TARGET = "T2A007" "duplicate-target" Error;
    UNKNOWN_ATTRIBUTE_OPTION_COMBO = "T2A008" "unknown-attribute-option-combo" Error;
    DATA_ELEMENT_NOT_IN_DATA_SET = "T2A009" "data-element-not-in-data-set" Warning;
    PERIOD_TYPE_MISMATCH = "T2A010" "period-type-mismatch" Error;
    CONFLICTING_PERIOD_TYPES = "T2A011" "conflicting-period-types" Warning;
    UNKNOWN_ORG_UNIT = "T2A012" "unknown-org-unit" Error;
    UNASSIGNED_ORG_UNIT = "T2A013" "unassigned-org-unit" Error;
    VALUE_TYPE_MISMATCH = "T2A014" "value-type-mismatch" Error;
    NON_INTEGER_EXPORT = "T2A015" "non-integer-export" Warning;
    NEGATIVE_OR_ZERO_REJECTED = "T2A016" "negative-or-zero-rejected" Warning;
    ZERO_NOT_STORED = "T2A017" "zero-not-stored" Note;
    NOT_AGGREGATE_DOMAIN = "T2A018" "not-aggregate-domain" Error;
    MIXED_ID_SCHEMES = "T2A019" "mixed-id-schemes" Warning;
    TARGET_WITHOUT_CODE = "T2A020" "target-without-code" Warning;
    INCOMPLETE_DISAGGREGATION = "T2A021" "incomplete-disaggregation" Note;
    EXPIRY_WINDOW = "T2A022" "expiry-window" Warning;
    EXCHANGE_MISMATCH = "T2A023" "exchange-mismatch" Error;
    UNMAPPED_PROGRAM_INDICATOR = "T2A024" "unmapped-program-indicator" Note;
    STALE_ANALYTICS = "T2A025" "stale-analytics" Warning;
    // Reserved by rules.md for the expression and record-source issues: a job may set
    // their levels already.
    TOLERATED_TRAILING_TEXT = "T2A026" "tolerated-trailing-text" Warning;
    DISAGGREGATION_MAPPING_INVALID = "T2A027" "disaggregation-mapping-invalid" Error;
    DISAGGREGATION_COMBO_MISMATCH = "T2A028" "disaggregation-combo-mismatch" Error;
    INVALID_EXPRESSION = "T2A030" "invalid-expression" Error;
    UNKNOWN_REFERENCE = "T2A031" "unknown-reference" Error;
    WRONG_ANALYTICS_TYPE_ITEM = "T2A032" "wrong-analytics-type-item" Error;
    AGGREGATION_TYPE_MISMATCH = "T2A033" "aggregation-type-mismatch" Error;
    EVENT_TYPE_COUNTS_ENROLLMENTS = "T2A034" "event-type-counts-enrollments" Note;
    CUMULATIVE_BOUNDARY = "T2A035" "cumulative-boundary" Warning;
    ORG_UNIT_FIELD_INVALID = "T2A036" "org-unit-field-invalid" Error;
    DUPLICATE_DISAGGREGATION = "T2A037" "duplicate-disaggregation" Error;
    INCONSISTENT_DISAGGREGATION = "T2A038" "inconsistent-disaggregation" Warning;
    STAGE_VALUE_SEMANTICS = "T2A039" "stage-value-semantics" Note;
    UNKNOWN_REFERENCE_VALUE = "T2A040" "unknown-reference-value" Error;
    UNKNOWN_SOURCE_FIELD = "T2A041" "unknown-source-field" Error;
    UNMAPPED_LOCATION = "T2A042" "unmapped-location" Error;
    OVERLAPPING_DISAGGREGATION = "T2A043" "overlapping-disaggregation" Error;
    CATEGORY_OPTION_NOT_COVERED = "T2A044" "category-option-not-covered" Warning;
    RECORDS_NOT_AGGREGATED = "T2A045" "records-not-aggregated" Warning;
    RECORD_PERIOD_TYPE_MISMATCH = "T2A046" "record-period-type-mismatch" Error;
    RESTRICTED_SOURCE_VISIBILITY = "T2A047" "restricted-source-visibility" Warning;
    DISCARDED_CASES_COUNTED = "T2A048" "discarded-cases-counted" Warning;
    DUPLICATE_RECORDS = "T2A049" "duplicate-records" Error;
}

/// A rule of the catalogue by name or code (case-insensitive code), or the closest name.
pub fn lookup(name_or_code: &str) -> Result<&'static RuleId, Option<&'static str>> {
    CATALOGUE
        .iter()
        .copied()
        .find(|r| r.name == name_or_code || r.code.eq_ignore_ascii_case(name_or_code))
        .ok_or_else(|| did_you_mean(name_or_code, CATALOGUE.iter().map(|r| r.name)))
}
