//! The tree of a parsed expression. Every node keeps its byte span in the text.

use super::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: Node,
    pub span: Span,
}

/// Unary and binary operators, as written (`and` and `&&` stay apart: printing keeps
/// the text).
pub type Op = &'static str;

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A number as written.
    Number(String),
    /// A string literal: the raw text between the quotes, and the quote.
    Str {
        raw: String,
        quote: char,
    },
    Bool(bool),
    Null,
    Paren(Box<Expr>),
    Unary(Op, Box<Expr>),
    Binary(Op, Box<Expr>, Box<Expr>),
    /// A function of expression arguments: `if(`, `d2:daysBetween(`, `sum(` …
    /// (`name` with its `(`). `count(distinct x)` sets `distinct`.
    Call {
        name: &'static str,
        args: Vec<Expr>,
        distinct: bool,
    },
    /// `is(x in a, b …)`.
    Is {
        x: Box<Expr>,
        set: Vec<Expr>,
    },
    /// `d2:condition('cond', a, b)`: the condition's raw text and where it stands (the
    /// content between the quotes).
    Condition {
        cond: String,
        cond_span: Span,
        quote: char,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// The `d2:count*`, `d2:hasValue`, `d2:minValue`/`d2:maxValue` family: a fixed
    /// first argument, and for `countIfValue` an expression, for `countIfCondition` a
    /// condition string.
    ItemFunction {
        name: &'static str,
        arg: Box<Expr>,
        value: Option<Box<Expr>>,
        condition: Option<(String, Span, char)>,
    },
    /// `d2:relationshipCount('uid')`, the UID optional.
    RelationshipCount(Option<String>),
    /// `d2:round(x, n)` and other functions with a fixed integer argument.
    Round {
        arg: Box<Expr>,
        places: Option<i64>,
    },
    /// `orgUnit.ancestor(uid, …)` and its siblings.
    OrgUnit {
        name: &'static str,
        uids: Vec<String>,
    },
    /// A postfix call: `.stageOffset(n)`, `.periodOffset(n)`, `.aggregationType(x)`,
    /// `.maxDate(d)`, `.minDate(d)`, `.yearToDate()`; the argument as written.
    Postfix {
        name: &'static str,
        target: Box<Expr>,
        arg: String,
    },
    /// `#{stage.dataElement}`.
    StageDe {
        stage: String,
        de: String,
    },
    /// `A{attribute}`.
    Attribute(String),
    /// `V{name}`.
    Variable(&'static str),
    /// `C{constant}`.
    Constant(String),
    /// `PS_EVENTDATE:stage`.
    PsEventDate(String),
    /// Any other item the grammar knows (`#{de}`, `#{s.d.c}`, `A{p.a}`, `I{…}`,
    /// `[days]` …): its opener and its whole text. PIs reject them.
    OtherItem {
        opener: &'static str,
        text: String,
    },
}

impl Expr {
    pub fn new(kind: Node, span: Span) -> Self {
        Expr { kind, span }
    }

    /// Visit this node and every node below it, depth first.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        match &self.kind {
            Node::Paren(e) | Node::Unary(_, e) => e.walk(f),
            Node::Binary(_, a, b) => {
                a.walk(f);
                b.walk(f);
            }
            Node::Call { args, .. } => args.iter().for_each(|a| a.walk(f)),
            Node::Is { x, set } => {
                x.walk(f);
                set.iter().for_each(|a| a.walk(f));
            }
            Node::Condition {
                then, otherwise, ..
            } => {
                then.walk(f);
                otherwise.walk(f);
            }
            Node::ItemFunction { arg, value, .. } => {
                arg.walk(f);
                if let Some(v) = value {
                    v.walk(f);
                }
            }
            Node::Round { arg, .. } => arg.walk(f),
            Node::Postfix { target, .. } => target.walk(f),
            Node::Number(_)
            | Node::Str { .. }
            | Node::Bool(_)
            | Node::Null
            | Node::RelationshipCount(_)
            | Node::OrgUnit { .. }
            | Node::StageDe { .. }
            | Node::Attribute(_)
            | Node::Variable(_)
            | Node::Constant(_)
            | Node::PsEventDate(_)
            | Node::OtherItem { .. } => {}
        }
    }
}
