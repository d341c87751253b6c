//! Questions the rules ask of a parsed text: which variables it uses, whether the whole
//! expression is one variable, whether it calls an inline aggregation.

use super::Span;
use super::ast::{Expr, Node};
use super::pi::Checked;

/// The variable that is the whole expression (whitespace aside; parentheses count:
/// `(V{tei_count})` renders `count((distinct tei))`).
pub fn whole_variable(e: &Expr) -> Option<&'static str> {
    match e.kind {
        Node::Variable(v) => Some(v),
        _ => None,
    }
}

/// Every `V{…}` of a tree, with its span.
pub fn variables(e: &Expr) -> Vec<(&'static str, Span)> {
    let mut out = Vec::new();
    e.walk(&mut |x| {
        if let Node::Variable(v) = x.kind {
            out.push((v, x.span));
        }
    });
    out
}

/// Every `V{…}` of a checked text, the inner conditions' placed in the outer text.
pub fn all_variables(c: &Checked) -> Vec<(&'static str, Span)> {
    let mut out = c.tree.as_ref().map(variables).unwrap_or_default();
    for inner in &c.inner {
        out.extend(
            variables(&inner.tree)
                .into_iter()
                .map(|(v, s)| (v, inner.outer(s))),
        );
    }
    out
}

/// Whether a tree (or one of its inner conditions) has a node for which `f` holds.
pub fn any(c: &Checked, f: &dyn Fn(&Expr) -> bool) -> bool {
    let mut found = false;
    let mut look = |e: &Expr| {
        e.walk(&mut |x| found |= f(x));
    };
    if let Some(t) = &c.tree {
        look(t);
    }
    for inner in &c.inner {
        look(&inner.tree);
    }
    found
}

/// The inline aggregation functions (`sum(` …), which need aggregationType CUSTOM.
pub fn inline_aggregations(e: &Expr) -> Vec<(&'static str, Span)> {
    let mut out = Vec::new();
    e.walk(&mut |x| {
        if let Node::Call { name, .. } = x.kind
            && matches!(
                name,
                "avg(" | "count(" | "max(" | "min(" | "stddev(" | "sum(" | "variance("
            )
        {
            out.push((name, x.span));
        }
    });
    out
}

/// Whether a tree reads a stage data element (`#{…}`).
pub fn reads_stage_data(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x| found |= matches!(x.kind, Node::StageDe { .. }));
    found
}

/// Whether a node reads event data (pi-expressions.md §8, the T2A035 list): `#{…}`,
/// `PS_EVENTDATE:`, the `d2:count*` and `d2:minValue`/`d2:maxValue` functions, and the
/// event variables.
pub fn reads_event_data(e: &Expr) -> bool {
    match &e.kind {
        Node::StageDe { .. } | Node::PsEventDate(_) => true,
        Node::ItemFunction { name, .. } => {
            name.starts_with("d2:count") || matches!(*name, "d2:minValue(" | "d2:maxValue(")
        }
        Node::Variable(v) => matches!(
            *v,
            "event_date"
                | "execution_date"
                | "creation_date"
                | "due_date"
                | "scheduled_date"
                | "event_status"
        ),
        _ => false,
    }
}

/// A text as DHIS2 computes it: its tokens without whitespace and comments, string
/// literals by their content (`'M'` = `"M"`). `None` when it does not lex.
pub fn canonical(text: &str, comments: bool) -> Option<String> {
    use super::lexer::{Kind, lex};
    let toks = lex(text, comments).ok()?;
    let mut out = String::with_capacity(text.len());
    for t in toks {
        let s = &text[t.span.start..t.span.end];
        match t.kind {
            Kind::Ws => continue,
            Kind::String | Kind::QuotedUid => {
                out.push('\u{1}');
                out.push_str(&s[1..s.len() - 1]);
            }
            _ => out.push_str(s),
        }
        out.push('\u{0}');
    }
    Some(out)
}
