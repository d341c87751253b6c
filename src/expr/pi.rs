//! What a program indicator may use, per DHIS2 version (pi-expressions.md §2, §5, §6):
//! the items, variables and functions of the PI item map, the fixed arguments of the
//! `d2:` item functions, and the inner expressions of `d2:condition` and
//! `d2:countIfCondition`, parsed like DHIS2 parses them.

use crate::dhis2::Version;

use super::ast::{Expr, Node};
use super::{Span, parse};

/// The latest line the expression checks know (pi-expressions.md covers 2.36–2.42).
pub const LATEST: Version = Version::new(2, 42, 5);

/// One reason DHIS2 rejects an expression, at a span of its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub span: Span,
    pub message: String,
}

/// What a text is checked as: its top-level type (§7) decides between the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Expression,
    Filter,
}

/// A parsed text with its inner expressions, or the problems that stop DHIS2.
#[derive(Debug, Clone)]
pub struct Checked {
    pub tree: Option<Expr>,
    /// Inner expressions (`d2:condition`, `d2:countIfCondition`).
    pub inner: Vec<Inner>,
    pub problems: Vec<Problem>,
}

/// An expression inside a string argument: its tree, and how its offsets map to the
/// outer text.
#[derive(Debug, Clone)]
pub struct Inner {
    pub tree: Expr,
    /// Where the string's content starts in the outer text.
    pub base: usize,
    /// Characters DHIS2 put before the content (`0` for `d2:countIfCondition`).
    pub minus: usize,
}

impl Inner {
    /// An inner span in the outer text.
    pub fn outer(&self, s: Span) -> Span {
        let at = |p: usize| self.base + p.saturating_sub(self.minus);
        Span::new(at(s.start), at(s.end))
    }
}

/// Parse and check one PI text on a version.
pub fn check(text: &str, version: Version) -> Checked {
    let mut out = Checked {
        tree: None,
        inner: Vec::new(),
        problems: Vec::new(),
    };
    let comments = version.at_least(41);
    match parse(text, comments) {
        Err(e) => out.problems.push(Problem {
            span: Span::new(e.at, e.at + char_len(text, e.at)),
            message: e.message(text),
        }),
        Ok(tree) => {
            items(&tree, version, &mut out.problems);
            inner_texts(&tree, version, comments, &mut out);
            out.tree = Some(tree);
        }
    }
    out
}

/// The inner expressions of `d2:condition` (the raw string content) and
/// `d2:countIfCondition` (`"0"` + the content), with problems at their place in the
/// outer text.
fn inner_texts(tree: &Expr, version: Version, comments: bool, out: &mut Checked) {
    let mut found: Vec<(String, Span, bool)> = Vec::new();
    tree.walk(&mut |e| match &e.kind {
        Node::Condition {
            cond, cond_span, ..
        } => found.push((cond.clone(), *cond_span, false)),
        Node::ItemFunction {
            condition: Some((c, span, _)),
            ..
        } => found.push((c.clone(), *span, true)),
        _ => {}
    });
    for (raw, span, prefixed) in found {
        let text = if prefixed { format!("0{raw}") } else { raw };
        // DHIS2's positions inside are relative to the parsed text; `0` is one extra.
        let shift = |at: usize| {
            if prefixed {
                span.start + at.saturating_sub(1)
            } else {
                span.start + at
            }
        };
        match parse(&text, comments) {
            Err(e) => out.problems.push(Problem {
                span: Span::new(shift(e.at), shift(e.at) + char_len(&text, e.at)),
                message: format!("in the condition string: {}", e.message(&text)),
            }),
            Ok(t) => {
                let mut inner = Vec::new();
                items(&t, version, &mut inner);
                for p in inner {
                    out.problems.push(Problem {
                        span: Span::new(shift(p.span.start), shift(p.span.end)),
                        message: format!("in the condition string: {}", p.message),
                    });
                }
                out.inner.push(Inner {
                    tree: t,
                    base: span.start,
                    minus: usize::from(prefixed),
                });
            }
        }
    }
}

/// The length of the character at a byte offset (0 at the end).
fn char_len(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|s| s.chars().next())
        .map_or(0, char::len_utf8)
}

/// PI variables (§5): the grammar knows more, for program rules.
pub fn pi_variable(name: &str) -> bool {
    !matches!(
        name,
        "enrollment_id" | "environment" | "event_id" | "org_unit" | "orgunit_code" | "program_name"
    )
}

