//! The rule registry. A rule is one file: its documentation (the doc comment, which
//! also feeds `t2a explain` and `rules/<name>.md`), its registration and its check.

pub mod help;

use rayon::prelude::*;

use crate::diagnostic::{Finding, Level};
use crate::job::Job;
use crate::rule_id::{CATALOGUE, RuleId};

/// A rule: identity (code, name, default severity), documentation and check.
pub struct Rule {
    pub id: &'static RuleId,
    /// One line: when the rule fires.
    pub summary: &'static str,
    /// Markdown, from the doc comment.
    doc: &'static str,
    pub check: fn(&Job<'_>) -> Vec<Finding>,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.name)
    }
}

impl std::ops::Deref for Rule {
    type Target = RuleId;
    fn deref(&self) -> &RuleId {
        self.id
    }
}

impl Rule {
    /// The documentation without the one leading space rustdoc keeps per line.
    pub fn doc(&self) -> String {
        let mut out = String::new();
        for line in self.doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim().to_string()
    }

    /// The Markdown page of the rule (`rules/<name>.md`).
    pub fn page(&self) -> String {
        format!(
            "<!-- generated from src/rules by `T2A_BLESS=1 cargo test`; edit the doc comment there -->\n\
             # {code} `{name}`\n\n\
             Default severity: **{sev}**\n\n\
             {summary}\n\n\
             {doc}\n",
            code = self.code,
            name = self.name,
            sev = self.severity,
            summary = capitalise(self.summary),
            doc = self.doc(),
        )
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect::<String>() + ".",
        None => String::new(),
    }
}

/// Declare a rule; the doc comment becomes its documentation.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:expr])*
        pub static $ident:ident = {
            id: $id:ident,
            summary: $summary:literal,
            check: $check:path $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub static $ident: $crate::rules::Rule = $crate::rules::Rule {
            id: &$crate::rule_id::$id,
            summary: $summary,
            doc: concat!($($doc, "\n"),*),
            check: $check,
        };
    };
}

mod aggregation_type_mismatch;
mod attribute_option_combo;
pub mod bulk_rename;
mod category_option_combo_not_in_combo;
mod category_option_not_covered;
mod conflicting_period_types;
mod cumulative_boundary;
mod data_element_not_in_data_set;
mod disaggregation_combo_mismatch;
mod disaggregation_mapping_invalid;
mod discarded_cases_counted;
mod duplicate_disaggregation;
mod duplicate_records;
mod duplicate_target;
mod event_type_counts_enrollments;
mod exchange_mismatch;
mod expiry_window;
mod incomplete_disaggregation;
mod inconsistent_disaggregation;
mod invalid_expression;
mod mapping_attribute_misconfigured;
mod mapping_attribute_missing;
mod missing_category_option_combo;
mod mixed_id_schemes;
mod negative_or_zero_rejected;
mod non_integer_export;
mod not_aggregate_domain;
mod org_unit_field_invalid;
mod overlapping_disaggregation;
mod period_type_mismatch;
mod record_period_type_mismatch;
pub mod records;
mod records_not_aggregated;
mod restricted_source_visibility;
mod stage_value_semantics;
mod stale_analytics;
mod target_without_code;
mod tolerated_trailing_text;
mod unassigned_org_unit;
mod unknown_category_option_combo;
mod unknown_data_element;
mod unknown_org_unit;
mod unknown_reference;
mod unknown_reference_value;
mod unknown_source_field;
mod unmapped_location;
mod unmapped_program_indicator;
mod value_type_mismatch;
mod version_note;
mod wrong_analytics_type_item;
mod zero_not_stored;

