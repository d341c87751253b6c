//! Recursive descent over the tokens, following the alternatives of `Expression.g4`
//! (pi-expressions.md §4): operator precedence by binding power, whitespace
//! transparent between sub-expressions and significant inside items, and the first
//! error ends the parse at the token ANTLR would name.

use super::Span;
use super::ast::{Expr, Node};
use super::lexer::{Kind, Token, is_variable_name, lex};

/// Why a text does not parse: the byte offset of the offending token and its text
/// (`None`: a lexer error, which DHIS2 reports as `'syntax error'`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub at: usize,
    pub token: Option<String>,
}

impl SyntaxError {
    /// DHIS2's message: `Invalid string token '<t>' at line:<L> character:<C>`, with the
    /// character counted in code points from the last line feed, 0-based.
    pub fn message(&self, text: &str) -> String {
        let (line, column) = line_column(text, self.at);
        format!(
            "Invalid string token '{}' at line:{line} character:{column}",
            self.token.as_deref().unwrap_or("syntax error")
        )
    }
}

/// 1-based line and 0-based code-point column of a byte offset.
pub fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = 1 + before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count())
}

/// Parse a whole text (`comments`: the version skips `/* … */`).
pub fn parse(text: &str, comments: bool) -> Result<Expr, SyntaxError> {
    let toks = lex(text, comments).map_err(|e| SyntaxError {
        at: e.at,
        token: None,
    })?;
    let mut p = Parser {
        text,
        toks,
        pos: 0,
        depth: 0,
    };
    let e = p.expr(0)?;
    p.skip_ws();
    if p.pos < p.toks.len() {
        return Err(p.error());
    }
    Ok(e)
}

/// Functions of expression arguments: name, least and most arguments.
const CALLS: &[(&str, usize, usize)] = &[
    ("contains(", 2, usize::MAX),
    ("containsItems(", 2, usize::MAX),
    ("firstNonNull(", 1, usize::MAX),
    ("greatest(", 1, usize::MAX),
    ("if(", 3, 3),
    ("isNotNull(", 1, 1),
    ("isNull(", 1, 1),
    ("least(", 1, usize::MAX),
    ("log(", 1, 2),
    ("log10(", 1, 1),
    ("normDistCum(", 1, 3),
    ("normDistDen(", 1, 3),
    ("removeZeros(", 1, 1),
    ("subExpression(", 1, 1),
    ("avg(", 1, 1),
    ("max(", 1, 1),
    ("median(", 1, 1),
    ("min(", 1, 1),
    ("percentileCont(", 2, 2),
    ("stddev(", 1, 1),
    ("stddevPop(", 1, 1),
    ("stddevSamp(", 1, 1),
    ("sum(", 1, 1),
    ("variance(", 1, 1),
    ("d2:addDays(", 2, 2),
    ("d2:ceil(", 1, 1),
    ("d2:concatenate(", 1, usize::MAX),
    ("d2:daysBetween(", 2, 2),
    ("d2:extractDataMatrixValue(", 2, 2),
    ("d2:floor(", 1, 1),
    ("d2:hasUserRole(", 1, 1),
    ("d2:inOrgUnitGroup(", 1, 1),
    ("d2:lastEventDate(", 1, 1),
    ("d2:left(", 2, 2),
    ("d2:length(", 1, 1),
    ("d2:minutesBetween(", 2, 2),
    ("d2:modulus(", 2, 2),
    ("d2:monthsBetween(", 2, 2),
    ("d2:oizp(", 1, 1),
    ("d2:right(", 2, 2),
    ("d2:split(", 3, 3),
    ("d2:substring(", 3, 3),
    ("d2:validatePattern(", 2, 2),
    ("d2:weeksBetween(", 2, 2),
    ("d2:yearsBetween(", 2, 2),
    ("d2:zing(", 1, 1),
    ("d2:zpvc(", 1, usize::MAX),
    ("d2:zScoreHFA(", 3, 3),
    ("d2:zScoreWFA(", 3, 3),
    ("d2:zScoreWFH(", 3, 3),
];

const POSTFIX: &[&str] = &[
    ".aggregationType(",
    ".maxDate(",
    ".minDate(",
    ".periodOffset(",
    ".stageOffset(",
    ".yearToDate()",
];

/// Binary operators: left binding power and right associativity.
fn binary(op: &str) -> Option<(u8, bool)> {
    Some(match op {
        "^" => (9, true),
        "*" | "/" | "%" => (7, false),
        "+" | "-" => (6, false),
        "<" | ">" | "<=" | ">=" => (5, false),
        "==" | "!=" => (4, false),
        "&&" | "and" => (3, false),
        "||" | "or" => (2, false),
        _ => return None,
    })
}

