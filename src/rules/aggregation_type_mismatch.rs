use crate::diagnostic::{FieldSpan, Finding, ObjectRef};
use crate::expr::facts;
use crate::job::Job;
use crate::model::Identifiable;

declare_rule! {
    /// ## What it does
    /// Checks that a program indicator's `aggregationType` (absent means AVERAGE)
    /// fits its expression, as the analytics SQL needs it
    /// (`../shared/reference/pi-expressions.md` §5–6):
    ///
    /// - `V{enrollment_count}`, `V{tei_count}`, `V{org_unit_count}` (and, before 2.39,
    ///   `V{event_count}`) need COUNT;
    /// - `V{tei_count}`, `V{org_unit_count}` and, in an EVENT PI, `V{enrollment_count}`
    ///   render as SQL `distinct …`, so they must be the whole expression (the variable
    ///   alone: `(V{tei_count})` renders `count((distinct tei))`, an SQL error);
    /// - a whole-expression `V{event_count}` or `V{scheduled_event_count}` (2.39+) is 1
    ///   per event: only SUM or COUNT add it up;
    /// - an inline aggregation (`sum(`, `avg(`, `count(` …) needs CUSTOM, and CUSTOM
    ///   needs one.
    ///
    /// ## Why is this bad?
    /// The SQL either fails (a nested aggregate, `distinct` inside an expression, a bare
    /// column under CUSTOM) and the PI exports nothing, or computes something else: the
    /// AVERAGE of a column of ones is 1 in every cell.
    ///
    /// ## How to fix
    /// Set the aggregation type the expression needs (COUNT for the count variables,
    /// SUM or COUNT for event counts, CUSTOM for inline aggregations), or move the
    /// arithmetic out of a `distinct` count.
    ///
    /// ## Example
    /// A PI "Clients" with expression `V{tei_count}` and no aggregation type (AVERAGE).
    pub static RULE = {
        id: AGGREGATION_TYPE_MISMATCH,
        summary: "the program indicator's aggregationType (absent = AVERAGE) does not fit its expression: count variables without COUNT, a distinct count inside a larger expression, an event count averaged, an inline aggregation without CUSTOM or CUSTOM without one",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let v = cx.texts().version;
    let mut out = Vec::new();
    for t in &cx.texts().pis {
        let Some(c) = t.expression.as_ref().filter(|c| c.problems.is_empty()) else {
            continue;
        };
        let Some(tree) = &c.tree else { continue };
        let pi = &cx.source.program_indicators[t.pi];
        let text = pi.expression.as_deref().unwrap_or("");
        let agg = pi.aggregation_type.as_deref().unwrap_or("AVERAGE");
        let shown = pi
            .aggregation_type
            .as_deref()
            .unwrap_or("none, which analytics treats as AVERAGE");
        let event = pi.analytics_type.as_deref() != Some("ENROLLMENT");
        let label = format!("\"{}\" ({})", pi.name(), pi.id);
        let whole = facts::whole_variable(tree);
        let mut push = |span: crate::expr::Span, why: String, fix: &str| {
            out.push(
                Finding::new(
                    &RULE,
                    format!("program indicator {label} (aggregation type {shown}): {why}"),
                    fix.to_string(),
                )
                .object(ObjectRef::of(pi))
                .at_field(FieldSpan::new("expression", text, span.start, span.end)),
            );
        };
        let mut seen: Vec<&str> = Vec::new();
        for (var, span) in facts::variables(tree) {
            if seen.contains(&var) {
                continue;
            }
            let counts = matches!(var, "enrollment_count" | "tei_count" | "org_unit_count")
                || (var == "event_count" && !v.at_least(39));
            if counts && agg != "COUNT" {
                seen.push(var);
                push(
                    span,
                    format!("`V{{{var}}}` needs aggregation type COUNT"),
                    "set the aggregation type to COUNT",
                );
                continue;
            }
            let distinct = matches!(var, "tei_count" | "org_unit_count")
                || (var == "enrollment_count" && event);
            if distinct && whole != Some(var) {
                seen.push(var);
                push(
                    span,
                    format!(
                        "`V{{{var}}}` renders as SQL `distinct …`, so it must be the whole expression; inside a larger one the query fails"
                    ),
                    "make the count variable the whole expression (no parentheses, no arithmetic), and put conditions in the filter",
                );
            }
        }
        if let Some(var @ ("event_count" | "scheduled_event_count")) = whole
            && v.at_least(39)
            && !matches!(agg, "SUM" | "COUNT")
        {
            push(
                tree.span,
                format!("`V{{{var}}}` is 1 per event, which {agg} does not add up"),
                "set the aggregation type to SUM or COUNT",
            );
        }
        let inline = facts::inline_aggregations(tree);
        match (inline.first(), agg == "CUSTOM") {
            (Some((name, span)), false) => push(
                *span,
                format!("the inline aggregation `{name}` needs aggregation type CUSTOM (the aggregation type wraps the whole expression: a nested aggregate fails)"),
                "set the aggregation type to CUSTOM, or remove the inline aggregation",
            ),
            (None, true) => push(
                tree.span,
                "CUSTOM needs an inline aggregation in the expression (`sum(…)`, `count(…)` …): without one the column is not aggregated and the query fails".to_string(),
                "aggregate inside the expression, or choose SUM, COUNT or another aggregation type",
            ),
            _ => {}
        }
    }
    out
}
