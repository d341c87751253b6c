//! The type check of DHIS2's description visit (pi-expressions.md §7): every item
//! stands for a dummy value of its class, operators cast their operands as
//! `AntlrParserUtils` does (parser 1.0.21+, DHIS2 2.36.9+, 2.37.4+, 2.38+), and the
//! top level must cast to a number (expression) or a boolean (filter). Every branch is
//! visited (`if`, `&&` and `||` do not short-circuit).

use super::Span;
use super::ast::{Expr, Node};
use super::pi::Role;

/// The dummy value an item stands for.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(f64),
    Bool(bool),
    /// A string, with its text (casts look at it).
    Str(String),
    Date,
    Null,
    /// Not known (an item that does not resolve): never a cast error.
    Any,
}

impl Value {
    fn class(&self) -> &'static str {
        match self {
            Value::Number(_) => "Double",
            Value::Bool(_) => "Boolean",
            Value::Str(_) => "String",
            Value::Date => "Date",
            Value::Null | Value::Any => "Object",
        }
    }

    fn shown(&self) -> String {
        match self {
            Value::Number(n) => format!("{n:?}"),
            Value::Bool(b) => b.to_string(),
            Value::Str(s) => s.clone(),
            Value::Date => "2017-07-08".into(),
            Value::Null | Value::Any => String::new(),
        }
    }
}

/// What the check needs to know of the source: the value type of a data element or
/// tracked entity attribute (`None`: not known).
pub trait Types {
    fn data_element(&self, id: &str) -> Option<&str>;
    fn attribute(&self, id: &str) -> Option<&str>;
}

/// The dummy value of a DHIS2 value type (§5).
pub fn dummy(value_type: Option<&str>) -> Value {
    match value_type {
        None => Value::Any,
        Some(
            "NUMBER"
            | "INTEGER"
            | "INTEGER_POSITIVE"
            | "INTEGER_NEGATIVE"
            | "INTEGER_ZERO_OR_POSITIVE"
            | "PERCENTAGE"
            | "UNIT_INTERVAL"
            | "BOOLEAN",
        ) => Value::Number(0.0),
        Some("TRUE_ONLY") => Value::Bool(false),
        Some("DATE" | "DATETIME" | "AGE") => Value::Date,
        Some(_) => Value::Str(String::new()),
    }
}

/// A cast that fails: where, and DHIS2's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeError {
    pub span: Span,
    pub message: String,
}

/// Whether a version casts as parser 1.0.21+ does; older lines are not type checked.
pub fn checks_types(v: crate::dhis2::Version) -> bool {
    match v.minor {
        36 => v.patch >= 9,
        37 => v.patch >= 4,
        m => m >= 38,
    }
}

/// Type check a tree for its role; the first failing cast, as DHIS2 stops there.
pub fn check(e: &Expr, role: Role, types: &dyn Types) -> Result<(), TypeError> {
    let v = eval(e, types)?;
    match role {
        Role::Expression => to_number(&v, e.span),
        Role::Filter => to_bool(&v, e.span),
    }
}

fn cast_error(v: &Value, to: &str, span: Span) -> TypeError {
    TypeError {
        span,
        message: format!("Could not cast {} '{}' to {to}", v.class(), v.shown()),
    }
}

fn to_number(v: &Value, span: Span) -> Result<(), TypeError> {
    match v {
        Value::Number(_) | Value::Null | Value::Any => Ok(()),
        Value::Str(s) if s.trim().parse::<f64>().is_ok() => Ok(()),
        _ => Err(cast_error(v, "Double", span)),
    }
}

fn to_bool(v: &Value, span: Span) -> Result<(), TypeError> {
    match v {
        Value::Bool(_) | Value::Null | Value::Any => Ok(()),
        Value::Number(n) if n.fract() == 0.0 => Ok(()),
        Value::Str(s) if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") => {
            Ok(())
        }
        _ => Err(cast_error(v, "Boolean", span)),
    }
}

fn to_date(v: &Value, span: Span) -> Result<(), TypeError> {
    let iso = |s: &str| {
        s.get(..10)
            .is_some_and(|d| d.parse::<jiff::civil::Date>().is_ok())
    };
    match v {
        Value::Date | Value::Null | Value::Any => Ok(()),
        Value::Str(s) if iso(s) => Ok(()),
        _ => Err(cast_error(v, "Date", span)),
    }
}

/// Whether `b` casts to the class of `a` (the branches of `if` and `d2:condition`).
fn to_class_of(a: &Value, b: &Value, span: Span) -> Result<(), TypeError> {
    match a {
        Value::Number(_) => to_number(b, span),
        Value::Bool(_) => to_bool(b, span),
        Value::Date => to_date(b, span),
        _ => Ok(()),
    }
}

