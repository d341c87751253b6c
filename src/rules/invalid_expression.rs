use crate::diagnostic::{FieldSpan, Finding, ObjectRef};
use crate::expr::pi::{Checked, LATEST};
use crate::job::Job;
use crate::job::expressions::{BoundaryForm, PiTexts};
use crate::model::Identifiable;

declare_rule! {
    /// ## What it does
    /// Parses every in-scope program indicator's `expression` and `filter` (and the
    /// condition strings of `d2:condition` / `d2:countIfCondition` inside them) as
    /// DHIS2's ANTLR grammar does, and checks what a program indicator may use on the
    /// source's DHIS2 version (`../shared/reference/pi-expressions.md` §2–6):
    ///
    /// - the text lexes and parses: the first syntax error, at DHIS2's
    ///   `line:character` (`Invalid string token '…' at line:1 character:12`);
    /// - no construct PIs reject: `I{}` `N{}` `D{}` `R{}` `OUG{}` `[days]`,
    ///   `#{de}` / `#{s.d.c}` / `A{p.a}`, program rule variables and functions
    ///   (`d2:round`, `d2:left` …), `.periodOffset()` and the other postfixes,
    ///   a `d2:count*` first argument other than `#{stage.dataElement}`, a
    ///   `d2:hasValue` / `d2:minValue` / `d2:maxValue` argument of another kind;
    /// - nothing newer than the source: `count(distinct)` (2.36.9, 2.37.4, 2.38),
    ///   `.stageOffset()` (2.38), `null`, `removeZeros(`, `V{scheduled_*}` (2.39),
    ///   `is(` (2.40), `contains(`, `containsItems(`, comments (2.41);
    /// - the expression is not absent or blank;
    /// - each boundary target is one of the forms DHIS2 resolves (`EVENT_DATE`,
    ///   `ENROLLMENT_DATE`, `INCIDENT_DATE`, `SCHEDULED_DATE` from 2.39, `#{s.d}`,
    ///   `A{a}`, `PS_EVENTDATE:s`);
    /// - on 2.42, the category mapping filters of the programs of those PIs.
    ///
    /// The type check follows the casts of parser 1.0.21 and later (DHIS2 2.36.9,
    /// 2.37.4, 2.38 on); on 2.36.0–2.36.8 and 2.37.0–2.37.3, which cast differently,
    /// it is not applied.
    ///
    /// The source's version comes from its metadata (`system.version`, a package's
    /// `DHIS2Version`), else `[source] dhis2_version`; when neither says, the checks
    /// assume 2.42 and one note says so.
    ///
    /// ## Why is this bad?
    /// DHIS2 does not validate expressions on metadata import. A broken PI imports
    /// silently; in analytics its SQL fails, and the export of a request with several
    /// PIs or periods drops it without a word: the target keeps stale values.
    ///
    /// ## How to fix
    /// Correct the text in the Maintenance app (its expression editor validates
    /// against the server), or in the package before import. The finding points at the
    /// offending token.
    ///
    /// ## Example
    /// `d2:count(#{A03MvHHogjR})` (stage missing), `if (a, 1, 0)` (a space before
    /// the parenthesis), `V{event_date} > 2020-01-01` (an unquoted date).
    pub static RULE = {
        id: INVALID_EXPRESSION,
        summary: "DHIS2 would reject the program indicator's expression, filter or boundary target: a syntax error, a construct program indicators do not take, or one the source's version lacks",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let texts = cx.texts();
    let mut out = Vec::new();
    if texts.assumed && !texts.pis.is_empty() {
        out.push(Finding::note(
            &RULE,
            format!(
                "the source's DHIS2 version is not known: the expression checks assumed {}",
                short(LATEST)
            ),
            "set `dhis2_version` in `[source]` so that the checks follow the source's version",
        ));
    }
    for t in &texts.pis {
        pi_findings(cx, t, &mut out);
    }
    for m in &texts.mapping_filters {
        let program = &cx.source.programs[m.program];
        for p in &m.checked.problems {
            out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "the filter of category mapping `{}` (option `{}`) of program \"{}\" ({}) is invalid: {}",
                        m.mapping,
                        m.option,
                        program.name(),
                        program.id,
                        p.message
                    ),
                    "correct the filter in the program's category mappings",
                )
                .object(ObjectRef::of(program))
                .at_field(FieldSpan::new(
                    format!("categoryMappings[{}].optionMappings[{}].filter", m.mapping, m.option),
                    &m.text,
                    p.span.start,
                    p.span.end,
                )),
            );
        }
    }
    out
}

fn short(v: crate::dhis2::Version) -> String {
    format!("{}.{}", v.major, v.minor)
}

fn pi_findings(cx: &Job<'_>, t: &PiTexts, out: &mut Vec<Finding>) {
    let pi = &cx.source.program_indicators[t.pi];
    let label = format!("\"{}\" ({})", pi.name(), pi.id);
    let pi_ref = ObjectRef::of(pi);
    match &t.expression {
        None => out.push(
            Finding::new(
                &RULE,
                format!("program indicator {label} has no expression"),
                "give the program indicator an expression (`V{event_count}` counts events)",
            )
            .grouped("no expression", label.clone())
            .object(pi_ref.clone()),
        ),
        Some(c) => field_findings(
            "expression",
            pi.expression.as_deref().unwrap_or(""),
            c,
            &label,
            &pi_ref,
            out,
        ),
    }
    if let Some(c) = &t.filter {
        field_findings(
            "filter",
            pi.filter.as_deref().unwrap_or(""),
            c,
            &label,
            &pi_ref,
            out,
        );
    }
    for b in &t.boundaries {
        let why = match b.form {
            BoundaryForm::Unresolved if b.target.is_empty() => "has no target".to_string(),
            BoundaryForm::Unresolved => format!(
                "targets `{}`, which is none of the forms DHIS2 resolves: analytics fails (\"Can not determine boundary type\")",
                b.target
            ),
            BoundaryForm::TooNew => format!(
                "targets `SCHEDULED_DATE`, which DHIS2 {} does not know (from 2.39 on)",
                short(cx.texts().version)
            ),
            _ => continue,
        };
        out.push(
            Finding::new(
                &RULE,
                format!("analytics period boundary {} of program indicator {label} {why}", b.index + 1),
                "use EVENT_DATE, ENROLLMENT_DATE, INCIDENT_DATE, SCHEDULED_DATE (2.39+), `#{stage.dataElement}`, `A{attribute}` or `PS_EVENTDATE:stage`",
            )
            .object(pi_ref.clone())
            .at_field(FieldSpan::new(
                format!("analyticsPeriodBoundaries[{}].boundaryTarget", b.index),
                &b.target,
                0,
                b.target.len(),
            )),
        );
    }
}

fn field_findings(
    field: &str,
    text: &str,
    c: &Checked,
    label: &str,
    pi: &ObjectRef,
    out: &mut Vec<Finding>,
) {
    for p in &c.problems {
        let excerpt = text.get(p.span.start..p.span.end).unwrap_or("");
        let at = if excerpt.is_empty() || p.message.contains("Invalid string token") {
            String::new()
        } else {
            format!(" (`{excerpt}`)")
        };
        out.push(
            Finding::new(
                &RULE,
                format!("the {field} of program indicator {label} is invalid: {}{at}", p.message),
                format!("correct the {field} (the Maintenance app's editor checks it against the server)"),
            )
            .object(pi.clone())
            .at_field(FieldSpan::new(field, text, p.span.start, p.span.end)),
        );
    }
}
