use std::collections::{BTreeMap, BTreeSet};

use super::help::{list_some, plural};
use crate::diagnostic::{Finding, ObjectRef};
use crate::idscheme::IdScheme;
use crate::job::Job;
use crate::job::Skip;
use crate::job::units::Unresolved;
use crate::model::Identifiable;

declare_rule! {
    /// ## What it does
    /// Checks that every org unit that will report exists in the target under the
    /// job's org unit id scheme (UID unless configured). The org units that will report
    /// are the job's `sync.org_units` (expanded like the analytics `ou` dimension:
    /// `LEVEL-n` within the given roots), else the org units the programs of the mapped
    /// program indicators are assigned to in the source. Matching uses that scheme only:
    /// an org unit with the same code under another UID does not count under UID (the
    /// help says so).
    ///
    /// When there is nothing to check (metadata packages ship programs and data sets
    /// without org units, and no org unit hierarchy), the rule says so in one note.
    ///
    /// ## Why is this bad?
    /// The import rejects every value of an org unit it cannot find (E7612), so the
    /// facility's figures never reach the HMIS, every period.
    ///
    /// ## How to fix
    /// Align the org unit hierarchies (same UIDs in both instances, the usual setup), or
    /// match by code with `mapping.org_unit_id_scheme = "CODE"` when both sides share
    /// codes, or take the org unit out of the program / `sync.org_units`.
    ///
    /// ## Example
    /// Facility `DiszpKrYNg8` runs the tracker programme but was never imported into
    /// the HMIS.
    pub static RULE = {
        id: UNKNOWN_ORG_UNIT,
        summary: "an org unit that will report does not resolve in the target under the job's org unit id scheme",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let r = &cx.units;
    let mut out = Vec::new();
    if let Some(skip) = &r.skip {
        // A record job's blocks report from their data sets' org units: none means an
        // unknown data element or one in no data set, which other rules name.
        let blocks_unplaced = cx.records.is_some() && matches!(skip, Skip::NoReportingUnits { .. });
        if !cx.mappings.is_empty() && !blocks_unplaced {
            out.push(skip_note(cx, skip));
        }
        return out;
    }
    if !r.unexpandable.is_empty() {
        out.push(Finding::note(
            &RULE,
            format!(
                "`sync.org_units` items {} cannot be expanded from metadata; the org units they stand for are not checked",
                r.unexpandable.join(", ")
            ),
            "list the org units (UIDs) or use `LEVEL-n` with a root so that they can be checked before anything moves",
        ));
    }
    // Each unresolved unit once, with the programs that bring it in (none from the config).
    let mut used: Vec<usize> = r.by_mapping.iter().flatten().copied().collect();
    used.sort_unstable();
    used.dedup();
    let mut units: BTreeMap<&str, (&Unresolved, BTreeSet<&str>)> = BTreeMap::new();
    for set in used.iter().map(|&s| &r.sets[s]) {
        for unit in &set.unresolved {
            let entry = units
                .entry(unit.source_id.as_str())
                .or_insert_with(|| (unit, BTreeSet::new()));
            entry.1.extend(set.program());
        }
    }
    let scheme = &cx.config.mapping.org_unit_id_scheme;
    for (unit, progs) in units.into_values() {
        let ou_ref = ObjectRef {
            kind: "organisationUnit",
            id: unit.source_id.clone(),
            name: unit.name.clone(),
        };
        let program_refs: Vec<ObjectRef> = progs
            .iter()
            .map(|p| match cx.source.programs.get(p) {
                Some(program) => ObjectRef::of(program),
                None => ObjectRef::unnamed("program", *p),
            })
            .collect();
        let why = if r.from_config {
            "is listed in `sync.org_units`".to_string()
        } else {
            let names: Vec<String> = program_refs
                .iter()
                .map(|p| format!("\"{}\"", p.name))
                .collect();
            format!("runs program {}", names.join(", "))
        };
        let label = if unit.name.is_empty() {
            unit.source_id.clone()
        } else {
            format!("\"{}\" ({})", unit.name, unit.source_id)
        };
        out.push(
            Finding::new(
                &RULE,
                format!(
                    "org unit {label} {why} but does not exist in the target (matched by {scheme} as `{}`)",
                    unit.exported_as
                ),
                help(cx, &unit.source_id, scheme),
            )
            .object(ou_ref)
            .objects(program_refs),
        );
    }
    out
}

fn help(cx: &Job<'_>, source_id: &str, scheme: &IdScheme) -> String {
    let t = cx.target;
    let src = cx
        .source
        .organisation_units
        .id(source_id)
        .map(|i| &cx.source.organisation_units[i]);
    let twin = match scheme {
        IdScheme::Uid => src
            .and_then(|o| o.code())
            .and_then(|code| t.organisation_units.resolve(&IdScheme::Code, code))
            .map(|i| {
                let o = &t.organisation_units[i];
                format!(
                    "the target has org unit \"{}\" ({}) with the same code `{}` under another UID; align the UIDs, or set `mapping.org_unit_id_scheme = \"CODE\"`; ",
                    o.name(),
                    o.id(),
                    o.code().unwrap_or("")
                )
            }),
        _ => t.organisation_units.id(source_id).map(|i| {
            let o = &t.organisation_units[i];
            format!(
                "the target has org unit \"{}\" with the same UID {}; set `mapping.org_unit_id_scheme = \"UID\"`; ",
                o.name(),
                o.id()
            )
        }),
    };
    format!(
        "{}import the org unit into the target with the same {}, or remove it from the program's org units / `sync.org_units`",
        twin.unwrap_or_default(),
        match scheme {
            IdScheme::Uid => "UID".to_string(),
            IdScheme::Code => "code".to_string(),
            IdScheme::Attribute(a) => format!("value of attribute {a}"),
        }
    )
}

fn skip_note(cx: &Job<'_>, skip: &Skip) -> Finding {
    let (what, help) = match skip {
        Skip::NoReportingUnits { programs } => {
            let names: Vec<String> = programs
                .iter()
                .map(|p| match cx.source.programs.id(p) {
                    Some(i) => format!("\"{}\" ({p})", cx.source.programs[i].name()),
                    None => p.clone(),
                })
                .collect();
            (
                format!(
                    "no org unit will report: {} {} assigned to no org unit and `sync.org_units` is not set",
                    plural(programs.len(), "program", "programs"),
                    list_some(&names, 5)
                ),
                "assign the program to its org units in the source, or set `sync.org_units` (e.g. a root and LEVEL-4)",
            )
        }
        Skip::TargetHasNoOrgUnits => (
            "the target metadata holds no org units (metadata packages ship none)".to_string(),
            "check against the live target, or a `t2a snapshot` of it, to verify org units and data set assignments",
        ),
        Skip::CannotExpand { items } => (
            format!(
                "`sync.org_units` uses {}, which needs the source org unit hierarchy, and the source metadata holds no org units",
                items.join(", ")
            ),
            "check against the live source, or a `t2a snapshot` of it",
        ),
        Skip::SourceHasNoOrgUnits => (
            format!(
                "org units are matched by {}, which needs the source org units, and the source metadata holds none",
                cx.config.mapping.org_unit_id_scheme
            ),
            "check against the live source, or a `t2a snapshot` of it",
        ),
    };
    let mut f = Finding::note(
        &RULE,
        format!("org units not checked (unknown-org-unit, unassigned-org-unit): {what}"),
        help,
    );
    if let Skip::NoReportingUnits { programs } = skip {
        f = f.objects(programs.iter().map(|p| match cx.source.programs.id(p) {
            Some(i) => ObjectRef::of(&cx.source.programs[i]),
            None => ObjectRef::unnamed("program", p.clone()),
        }));
    }
    f
}