/// The dummy value of a date or text variable, and of the count variables.
fn variable(name: &str) -> Value {
    match name {
        "enrollment_status" | "event_status" => Value::Str("COMPLETED".into()),
        "program_stage_id" => Value::Str("WZbXY0S00lP".into()),
        "program_stage_name" => Value::Str("First antenatal care visit".into()),
        "event_count"
        | "scheduled_event_count"
        | "enrollment_count"
        | "tei_count"
        | "org_unit_count"
        | "value_count"
        | "zero_pos_value_count" => Value::Number(1.0),
        _ => Value::Str("2017-07-08".into()),
    }
}

fn eval(e: &Expr, t: &dyn Types) -> Result<Value, TypeError> {
    let num = |x: &Expr| -> Result<Value, TypeError> {
        let v = eval(x, t)?;
        to_number(&v, x.span)?;
        Ok(if v == Value::Null {
            Value::Null
        } else {
            Value::Number(0.0)
        })
    };
    Ok(match &e.kind {
        Node::Number(n) => Value::Number(n.parse().unwrap_or(0.0)),
        Node::Str { raw, .. } => Value::Str(raw.clone()),
        Node::Bool(b) => Value::Bool(*b),
        Node::Null => Value::Null,
        Node::Paren(x) => eval(x, t)?,
        Node::Unary(op, x) => match *op {
            "!" | "not" => {
                let v = eval(x, t)?;
                to_bool(&v, x.span)?;
                Value::Bool(false)
            }
            _ => num(x)?,
        },
        Node::Binary(op, a, b) => binary(op, a, b, t)?,
        Node::Call { name, args, .. } => call(name, args, t)?,
        Node::Is { x, set } => {
            eval(x, t)?;
            for s in set {
                eval(s, t)?;
            }
            Value::Bool(false)
        }
        Node::Condition {
            then, otherwise, ..
        } => {
            let a = eval(then, t)?;
            let b = eval(otherwise, t)?;
            to_class_of(&a, &b, otherwise.span)?;
            a
        }
        Node::ItemFunction {
            name, arg, value, ..
        } => {
            let a = eval(arg, t)?;
            match *name {
                "d2:hasValue(" => Value::Bool(false),
                "d2:minValue(" | "d2:maxValue(" => a,
                "d2:countIfCondition(" => {
                    to_number(&a, arg.span)?;
                    Value::Number(0.0)
                }
                _ => {
                    if let Some(v) = value {
                        let b = eval(v, t)?;
                        to_class_of(&a, &b, v.span)?;
                    }
                    Value::Number(0.0)
                }
            }
        }
        Node::RelationshipCount(_) | Node::Constant(_) => Value::Number(0.0),
        Node::Round { arg, .. } => num(arg)?,
        Node::Postfix { target, .. } => eval(target, t)?,
        Node::StageDe { de, .. } => dummy(t.data_element(de)),
        Node::Attribute(a) => dummy(t.attribute(a)),
        Node::Variable(v) => variable(v),
        Node::PsEventDate(_) => Value::Str("2017-07-08".into()),
        Node::OrgUnit { .. } | Node::OtherItem { .. } => Value::Any,
    })
}

fn binary(op: &str, a: &Expr, b: &Expr, t: &dyn Types) -> Result<Value, TypeError> {
    let (va, vb) = (eval(a, t)?, eval(b, t)?);
    match op {
        "&&" | "and" | "||" | "or" => {
            to_bool(&va, a.span)?;
            to_bool(&vb, b.span)?;
            Ok(Value::Bool(false))
        }
        "<" | ">" | "<=" | ">=" | "==" | "!=" => {
            compare(&va, &vb, Span::new(a.span.start, b.span.end))
        }
        _ => {
            if va == Value::Null || vb == Value::Null {
                return Ok(Value::Null);
            }
            to_number(&va, a.span)?;
            to_number(&vb, b.span)?;
            Ok(Value::Number(0.0))
        }
    }
}

/// `AntlrParserUtils.compare`: as numbers if one side is a number and both cast, else
/// as booleans if one side is a boolean and both cast, else as strings if either side
/// is a string.
fn compare(a: &Value, b: &Value, span: Span) -> Result<Value, TypeError> {
    let any = |v: &Value| matches!(v, Value::Null | Value::Any);
    if any(a) || any(b) {
        return Ok(Value::Bool(false));
    }
    let is = |f: fn(&Value) -> bool| f(a) || f(b);
    let both =
        |f: fn(&Value, Span) -> Result<(), TypeError>| f(a, span).is_ok() && f(b, span).is_ok();
    if is(|v| matches!(v, Value::Number(_))) && both(to_number) {
        return Ok(Value::Bool(false));
    }
    if is(|v| matches!(v, Value::Bool(_))) && both(to_bool) {
        return Ok(Value::Bool(false));
    }
    if is(|v| matches!(v, Value::Str(_))) {
        return Ok(Value::Bool(false));
    }
    Err(TypeError {
        span,
        message: format!(
            "Could not compare {} '{}' to {} '{}'",
            a.class(),
            a.shown(),
            b.class(),
            b.shown()
        ),
    })
}

