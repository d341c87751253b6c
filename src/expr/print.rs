//! Print a tree back as text that parses to the same tree (spans aside): the
//! round-trip property the parser is tested with.

use super::ast::{Expr, Node};

pub fn print(e: &Expr) -> String {
    let mut out = String::new();
    write(e, &mut out);
    out
}

fn list(args: &[Expr], out: &mut String) {
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write(a, out);
    }
}

fn write(e: &Expr, out: &mut String) {
    match &e.kind {
        Node::Number(n) => out.push_str(n),
        Node::Str { raw, quote } => {
            out.push(*quote);
            out.push_str(raw);
            out.push(*quote);
        }
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Null => out.push_str("null"),
        Node::Paren(x) => {
            out.push('(');
            write(x, out);
            out.push(')');
        }
        Node::Unary(op, x) => {
            out.push_str(op);
            if *op == "not" {
                out.push(' ');
            }
            write(x, out);
        }
        Node::Binary(op, a, b) => {
            write(a, out);
            out.push(' ');
            out.push_str(op);
            out.push(' ');
            write(b, out);
        }
        Node::Call {
            name,
            args,
            distinct,
        } => {
            out.push_str(name);
            if *distinct {
                out.push_str("distinct ");
            }
            list(args, out);
            out.push(')');
        }
        Node::Is { x, set } => {
            out.push_str("is(");
            write(x, out);
            out.push_str(" in ");
            list(set, out);
            out.push(')');
        }
        Node::Condition {
            cond,
            quote,
            then,
            otherwise,
            ..
        } => {
            out.push_str("d2:condition(");
            out.push(*quote);
            out.push_str(cond);
            out.push(*quote);
            out.push_str(", ");
            write(then, out);
            out.push_str(", ");
            write(otherwise, out);
            out.push(')');
        }
        Node::ItemFunction {
            name,
            arg,
            value,
            condition,
        } => {
            out.push_str(name);
            write(arg, out);
            if let Some(v) = value {
                out.push_str(", ");
                write(v, out);
            }
            if let Some((c, _, q)) = condition {
                out.push_str(", ");
                out.push(*q);
                out.push_str(c);
                out.push(*q);
            }
            out.push(')');
        }
        Node::RelationshipCount(uid) => {
            out.push_str("d2:relationshipCount(");
            if let Some(u) = uid {
                out.push('\'');
                out.push_str(u);
                out.push('\'');
            }
            out.push(')');
        }
        Node::Round { arg, places } => {
            out.push_str("d2:round(");
            write(arg, out);
            if let Some(p) = places {
                out.push_str(&format!(", {p}"));
            }
            out.push(')');
        }
        Node::OrgUnit { name, uids } => {
            out.push_str(name);
            out.push_str(&uids.join(", "));
            out.push(')');
        }
        Node::Postfix { name, target, arg } => {
            write(target, out);
            // A space keeps `1 .stageOffset(…)` from lexing as the number `1.`.
            out.push(' ');
            out.push_str(name);
            if *name != ".yearToDate()" {
                out.push_str(arg);
                out.push(')');
            }
        }
        Node::StageDe { stage, de } => out.push_str(&format!("#{{{stage}.{de}}}")),
        Node::Attribute(a) => out.push_str(&format!("A{{{a}}}")),
        Node::Variable(v) => out.push_str(&format!("V{{{v}}}")),
        Node::Constant(c) => out.push_str(&format!("C{{{c}}}")),
        Node::PsEventDate(s) => out.push_str(&format!("PS_EVENTDATE:{s}")),
        Node::OtherItem { text, .. } => out.push_str(text),
    }
}