/// Functions the grammar has but PIs reject (§6).
fn rejected_call(name: &str) -> bool {
    matches!(
        name,
        "d2:addDays("
            | "d2:ceil("
            | "d2:concatenate("
            | "d2:extractDataMatrixValue("
            | "d2:floor("
            | "d2:hasUserRole("
            | "d2:inOrgUnitGroup("
            | "d2:lastEventDate("
            | "d2:left("
            | "d2:length("
            | "d2:modulus("
            | "d2:right("
            | "d2:split("
            | "d2:substring("
            | "d2:validatePattern("
            | "d2:zScoreHFA("
            | "d2:zScoreWFA("
            | "d2:zScoreWFH("
            | "median("
            | "percentileCont("
            | "stddevPop("
            | "stddevSamp("
            | "normDistCum("
            | "normDistDen("
            | "subExpression("
    )
}

/// The first release of each line that has a feature, `None` for lines without it.
fn since(v: Version, first: &[(u32, u32)]) -> bool {
    first
        .iter()
        .any(|&(minor, patch)| v.minor == minor && v.patch >= patch)
        || first
            .iter()
            .map(|&(m, _)| m)
            .max()
            .is_some_and(|m| v.at_least(m + 1))
}

fn not_supported(item: &str) -> String {
    format!("Item {item} not supported for this type of expression")
}

fn missing_on(version: Version, what: &str, first: &str) -> String {
    format!("{what} is not available on DHIS2 {version} (from {first} on)")
}

/// Every item, function and variable of a tree against the PI map of `version`.
fn items(tree: &Expr, version: Version, out: &mut Vec<Problem>) {
    tree.walk(&mut |e| {
        if let Some(message) = item_problem(e, version) {
            out.push(Problem {
                span: e.span,
                message,
            });
        }
    });
}

fn item_problem(e: &Expr, v: Version) -> Option<String> {
    match &e.kind {
        Node::OtherItem { opener: "#{", text } => Some(format!(
            "Invalid Program Stage / DataElement syntax: {text} (a program indicator takes `#{{programStage.dataElement}}`)"
        )),
        Node::OtherItem { opener: "A{", text } => {
            Some(format!("Program attribute must have one UID: {text}"))
        }
        Node::OtherItem { opener, .. } => Some(not_supported(opener)),
        Node::OrgUnit { name, .. } => Some(not_supported(name)),
        Node::Call { name, .. } if rejected_call(name) => Some(not_supported(name)),
        Node::Round { .. } => Some(not_supported("d2:round(")),
        Node::Call {
            name: "count(",
            distinct: true,
            ..
        } if !since(v, &[(36, 9), (37, 4), (38, 0)]) => Some(missing_on(
            v,
            "`count(distinct …)`",
            "2.36.9, 2.37.4 and 2.38",
        )),
        Node::Call {
            name: "removeZeros(",
            ..
        } if !v.at_least(39) => Some(missing_on(v, "`removeZeros(`", "2.39")),
        Node::Call {
            name: name @ ("contains(" | "containsItems("),
            ..
        } if !v.at_least(41) => Some(missing_on(v, &format!("`{name}`"), "2.41")),
        Node::Is { .. } if !v.at_least(40) => Some(missing_on(v, "`is(`", "2.40")),
        Node::Null if !v.at_least(39) => Some(missing_on(v, "`null`", "2.39")),
        Node::Variable(name) if !pi_variable(name) => {
            Some(format!("Can't find program variable {name}"))
        }
        Node::Variable(name @ ("scheduled_date" | "scheduled_event_count")) if !v.at_least(39) => {
            Some(missing_on(v, &format!("`V{{{name}}}`"), "2.39"))
        }
        Node::Postfix {
            name: ".stageOffset(",
            target,
            ..
        } => {
            if !v.at_least(38) {
                Some(missing_on(v, "`.stageOffset(`", "2.38"))
            } else if !matches!(target.kind, Node::StageDe { .. }) {
                Some("`.stageOffset(` applies to a `#{programStage.dataElement}` only".into())
            } else {
                None
            }
        }
        Node::Postfix { name, .. } => Some(not_supported(name)),
        Node::ItemFunction { name, arg, .. } => item_function_problem(name, arg),
        _ => None,
    }
}

