use super::help::plural;
use crate::diagnostic::{Finding, ObjectRef};
use crate::job::Job;
use crate::job::{ATTRIBUTE_CODE, ATTRIBUTE_NAME, AttributeOutcome};
use crate::model::Identifiable;

declare_rule! {
    /// ## What it does
    /// Checks that the job has a mapping attribute: the attribute configured in
    /// `mapping.attribute`, or else the one detected in the source, in this order: the
    /// attribute with code `DATA_ELEMENT_AGG`, the attribute named "Data element for
    /// aggregate data export", the one attribute on program indicators whose values
    /// resolve to target data elements. It also checks that at least one program
    /// indicator in the job's scope carries a value for it.
    ///
    /// ## Why is this bad?
    /// The attribute is the whole mapping: DHIS2 exports each program indicator under
    /// the value of this attribute (`outputIdScheme=ATTRIBUTE:<uid>`). Without it no
    /// program indicator has a target, and a transfer would export every value under
    /// the program indicator's own UID, which the aggregate instance cannot place.
    ///
    /// ## How to fix
    /// Import the attribute with the metadata package (code `DATA_ELEMENT_AGG`), or set
    /// `mapping.attribute` to the UID of the attribute your instance uses, and give the
    /// program indicators to transfer a value: the code of their aggregate data element.
    /// On DHIS2 2.42+ the program indicator field `aggregateExportDataElement` can
    /// hold the target instead.
    ///
    /// ## Example
    /// ```toml
    /// [mapping]
    /// attribute = "vudyDP7jUy5"   # not in the source: mapping-attribute-missing
    /// ```
    pub static RULE = {
        id: MAPPING_ATTRIBUTE_MISSING,
        summary: "the job's mapping attribute does not exist in the source, or no program indicator in scope carries it",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let det = &cx.attribute;
    let in_scope = plural(cx.scope.len(), "program indicator", "program indicators");
    let mut out = Vec::new();
    match &det.outcome {
        AttributeOutcome::ConfiguredMissing { id, instead } => {
            let help = match instead {
                Some(other) => format!(
                    "the program indicators of the source carry the mapping in attribute {}: set `mapping.attribute = \"{other}\"`, or leave it out to detect it",
                    attribute_label(cx, other)
                ),
                None => "set `mapping.attribute` to the UID of an attribute of the source (Maintenance > Other > Attribute), or leave it out to detect the attribute by its code DATA_ELEMENT_AGG".to_string(),
            };
            let mut f = Finding::new(
                &RULE,
                format!("the configured mapping attribute {id} does not exist in the source"),
                help,
            )
            .object(ObjectRef::unnamed("attribute", id.clone()));
            // About the job's own setting: shown at `mapping.attribute` in its config.
            f.config_key = Some("mapping.attribute");
            out.push(f)
        }
        AttributeOutcome::Ambiguous { candidates } if det.export_field_carriers == 0 => {
            let list: Vec<String> = candidates
                .iter()
                .map(|(id, n)| format!("{id} ({})", plural(*n, "match", "matches")))
                .collect();
            out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "cannot tell which attribute holds the mapping: {} attributes on program indicators hold target data element values: {}",
                        candidates.len(),
                        list.join(", ")
                    ),
                    "set `mapping.attribute` to the UID of the attribute that holds the aggregate data element",
                )
                .objects(candidates.iter().map(|(id, _)| attribute_ref(cx, id))),
            )
        }
        AttributeOutcome::NotFound { used } if det.export_field_carriers == 0 => {
            let seen = if used.is_empty() {
                format!("none of the {in_scope} in scope carries any attribute value")
            } else {
                let list: Vec<String> = used
                    .iter()
                    .map(|(id, n)| format!("{id} (on {})", plural(*n, "PI", "PIs")))
                    .collect();
                format!(
                    "no value of the attributes on program indicators ({}) names a target data element",
                    list.join(", ")
                )
            };
            out.push(
                Finding::new(
                    &RULE,
                    format!("no mapping attribute in the source: no attribute has code {ATTRIBUTE_CODE} or name \"{ATTRIBUTE_NAME}\", and {seen}"),
                    "import the mapping attribute (code DATA_ELEMENT_AGG, assigned to program indicators) and set it on the program indicators to transfer, or set `mapping.attribute` to the attribute your instance uses",
                )
                .objects(used.iter().map(|(id, _)| attribute_ref(cx, id))),
            );
        }
        AttributeOutcome::Chosen { id, .. }
            if det.carriers == 0 && det.export_field_carriers == 0 =>
        {
            out.push(
                Finding::new(
                    &RULE,
                    format!("no program indicator in scope carries the mapping attribute {} ({in_scope} in scope)", attribute_label(cx, id)),
                    "give each program indicator to transfer the code of its aggregate data element in this attribute, or widen `mapping.programs` / `mapping.program_indicator_groups`",
                )
                .object(attribute_ref(cx, id)),
            );
        }
        _ => {}
    }
    out
}

fn attribute_ref(cx: &Job<'_>, id: &str) -> ObjectRef {
    match cx.source.attributes.id(id) {
        Some(i) => ObjectRef::of(&cx.source.attributes[i]),
        None => ObjectRef::unnamed("attribute", id),
    }
}

fn attribute_label(cx: &Job<'_>, id: &str) -> String {
    match cx.source.attributes.id(id) {
        Some(i) => format!("\"{}\" ({id})", cx.source.attributes[i].name()),
        None => id.to_string(),
    }
}