/// Every implemented rule, in code order.
pub static RULES: &[&Rule] = &[
    &mapping_attribute_missing::RULE,
    &mapping_attribute_misconfigured::RULE,
    &unknown_data_element::RULE,
    &unknown_category_option_combo::RULE,
    &category_option_combo_not_in_combo::RULE,
    &missing_category_option_combo::RULE,
    &duplicate_target::RULE,
    &attribute_option_combo::RULE,
    &data_element_not_in_data_set::RULE,
    &period_type_mismatch::RULE,
    &conflicting_period_types::RULE,
    &unknown_org_unit::RULE,
    &unassigned_org_unit::RULE,
    &value_type_mismatch::RULE,
    &non_integer_export::RULE,
    &negative_or_zero_rejected::RULE,
    &zero_not_stored::RULE,
    &not_aggregate_domain::RULE,
    &mixed_id_schemes::RULE,
    &target_without_code::RULE,
    &incomplete_disaggregation::RULE,
    &expiry_window::RULE,
    &exchange_mismatch::RULE,
    &unmapped_program_indicator::RULE,
    &stale_analytics::RULE,
    &tolerated_trailing_text::RULE,
    &disaggregation_mapping_invalid::RULE,
    &disaggregation_combo_mismatch::RULE,
    &invalid_expression::RULE,
    &unknown_reference::RULE,
    &wrong_analytics_type_item::RULE,
    &aggregation_type_mismatch::RULE,
    &event_type_counts_enrollments::RULE,
    &cumulative_boundary::RULE,
    &org_unit_field_invalid::RULE,
    &duplicate_disaggregation::RULE,
    &inconsistent_disaggregation::RULE,
    &stage_value_semantics::RULE,
    &unknown_reference_value::RULE,
    &unknown_source_field::RULE,
    &unmapped_location::RULE,
    &overlapping_disaggregation::RULE,
    &category_option_not_covered::RULE,
    &records_not_aggregated::RULE,
    &record_period_type_mismatch::RULE,
    &restricted_source_visibility::RULE,
    &discarded_cases_counted::RULE,
    &duplicate_records::RULE,
];

/// Catalogue entries (rules.md) not implemented yet. Their names are part of the
/// contract already, so a job config may set their level today.
pub fn planned() -> impl Iterator<Item = &'static RuleId> {
    CATALOGUE
        .iter()
        .copied()
        .filter(|id| !RULES.iter().any(|r| std::ptr::eq(r.id, *id)))
}

/// The expression rules (T2A026, T2A030–T2A039) check every PI in scope, but only
/// their findings on mapped PIs stop a sync.
pub fn is_expression_rule(id: &RuleId) -> bool {
    id.code == "T2A026" || id.code.strip_prefix("T2A03").is_some_and(|d| d.len() == 1)
}

/// Whether a finding stops a sync: every error, except an expression rule's on a PI
/// without a mapping.
pub fn gates_sync(cx: &Job<'_>, f: &Finding) -> bool {
    if f.severity != crate::diagnostic::Severity::Error {
        return false;
    }
    if !is_expression_rule(f.rule) {
        return true;
    }
    match f.objects.first() {
        Some(o) if o.kind == "programIndicator" => cx
            .mappings
            .iter()
            .any(|m| cx.source.program_indicators[m.pi].id == o.id),
        // Program-level findings (category mapping filters) gate.
        _ => true,
    }
}

/// The record rules alone, with what the records held (a sync runs them once the
/// records are read).
pub fn run_data(cx: &Job<'_>, levels: &[(&'static str, Level)]) -> Vec<Finding> {
    RULES
        .iter()
        .filter(|r| ("T2A040"..="T2A049").contains(&r.code) || r.code == "T2A013")
        .filter_map(|rule| match rule.level(levels) {
            Level::Off => None,
            Level::Severity(sev) => Some((rule, sev)),
        })
        .flat_map(|(rule, sev)| {
            (rule.check)(cx).into_iter().map(move |mut f| {
                if !f.fixed {
                    f.severity = sev;
                }
                f
            })
        })
        .collect()
}

/// Whether a rule judges this kind of job: a record job gets the target rules
/// (T2A003–T2A017) and the record rules (T2A040–T2A049); a program indicator job every
/// other rule.
pub fn applies(rule: &Rule, cx: &Job<'_>) -> bool {
    let record_rule = ("T2A040"..="T2A049").contains(&rule.code);
    match cx.records {
        // `non-integer-export` judges a PI's decimals; a block's values are written by
        // t2a itself, whole numbers without a point.
        Some(_) => {
            record_rule || (("T2A003"..="T2A017").contains(&rule.code) && rule.code != "T2A015")
        }
        None => !record_rule,
    }
}

/// Find an implemented rule by name or code (case-insensitive code).
pub fn find(name_or_code: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.name == name_or_code || r.code.eq_ignore_ascii_case(name_or_code))
}

/// Run every enabled rule (in parallel) and apply the job's levels. The report sorts
/// the findings into the contract's order.
pub fn run(cx: &Job<'_>, levels: &[(&'static str, Level)]) -> Vec<Finding> {
    RULES
        .par_iter()
        .filter(|rule| applies(rule, cx))
        .filter_map(|rule| match rule.level(levels) {
            Level::Off => None,
            Level::Severity(sev) => Some((rule, sev)),
        })
        .flat_map_iter(|(rule, sev)| {
            crate::timing::phase(rule.name, || (rule.check)(cx))
                .into_iter()
                .map(move |mut f| {
                    if !f.fixed {
                        f.severity = sev;
                    }
                    f
                })
        })
        .collect()
}
