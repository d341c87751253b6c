use crate::diagnostic::{FieldSpan, Finding, ObjectRef};
use crate::job::Job;
use crate::job::expressions::BoundaryForm;
use crate::model::Identifiable;

declare_rule! {
    /// ## What it does
    /// Checks that a custom analytics period boundary target (`#{stage.dataElement}`,
    /// `A{attribute}`, `PS_EVENTDATE:stage`) is exactly that form, with nothing after
    /// it. DHIS2 recognises these targets by their prefix and then *finds* the pattern
    /// in the text (`Matcher.find()`), so `#{s.d})` still resolves.
    ///
    /// ## Why is this bad?
    /// The PI computes what it should today, but the target is malformed: tools that
    /// read it strictly (and a DHIS2 that one day matches the whole text) will not
    /// resolve it, and the stray text usually marks a copy-paste slip worth a look.
    ///
    /// ## How to fix
    /// Remove the text after the target.
    ///
    /// ## Example
    /// `#{enzdhfIPdfl.NKd3CiQsSNH})`: the `)` is left over from an expression.
    pub static RULE = {
        id: TOLERATED_TRAILING_TEXT,
        summary: "a custom boundary target has text after the part DHIS2 matches (e.g. `#{s.d})`): DHIS2 still resolves it, but the target is malformed",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in &cx.texts().pis {
        let pi = &cx.source.program_indicators[t.pi];
        for b in &t.boundaries {
            let trailing = match &b.form {
                BoundaryForm::StageDe { trailing, .. }
                | BoundaryForm::Attribute { trailing, .. }
                | BoundaryForm::PsEventDate { trailing, .. } => *trailing,
                _ => false,
            };
            if !trailing {
                continue;
            }
            let end = match &b.form {
                BoundaryForm::PsEventDate { stage, .. } => {
                    b.target.find(stage.as_str()).map(|i| i + 11)
                }
                _ => b.target.find('}').map(|i| i + 1),
            }
            .unwrap_or(0);
            out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "analytics period boundary {} of program indicator \"{}\" ({}) targets `{}`: DHIS2 reads `{}` and ignores the rest",
                        b.index + 1,
                        pi.name(),
                        pi.id,
                        b.target,
                        &b.target[..end.min(b.target.len())]
                    ),
                    "remove the text after the target",
                )
                .grouped(
                    format!("boundary target `{}` has trailing text", b.target),
                    format!("\"{}\" ({})", pi.name(), pi.id),
                )
                .object(ObjectRef::of(pi))
                .at_field(FieldSpan::new(
                    format!("analyticsPeriodBoundaries[{}].boundaryTarget", b.index),
                    &b.target,
                    end,
                    b.target.len(),
                )),
            );
        }
    }
    out
}