fn call(name: &str, args: &[Expr], t: &dyn Types) -> Result<Value, TypeError> {
    let vals: Vec<Value> = args.iter().map(|a| eval(a, t)).collect::<Result<_, _>>()?;
    let all = |f: fn(&Value, Span) -> Result<(), TypeError>| -> Result<(), TypeError> {
        for (v, a) in vals.iter().zip(args) {
            f(v, a.span)?;
        }
        Ok(())
    };
    Ok(match name {
        "if(" => {
            to_bool(&vals[0], args[0].span)?;
            to_class_of(&vals[1], &vals[2], args[2].span)?;
            vals[1].clone()
        }
        "isNull(" | "isNotNull(" | "contains(" | "containsItems(" => Value::Bool(false),
        "firstNonNull(" => vals
            .iter()
            .find(|v| **v != Value::Null)
            .cloned()
            .unwrap_or(Value::Null),
        "d2:daysBetween(" | "d2:weeksBetween(" | "d2:monthsBetween(" | "d2:yearsBetween("
        | "d2:minutesBetween(" => {
            all(to_date)?;
            Value::Number(0.0)
        }
        "count(" => Value::Number(0.0),
        _ => {
            all(to_number)?;
            Value::Number(0.0)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::parse;

    struct T;
    impl Types for T {
        fn data_element(&self, id: &str) -> Option<&str> {
            Some(match id {
                "deNumber001" => "NUMBER",
                "deText00001" => "TEXT",
                "deDate00001" => "DATE",
                "deTrue00001" => "TRUE_ONLY",
                _ => return None,
            })
        }
        fn attribute(&self, id: &str) -> Option<&str> {
            (id == "teaDob00001").then_some("DATE")
        }
    }

    fn judge(text: &str, role: Role) -> Result<(), String> {
        let e = parse(text, true).map_err(|e| e.message(text))?;
        check(&e, role, &T).map_err(|e| e.message)
    }

    const N: &str = "#{stageAAAAAA.deNumber001}";
    const S: &str = "#{stageAAAAAA.deText00001}";
    const D: &str = "#{stageAAAAAA.deDate00001}";

    #[test]
    fn casts_follow_dhis2() {
        use Role::*;
        assert_eq!(judge(&format!("{N} + 1"), Expression), Ok(()));
        assert_eq!(
            judge(&format!("{S} + 1"), Expression),
            Err("Could not cast String '' to Double".into())
        );
        assert_eq!(
            judge(&format!("{N} == 1"), Expression),
            Err("Could not cast Boolean 'false' to Double".into())
        );
        assert_eq!(judge(&format!("{N} == 1"), Filter), Ok(()));
        assert_eq!(
            judge(S, Filter),
            Err("Could not cast String '' to Boolean".into())
        );
        assert_eq!(judge(N, Filter), Ok(()));
        // A date item compared with a number, or another date item, fails; with a string it works.
        assert!(judge(&format!("{D} == 1"), Filter).is_err());
        assert!(judge(&format!("{D} > {D}"), Filter).is_err());
        assert_eq!(judge(&format!("{D} >= '2020-01-01'"), Filter), Ok(()));
        assert_eq!(
            judge(&format!("d2:daysBetween({D}, V{{event_date}}) > 7"), Filter),
            Ok(())
        );
        assert!(judge(&format!("d2:daysBetween({N}, V{{event_date}}) > 7"), Filter).is_err());
        assert_eq!(judge(&format!("{S} == 1"), Filter), Ok(()));
        assert_eq!(judge("if(true, 1, '2')", Expression), Ok(()));
        assert!(judge("if(true, 1, 'x')", Expression).is_err());
        assert_eq!(judge("V{event_date} > 5", Filter), Ok(()));
        assert!(judge("V{event_date} + 1", Expression).is_err());
        assert_eq!(judge("#{stageAAAAAA.deTrue00001} && true", Filter), Ok(()));
        assert_eq!(
            judge(&format!("d2:countIfValue({S}, 'YES')"), Expression),
            Ok(())
        );
        assert!(judge(&format!("d2:countIfCondition({S}, '< 5')"), Expression).is_err());
        // Unknown items never fail a cast.
        assert_eq!(judge("#{stageAAAAAA.deGone00001} + 1", Expression), Ok(()));
        assert_eq!(judge("null + 1", Expression), Ok(()));
    }
}