/// Prefix operators bind looser than `^` and tighter than `*`.
const UNARY_BP: u8 = 8;

struct Parser<'a> {
    text: &'a str,
    toks: Vec<Token>,
    pos: usize,
    /// Nesting so far: a bound keeps hostile input from exhausting the stack.
    depth: usize,
}

/// Deeper than any real expression; DHIS2's own parser would overflow its stack.
const MAX_DEPTH: usize = 200;

type R<T> = Result<T, SyntaxError>;

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<Token> {
        self.toks.get(self.pos).copied()
    }

    fn text_of(&self, t: Token) -> &'a str {
        &self.text[t.span.start..t.span.end]
    }

    fn error(&self) -> SyntaxError {
        match self.peek() {
            Some(t) => SyntaxError {
                at: t.span.start,
                token: Some(self.text_of(t).to_string()),
            },
            None => SyntaxError {
                at: self.text.len(),
                token: Some("<EOF>".to_string()),
            },
        }
    }

    /// Skip whitespace tokens; how many.
    fn skip_ws(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(|t| t.kind == Kind::Ws) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn is_fixed(&self, s: &str) -> bool {
        self.peek()
            .is_some_and(|t| matches!(t.kind, Kind::Fixed(f) if f == s))
    }

    fn expect_fixed(&mut self, s: &str) -> R<Token> {
        match self.peek() {
            Some(t) if matches!(t.kind, Kind::Fixed(f) if f == s) => {
                self.pos += 1;
                Ok(t)
            }
            _ => Err(self.error()),
        }
    }

    fn expect_kind(&mut self, k: Kind) -> R<Token> {
        match self.peek() {
            Some(t) if t.kind == k => {
                self.pos += 1;
                Ok(t)
            }
            _ => Err(self.error()),
        }
    }

    /// The end of the last token taken.
    fn end(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(0, |t| t.span.end)
    }

    fn expr(&mut self, min_bp: u8) -> R<Expr> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error());
        }
        let e = self.expr_inner(min_bp);
        self.depth -= 1;
        e
    }

    fn expr_inner(&mut self, min_bp: u8) -> R<Expr> {
        self.skip_ws();
        let mut lhs = self.prefix()?;
        loop {
            let save = self.pos;
            self.skip_ws();
            let Some(t) = self.peek() else {
                self.pos = save;
                break;
            };
            let Kind::Fixed(op) = t.kind else {
                self.pos = save;
                break;
            };
            if POSTFIX.contains(&op) {
                self.pos += 1;
                lhs = self.postfix(op, lhs)?;
                continue;
            }
            match binary(op) {
                Some((lbp, right)) if lbp >= min_bp => {
                    self.pos += 1;
                    let rhs = self.expr(if right { lbp } else { lbp + 1 })?;
                    let span = Span::new(lhs.span.start, rhs.span.end);
                    lhs = Expr::new(Node::Binary(op, Box::new(lhs), Box::new(rhs)), span);
                }
                _ => {
                    self.pos = save;
                    break;
                }
            }
        }
        Ok(lhs)
    }

    fn prefix(&mut self) -> R<Expr> {
        let Some(t) = self.peek() else {
            return Err(self.error());
        };
        match t.kind {
            Kind::Fixed(op @ ("+" | "-" | "!" | "not")) => {
                self.pos += 1;
                let operand = self.expr(UNARY_BP)?;
                let span = Span::new(t.span.start, operand.span.end);
                Ok(Expr::new(Node::Unary(op, Box::new(operand)), span))
            }
            Kind::Fixed("(") => {
                self.pos += 1;
                let inner = self.expr(0)?;
                self.skip_ws();
                self.expect_fixed(")")?;
                Ok(Expr::new(
                    Node::Paren(Box::new(inner)),
                    Span::new(t.span.start, self.end()),
                ))
            }
            _ => self.primary(),
        }
    }

    fn postfix(&mut self, name: &'static str, target: Expr) -> R<Expr> {
        let arg = match name {
            ".yearToDate()" => String::new(),
            ".aggregationType(" => self.padded(|p| p.expect_kind(Kind::Identifier))?,
            ".maxDate(" | ".minDate(" => self.padded(|p| p.expect_kind(Kind::Date))?,
            _ => self.padded_integer()?,
        };
        if name != ".yearToDate()" {
            self.expect_fixed(")")?;
        }
        let span = Span::new(target.span.start, self.end());
        Ok(Expr::new(
            Node::Postfix {
                name,
                target: Box::new(target),
                arg,
            },
            span,
        ))
    }

    /// `WS* <token> WS*`, the token's text.
    fn padded(&mut self, f: impl FnOnce(&mut Self) -> R<Token>) -> R<String> {
        self.skip_ws();
        let t = f(self)?;
        self.skip_ws();
        Ok(self.text_of(t).to_string())
    }

    /// `WS* ('+'|'-')? INTEGER WS*`, as written.
    fn padded_integer(&mut self) -> R<String> {
        self.skip_ws();
        let start = self.peek().map_or(self.text.len(), |t| t.span.start);
        if self.is_fixed("+") || self.is_fixed("-") {
            self.pos += 1;
        }
        self.expect_kind(Kind::Integer)?;
        let s = self.text[start..self.end()].to_string();
        self.skip_ws();
        Ok(s)
    }

    fn primary(&mut self) -> R<Expr> {
        let Some(t) = self.peek() else {
            return Err(self.error());
        };
        let start = t.span.start;
        let node = match t.kind {
            Kind::Integer | Kind::Numeric => {
                self.pos += 1;
                Node::Number(self.text_of(t).to_string())
            }
            Kind::String | Kind::QuotedUid => {
                self.pos += 1;
                string_node(self.text_of(t))
            }
            Kind::Boolean => {
                self.pos += 1;
                Node::Bool(self.text_of(t) == "true")
            }
            Kind::Fixed(f) => {
                self.pos += 1;
                self.fixed_primary(f, t)?
            }
            _ => return Err(self.error()),
        };
        Ok(Expr::new(node, Span::new(start, self.end())))
    }

    fn fixed_primary(&mut self, f: &'static str, t: Token) -> R<Node> {
        if let Some(&(name, min, max)) = CALLS.iter().find(|(n, _, _)| *n == f) {
            let args = self.args(min, max)?;
            return Ok(Node::Call {
                name,
                args,
                distinct: false,
            });
        }
        match f {
            "null" => Ok(Node::Null),
            "count(" => {
                let save = self.pos;
                self.skip_ws();
                let distinct = self.is_fixed("distinct");
                if distinct {
                    self.pos += 1;
                } else {
                    self.pos = save;
                }
                let args = self.args(1, 1)?;
                Ok(Node::Call {
                    name: "count(",
                    args,
                    distinct,
                })
            }
            "is(" => self.is_call(),
            "d2:condition(" => {
                self.skip_ws();
                let (cond, cond_span, quote) = self.string_arg()?;
                self.skip_ws();
                self.expect_fixed(",")?;
                let then = self.expr(0)?;
                self.skip_ws();
                self.expect_fixed(",")?;
                let otherwise = self.expr(0)?;
                self.skip_ws();
                self.expect_fixed(")")?;
                Ok(Node::Condition {
                    cond,
                    cond_span,
                    quote,
                    then: Box::new(then),
                    otherwise: Box::new(otherwise),
                })
            }
            "d2:count("
            | "d2:countIfZeroPos("
            | "d2:countIfCondition("
            | "d2:countIfValue("
            | "d2:hasValue("
            | "d2:maxValue("
            | "d2:minValue(" => self.item_function(f),
            "d2:relationshipCount(" => {
                self.skip_ws();
                let uid = match self.peek() {
                    Some(q) if q.kind == Kind::QuotedUid => {
                        self.pos += 1;
                        let s = self.text_of(q);
                        Some(s[1..s.len() - 1].to_string())
                    }
                    _ => None,
                };
                self.skip_ws();
                self.expect_fixed(")")?;
                Ok(Node::RelationshipCount(uid))
            }
            "d2:round(" => {
                let arg = self.expr(0)?;
                self.skip_ws();
                let places = if self.is_fixed(",") {
                    self.pos += 1;
                    self.padded_integer()?.parse().ok()
                } else {
                    None
                };
                self.expect_fixed(")")?;
                Ok(Node::Round {
                    arg: Box::new(arg),
                    places,
                })
            }
            "orgUnit.ancestor(" | "orgUnit.dataSet(" | "orgUnit.group(" | "orgUnit.program(" => {
                let mut uids = vec![self.padded(|p| p.expect_kind(Kind::Uid))?];
                while self.is_fixed(",") {
                    self.pos += 1;
                    uids.push(self.padded(|p| p.expect_kind(Kind::Uid))?);
                }
                self.expect_fixed(")")?;
                Ok(Node::OrgUnit { name: f, uids })
            }
            "#{" => self.hash_item(t),
            "A{" => self.attribute_item(t),
            "V{" => {
                let v = self.peek().filter(|v| match v.kind {
                    Kind::Fixed(n) => is_variable_name(n),
                    _ => false,
                });
                let Some(v) = v else {
                    return Err(self.error());
                };
                self.pos += 1;
                self.expect_fixed("}")?;
                match v.kind {
                    Kind::Fixed(name) => Ok(Node::Variable(name)),
                    _ => Err(self.error()),
                }
            }
            "C{" => {
                let u = self.expect_kind(Kind::Uid)?;
                self.expect_fixed("}")?;
                Ok(Node::Constant(self.text_of(u).to_string()))
            }
            "D{" | "I{" | "N{" | "OUG{" | "R{" => {
                self.expect_kind(Kind::Uid)?;
                match f {
                    "D{" => {
                        self.expect_fixed(".")?;
                        self.expect_kind(Kind::Uid)?;
                    }
                    "R{" => {
                        self.expect_fixed(".")?;
                        self.expect_kind(Kind::ReportingRateType)?;
                    }
                    _ => {}
                }
                self.expect_fixed("}")?;
                Ok(self.other(f, t))
            }
            "PS_EVENTDATE:" => {
                self.skip_ws();
                let u = self.expect_kind(Kind::Uid)?;
                Ok(Node::PsEventDate(self.text_of(u).to_string()))
            }
            "[days]" | "[periodInYear]" | "[yearlyPeriodCount]" => Ok(self.other(f, t)),
            _ => {
                self.pos -= 1;
                Err(self.error())
            }
        }
    }

    /// An item PIs reject, with its whole text.
    fn other(&self, opener: &'static str, t: Token) -> Node {
        Node::OtherItem {
            opener,
            text: self.text[t.span.start..self.end()].to_string(),
        }
    }

    /// Comma-separated expressions up to the closing parenthesis.
    fn args(&mut self, min: usize, max: usize) -> R<Vec<Expr>> {
        let mut args = vec![self.expr(0)?];
        loop {
            self.skip_ws();
            if args.len() < max && self.is_fixed(",") {
                self.pos += 1;
                args.push(self.expr(0)?);
            } else if args.len() >= min && self.is_fixed(")") {
                self.pos += 1;
                return Ok(args);
            } else {
                return Err(self.error());
            }
        }
    }

    /// `is(x WS 'in' WS a (, b)*)`: whitespace is required around `in`.
    fn is_call(&mut self) -> R<Node> {
        let x = self.expr(0)?;
        if self.skip_ws() == 0 {
            return Err(self.error());
        }
        self.expect_fixed("in")?;
        if self.skip_ws() == 0 {
            return Err(self.error());
        }
        let set = self.args(1, usize::MAX)?;
        Ok(Node::Is {
            x: Box::new(x),
            set,
        })
    }

    /// A string literal argument: its raw content, where that stands, and the quote.
    fn string_arg(&mut self) -> R<(String, Span, char)> {
        match self.peek() {
            Some(t) if matches!(t.kind, Kind::String | Kind::QuotedUid) => {
                self.pos += 1;
                let s = self.text_of(t);
                let quote = if s.starts_with('"') { '"' } else { '\'' };
                Ok((
                    s[1..s.len() - 1].to_string(),
                    Span::new(t.span.start + 1, t.span.end - 1),
                    quote,
                ))
            }
            _ => Err(self.error()),
        }
    }

    /// The `d2:count*` / `d2:hasValue` / `d2:min|maxValue` family.
    fn item_function(&mut self, name: &'static str) -> R<Node> {
        self.skip_ws();
        let arg = self.item_arg(name)?;
        self.skip_ws();
        let (mut value, mut condition) = (None, None);
        match name {
            "d2:countIfValue(" => {
                self.expect_fixed(",")?;
                value = Some(Box::new(self.expr(0)?));
                self.skip_ws();
            }
            "d2:countIfCondition(" => {
                self.expect_fixed(",")?;
                self.skip_ws();
                condition = Some(self.string_arg()?);
                self.skip_ws();
            }
            _ => {}
        }
        self.expect_fixed(")")?;
        Ok(Node::ItemFunction {
            name,
            arg: Box::new(arg),
            value,
            condition,
        })
    }

    /// The fixed first argument of the item functions.
    fn item_arg(&mut self, name: &str) -> R<Expr> {
        let Some(t) = self.peek() else {
            return Err(self.error());
        };
        let start = t.span.start;
        let node = match t.kind {
            Kind::Fixed("#{") => {
                self.pos += 1;
                self.hash_item(t)?
            }
            Kind::Fixed("A{") => {
                self.pos += 1;
                self.attribute_item(t)?
            }
            Kind::Fixed("V{") if name == "d2:hasValue(" => {
                self.pos += 1;
                self.fixed_primary("V{", t)?
            }
            Kind::Fixed("PS_EVENTDATE:") if matches!(name, "d2:maxValue(" | "d2:minValue(") => {
                self.pos += 1;
                self.fixed_primary("PS_EVENTDATE:", t)?
            }
            Kind::String | Kind::QuotedUid => {
                self.pos += 1;
                string_node(self.text_of(t))
            }
            _ => return Err(self.error()),
        };
        Ok(Expr::new(node, Span::new(start, self.end())))
    }

    /// `#{…}`: `#{s.d}` or one of the forms PIs reject.
    fn hash_item(&mut self, open: Token) -> R<Node> {
        let parts = self.item_parts()?;
        let kinds: Vec<Kind> = parts.iter().map(|t| t.kind).collect();
        if let [Kind::Uid, Kind::Fixed("."), Kind::Uid] = kinds.as_slice() {
            return Ok(Node::StageDe {
                stage: self.text_of(parts[0]).to_string(),
                de: self.text_of(parts[2]).to_string(),
            });
        }
        let uid0 = |k: &Kind| matches!(k, Kind::Uid | Kind::TaggedUid0);
        let uid1 = |k: &Kind| matches!(k, Kind::Uid | Kind::TaggedUid1);
        let known = match kinds.as_slice() {
            [a] => uid0(a),
            [a, Kind::Fixed(".*")] => uid0(a),
            [a, Kind::Fixed("."), b] => uid0(a) && uid1(b),
            [a, Kind::Fixed("."), b, Kind::Fixed(".*")] => uid0(a) && uid1(b),
            [a, Kind::Fixed(".*."), Kind::Uid] => uid0(a),
            [a, Kind::Fixed("."), b, Kind::Fixed("."), Kind::Uid] => uid0(a) && uid1(b),
            _ => false,
        };
        if !known && !parts.iter().all(|t| variable_part(t.kind)) {
            return Err(SyntaxError {
                at: parts
                    .iter()
                    .find(|t| !variable_part(t.kind))
                    .map_or(open.span.end, |t| t.span.start),
                token: parts
                    .iter()
                    .find(|t| !variable_part(t.kind))
                    .map(|t| self.text_of(*t).to_string()),
            });
        }
        Ok(self.other("#{", open))
    }

    /// `A{…}`: `A{a}`, or `A{p.a}` and program rule names, which PIs reject.
    fn attribute_item(&mut self, open: Token) -> R<Node> {
        let parts = self.item_parts()?;
        let kinds: Vec<Kind> = parts.iter().map(|t| t.kind).collect();
        match kinds.as_slice() {
            [Kind::Uid] => Ok(Node::Attribute(self.text_of(parts[0]).to_string())),
            [Kind::Uid, Kind::Fixed("."), Kind::Uid] => Ok(self.other("A{", open)),
            _ if parts.iter().all(|t| variable_part(t.kind)) => Ok(self.other("A{", open)),
            _ => Err(self.error()),
        }
    }

    /// The tokens of an item up to its `}` (taken), none of them a `}`; at least one.
    fn item_parts(&mut self) -> R<Vec<Token>> {
        let mut parts = Vec::new();
        loop {
            match self.peek() {
                None => return Err(self.error()),
                Some(t) if t.kind == Kind::Fixed("}") => {
                    if parts.is_empty() {
                        return Err(self.error());
                    }
                    self.pos += 1;
                    return Ok(parts);
                }
                Some(t) if variable_part(t.kind) || item_token(t.kind) => {
                    parts.push(t);
                    self.pos += 1;
                }
                Some(_) => return Err(self.error()),
            }
        }
    }
}

/// `programRuleVariablePart`: what a program rule variable's name may hold.
fn variable_part(k: Kind) -> bool {
    matches!(
        k,
        Kind::Identifier
            | Kind::Integer
            | Kind::Numeric
            | Kind::Uid
            | Kind::Ws
            | Kind::Fixed("-")
            | Kind::Fixed(".")
    )
}

/// Tokens of the UID forms of `#{…}`.
fn item_token(k: Kind) -> bool {
    matches!(
        k,
        Kind::TaggedUid0 | Kind::TaggedUid1 | Kind::Fixed(".*") | Kind::Fixed(".*.")
    )
}

fn string_node(s: &str) -> Node {
    let quote = if s.starts_with('"') { '"' } else { '\'' };
    Node::Str {
        raw: s[1..s.len() - 1].to_string(),
        quote,
    }
}
