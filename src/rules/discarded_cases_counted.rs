use super::records::{block_finding, record_job};
use crate::config::blocks::{Predicate, Scalar, Test, ValueRule};
use crate::diagnostic::Finding;
use crate::job::Job;
use crate::source::godata::fields::{CLASSIFICATION, DISCARDED};

declare_rule! {
    /// ## What it does
    /// Checks that a Go.Data block that counts cases leaves out the discarded ones: its
    /// `where` must test `classification`, and that test must not admit
    /// `LNG_REFERENCE_DATA_CATEGORY_CASE_CLASSIFICATION_NOT_A_CASE_DISCARDED`. Each
    /// alternative of `where_any` is judged on its own.
    ///
    /// ## Why is this bad?
    /// Go.Data's own counts exclude discarded cases (people investigated and found not
    /// to be cases); a block that counts them reports more cases than the outbreak team
    /// sees on its dashboard.
    ///
    /// ## How to fix
    /// Add `classification = ["CONFIRMED", "PROBABLE", …]` (or `{ not_in =
    /// ["NOT_A_CASE_DISCARDED"] }`) to the block's `where`.
    ///
    /// ## Example
    /// `where = { gender = "FEMALE" }` counts every case of a woman, the discarded ones
    /// too.
    pub static RULE = {
        id: DISCARDED_CASES_COUNTED,
        summary: "a Go.Data count block counts discarded cases",
        check: check,
    }
}

/// Whether a predicate lets a discarded case through (`Some(why)`).
fn admits(p: &Predicate, tokens: &dyn Fn(&str) -> Vec<String>) -> Option<&'static str> {
    let tests: Vec<&Test> = p
        .tests
        .iter()
        .filter(|t| t.field.value == "classification")
        .map(|t| &t.test)
        .collect();
    let discarded = |vals: &[crate::config::Spanned<Scalar>]| {
        vals.iter()
            .any(|v| matches!(&v.value, Scalar::Str(s) if tokens(s).iter().any(|t| t == DISCARDED)))
    };
    if tests.is_empty() {
        return (p.any.is_empty() || p.any.iter().any(|a| admits(a, tokens).is_some()))
            .then_some("has no `classification` condition");
    }
    for t in tests {
        match t {
            Test::OneOf(v) if discarded(v) => return Some("admits NOT_A_CASE_DISCARDED"),
            Test::NotIn(v) if !discarded(v) => {
                return Some("does not exclude NOT_A_CASE_DISCARDED");
            }
            Test::Exists(true) => return Some("admits every classification"),
            _ => {}
        }
    }
    None
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let Some(rj) = record_job(cx) else {
        return Vec::new();
    };
    let Some(g) = rj.side.godata.as_ref() else {
        return Vec::new();
    };
    let tokens = |v: &str| -> Vec<String> {
        g.meta
            .tokens(CLASSIFICATION, v)
            .into_iter()
            .map(|t| t.to_string())
            .collect()
    };
    let mut out = Vec::new();
    for (bi, b) in rj.blocks.iter().enumerate() {
        if b.value != ValueRule::Count {
            continue;
        }
        if let Some(why) = admits(&b.filter, &tokens) {
            let span = if b.filter.span.is_empty() {
                b.data_element.span.clone()
            } else {
                b.filter.span.clone()
            };
            out.push(block_finding(
                &RULE,
                cx,
                bi,
                span,
                format!("block \"{}\" counts discarded cases: its `where` {why}", b.name),
                "list the classifications to count in `where` (e.g. `classification = [\"CONFIRMED\", \"PROBABLE\"]`), as Go.Data's own counts leave out NOT_A_CASE_DISCARDED",
            ));
        }
    }
    out
}
