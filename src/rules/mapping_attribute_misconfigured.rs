use crate::diagnostic::{Finding, ObjectRef};
use crate::job::AttributeOutcome;
use crate::job::Job;

declare_rule! {
    /// ## What it does
    /// Checks the definition of the mapping attribute: value type TEXT, not mandatory,
    /// not unique, and assigned to program indicators.
    ///
    /// ## Why is this bad?
    /// A non-TEXT attribute cannot hold a data element code; a mandatory one forces a
    /// value on every program indicator, including those that must not be transferred;
    /// a unique one forbids two program indicators from feeding the same data element
    /// with different category option combos; an attribute not assigned to program
    /// indicators cannot be edited in the Maintenance app, so mappings drift.
    ///
    /// ## How to fix
    /// In Maintenance > Other > Attribute, set value type Text, untick Mandatory and
    /// Unique, and tick Program indicator.
    ///
    /// ## Example
    /// An attribute `DATA_ELEMENT_AGG` with `"unique": true`: two PIs mapped to
    /// `MAL_CASES` with COCs `MALE` and `FEMALE` cannot both be saved.
    pub static RULE = {
        id: MAPPING_ATTRIBUTE_MISCONFIGURED,
        summary: "the mapping attribute is not of value type TEXT, is mandatory, is unique, or is not assigned to program indicators",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let AttributeOutcome::Chosen {
        definition: Some(i),
        ..
    } = &cx.attribute.outcome
    else {
        return Vec::new();
    };
    let a = &cx.source.attributes[*i];
    let mut problems = Vec::new();
    let mut fixes = Vec::new();
    match a.value_type.as_deref() {
        Some("TEXT") | None => {}
        Some(other) => {
            problems.push(format!("its value type is {other}, not TEXT"));
            fixes.push("set value type Text");
        }
    }
    if a.mandatory {
        problems.push("it is mandatory".to_string());
        fixes.push("untick Mandatory");
    }
    if a.unique {
        problems.push("it is unique".to_string());
        fixes.push("untick Unique (several PIs may feed one data element with different COCs)");
    }
    if !a.applies_to_program_indicators() {
        problems.push("it is not assigned to program indicators".to_string());
        fixes.push("tick Program indicator");
    }
    if problems.is_empty() {
        return Vec::new();
    }
    vec![
        Finding::new(
            &RULE,
            format!(
                "the mapping attribute \"{}\" ({}) is misconfigured: {}",
                a.name.as_deref().unwrap_or(""),
                a.id,
                problems.join(", ")
            ),
            format!("in Maintenance > Other > Attribute: {}", fixes.join("; ")),
        )
        .object(ObjectRef::of(a)),
    ]
}
