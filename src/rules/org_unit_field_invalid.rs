use crate::diagnostic::{FieldSpan, Finding, ObjectRef};
use crate::job::Job;
use crate::model::Identifiable;

declare_rule! {
    /// ## What it does
    /// Checks a program indicator's `orgUnitField` (which org unit a value is counted
    /// at, `../shared/reference/pi-expressions.md` §9) against the source's version and
    /// program: the field exists from 2.40 (earlier versions drop it on import);
    /// `EVENT` works from 2.41.9 and 2.42.5; any other value must be `ENROLLMENT`,
    /// `REGISTRATION`, `OWNER_AT_START`, `OWNER_AT_END`, or the UID of a
    /// non-confidential ORGANISATION_UNIT attribute of the PI's program or, for an
    /// EVENT PI, of an ORGANISATION_UNIT data element in a stage of the program.
    ///
    /// ## Why is this bad?
    /// DHIS2 validates the field after the request check, so an unknown value becomes a
    /// column name in the SQL and the query fails (DHIS2-21513 was exactly `EVENT`
    /// before 2.41.9). On 2.36–2.39 an ownership-based PI silently counts at the event
    /// or enrollment org unit instead.
    ///
    /// ## How to fix
    /// Use one of the values the source's version knows, or clear the field for the
    /// default (the event's org unit for EVENT PIs, the enrollment's for ENROLLMENT PIs).
    ///
    /// ## Example
    /// `orgUnitField: "EVENT"` on a 2.41.4 instance.
    pub static RULE = {
        id: ORG_UNIT_FIELD_INVALID,
        summary: "the program indicator's orgUnitField is one the source's version or program does not have (any value before 2.40, EVENT before 2.41.9 / 2.42.5, an unknown attribute or data element)",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let v = cx.texts().version;
    let s = cx.source;
    let mut out = Vec::new();
    for t in &cx.texts().pis {
        let pi = &s.program_indicators[t.pi];
        let Some(field) = pi.org_unit_field.as_deref().filter(|f| !f.is_empty()) else {
            continue;
        };
        let event = pi.analytics_type.as_deref() != Some("ENROLLMENT");
        let why = if !v.at_least(40) {
            format!(
                "DHIS2 {}.{} has no `orgUnitField` (from 2.40 on): it is dropped on import and the PI counts at the {} org unit",
                v.major,
                v.minor,
                if event { "event's" } else { "enrollment's" }
            )
        } else {
            match field {
                "ENROLLMENT" | "REGISTRATION" | "OWNER_AT_START" | "OWNER_AT_END" => continue,
                "EVENT" => {
                    let ok = (v.minor == 41 && v.patch >= 9)
                        || (v.minor == 42 && v.patch >= 5)
                        || v.at_least(43);
                    if ok {
                        continue;
                    }
                    format!(
                        "`EVENT` works from 2.41.9 and 2.42.5; on {v} it is taken as a column name and the query fails (DHIS2-21513)"
                    )
                }
                uid => match org_unit_item(cx, pi, uid, event) {
                    Ok(()) => continue,
                    Err(why) => why,
                },
            }
        };
        out.push(
            Finding::new(
                &RULE,
                format!("program indicator \"{}\" ({}) has orgUnitField `{field}`: {why}", pi.name(), pi.id),
                "use ENROLLMENT, REGISTRATION, OWNER_AT_START, OWNER_AT_END (or EVENT on 2.41.9+ / 2.42.5+), an org unit attribute of the program, or clear it",
            )
            .object(ObjectRef::of(pi))
            .at_field(FieldSpan::new("orgUnitField", field, 0, field.len())),
        );
    }
    out
}

/// Whether `uid` is an org unit attribute of the PI's program (non-confidential), or
/// for an EVENT PI an org unit data element of one of its stages.
fn org_unit_item(
    cx: &Job<'_>,
    pi: &crate::model::ProgramIndicator,
    uid: &str,
    event: bool,
) -> Result<(), String> {
    let s = cx.source;
    let program = pi.program.as_ref().and_then(|r| s.programs.get(&r.id));
    if let Some(a) = s.tracked_entity_attributes.get(uid) {
        let of_program = program.is_some_and(|p| {
            p.program_tracked_entity_attributes
                .iter()
                .any(|x| x.tracked_entity_attribute.id == uid)
        });
        return match (a.value_type.as_deref(), of_program, a.confidential) {
            (Some("ORGANISATION_UNIT"), true, false) => Ok(()),
            (Some("ORGANISATION_UNIT"), true, true) => Err(format!(
                "attribute \"{}\" is confidential, so the analytics tables have no column for it",
                a.name()
            )),
            (Some("ORGANISATION_UNIT"), false, _) => Err(format!(
                "attribute \"{}\" is not an attribute of the PI's program",
                a.name()
            )),
            _ => Err(format!(
                "attribute \"{}\" is not of type ORGANISATION_UNIT",
                a.name()
            )),
        };
    }
    if let Some(d) = s.data_elements.get(uid) {
        let program_id = pi.program.as_ref().map(|r| r.id.as_str());
        let in_stage = s.program_stages.iter().any(|st| {
            st.program.as_ref().map(|r| r.id.as_str()) == program_id
                && st
                    .program_stage_data_elements
                    .iter()
                    .any(|p| p.data_element.id == uid)
        });
        return match (d.value_type.as_deref(), in_stage, event) {
            (_, _, false) => Err(format!(
                "data element \"{}\" can place only EVENT PIs; this one is ENROLLMENT",
                d.name()
            )),
            (Some("ORGANISATION_UNIT"), true, true) => Ok(()),
            (Some("ORGANISATION_UNIT"), false, true) => Err(format!(
                "data element \"{}\" is in no stage of the PI's program",
                d.name()
            )),
            _ => Err(format!(
                "data element \"{}\" is not of type ORGANISATION_UNIT",
                d.name()
            )),
        };
    }
    // Nothing known by that UID: only judged when the source lists attributes.
    if s.tracked_entity_attributes.present() {
        Err("it is none of the known values nor the UID of an org unit attribute or data element of the program: the query fails".into())
    } else {
        Ok(())
    }
}
