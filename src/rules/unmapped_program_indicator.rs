use crate::diagnostic::Finding;
use crate::job::Job;
use crate::model::Identifiable;

declare_rule! {
    /// ## What it does
    /// Notes the program indicators in the job's scope (its programs and PI groups)
    /// that carry no mapping.
    ///
    /// ## Why is this bad?
    /// Often nothing: many PIs exist for dashboards only. But a PI meant for the HMIS
    /// whose mapping was forgotten transfers nothing, silently; this list is where to
    /// look for it.
    ///
    /// ## How to fix
    /// Set the mapping attribute on the PIs that feed the HMIS; narrow the job's scope
    /// (`mapping.program_indicator_groups`) to leave the others out of this list.
    ///
    /// ## Example
    /// "Average age of cases" carries no data element code.
    pub static RULE = {
        id: UNMAPPED_PROGRAM_INDICATOR,
        summary: "a program indicator in the job's scope has no mapping",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let s = cx.source;
    let mapped: std::collections::HashSet<usize> = cx.mappings.iter().map(|m| m.pi).collect();
    cx.scope
        .iter()
        .filter(|pi| !mapped.contains(pi))
        .map(|&pi| {
            let p = &s.program_indicators[pi];
            let program = p
                .program
                .as_ref()
                .and_then(|r| s.programs.get(&r.id))
                .map_or_else(|| "its program".to_string(), |pr| format!("program \"{}\"", pr.name()));
            let label = format!("\"{}\" ({})", p.name(), p.id);
            Finding::new(
                &RULE,
                format!("program indicator {label} of {program} has no mapping"),
                "set the mapping attribute on it if it feeds the HMIS; narrow `mapping.program_indicator_groups` to leave dashboard PIs out",
            )
            .grouped(format!("program indicators of {program} without a mapping"), label)
            .object(crate::diagnostic::ObjectRef::of(p))
        })
        .collect()
}