/// The fixed first argument of `d2:count*`, `d2:hasValue`, `d2:minValue`/`d2:maxValue`.
fn item_function_problem(name: &str, arg: &Expr) -> Option<String> {
    let ok = match name {
        "d2:countIfZeroPos(" => return Some(not_supported(name)),
        "d2:count(" | "d2:countIfValue(" | "d2:countIfCondition(" => {
            if matches!(arg.kind, Node::StageDe { .. }) {
                return None;
            }
            return Some(format!(
                "First argument not supported for d2:count... functions: it must be `#{{programStage.dataElement}}` (`{name}`)"
            ));
        }
        "d2:hasValue(" => matches!(
            arg.kind,
            Node::StageDe { .. } | Node::Attribute(_) | Node::Variable(_)
        ),
        _ => matches!(arg.kind, Node::StageDe { .. } | Node::PsEventDate(_)),
    };
    (!ok).then(|| {
        format!("Illegal argument in program indicator expression: `{name}` takes no such argument")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str, v: Version) -> Vec<String> {
        check(text, v)
            .problems
            .into_iter()
            .map(|p| p.message)
            .collect()
    }

    const V236: Version = Version::new(2, 36, 0);
    const V241: Version = Version::new(2, 41, 0);

    #[test]
    fn what_pis_reject_is_named_at_its_item() {
        let c = check("1 + I{abcdefghijk} + #{abcdefghijk}", LATEST);
        assert_eq!(c.problems.len(), 2);
        assert_eq!(
            c.problems[0].message,
            "Item I{ not supported for this type of expression"
        );
        assert_eq!((c.problems[0].span.start, c.problems[0].span.end), (4, 18));
        assert!(
            c.problems[1]
                .message
                .starts_with("Invalid Program Stage / DataElement syntax")
        );
        assert_eq!(
            problems("V{org_unit}", LATEST),
            vec!["Can't find program variable org_unit"]
        );
        assert_eq!(problems("d2:round(1)", LATEST).len(), 1);
        assert_eq!(problems("d2:count(A{abcdefghijk})", LATEST).len(), 1);
        assert_eq!(
            problems("d2:hasValue(A{abcdefghijk})", LATEST),
            Vec::<String>::new()
        );
        assert_eq!(problems("A{abcdefghijk.bcdefghijkl}", LATEST).len(), 1);
    }

    #[test]
    fn features_are_gated_by_version() {
        assert_eq!(problems("is(1 in 1, 2)", V241), Vec::<String>::new());
        assert_eq!(problems("is(1 in 1, 2)", V236).len(), 1);
        assert_eq!(
            problems("count(distinct V{tei_count})", Version::new(2, 36, 8)).len(),
            1
        );
        assert_eq!(
            problems("count(distinct V{tei_count})", Version::new(2, 36, 9)).len(),
            0
        );
        assert_eq!(
            problems("count(distinct V{tei_count})", Version::new(2, 37, 3)).len(),
            1
        );
        assert_eq!(
            problems("V{scheduled_date}", Version::new(2, 38, 7)).len(),
            1
        );
        assert_eq!(
            problems("#{abcdefghijk.bcdefghijkl}.stageOffset(1)", V236).len(),
            1
        );
        assert_eq!(problems("1 /* c */", Version::new(2, 40, 3)).len(), 1);
        assert_eq!(problems("1 /* c */", V241).len(), 0);
    }

    #[test]
    fn each_version_boundary_of_the_matrix() {
        let v = |minor, patch| Version::new(2, minor, patch);
        // (text, last version without it, first version with it)
        for (text, before, from) in [
            ("removeZeros(1)", v(38, 7), v(39, 0)),
            ("null", v(38, 7), v(39, 0)),
            ("V{scheduled_date}", v(38, 7), v(39, 0)),
            ("is(1 in 1)", v(39, 9), v(40, 0)),
            ("contains('ab', 'a')", v(40, 12), v(41, 0)),
            ("containsItems('a,b', 'a')", v(40, 12), v(41, 0)),
            ("1 /* c */", v(40, 12), v(41, 0)),
            (
                "#{abcdefghijk.bcdefghijkl}.stageOffset(0)",
                v(37, 10),
                v(38, 0),
            ),
            ("count(distinct 1)", v(37, 3), v(37, 4)),
        ] {
            assert!(!problems(text, before).is_empty(), "{text} on {before}");
            assert!(
                problems(text, from).is_empty(),
                "{text} on {from}: {:?}",
                problems(text, from)
            );
        }
    }

    #[test]
    fn condition_strings_are_checked_at_their_place() {
        let text = "d2:condition('#{abcdefghijk.bcdefghijkl} == ', 1, 0)";
        let c = check(text, LATEST);
        assert_eq!(c.problems.len(), 1, "{:?}", c.problems);
        // The inner <EOF> sits at the closing quote.
        assert_eq!(c.problems[0].span.start, text.find("', 1").unwrap_or(0));
        let c = check(
            "d2:countIfCondition(#{abcdefghijk.bcdefghijkl}, '< I{abcdefghijk}')",
            LATEST,
        );
        assert_eq!(c.problems.len(), 1);
        let at = c.problems[0].span.start;
        assert_eq!(
            &"d2:countIfCondition(#{abcdefghijk.bcdefghijkl}, '< I{abcdefghijk}')"[at..at + 2],
            "I{"
        );
    }
}
