//! The DHIS2 expression language of program indicators (`../shared/reference/
//! pi-expressions.md`): a lexer that makes the tokens ANTLR makes, a parser with
//! DHIS2's error positions, a printer, and the checks of what a PI may use on each
//! DHIS2 version.

pub mod ast;
pub mod facts;
pub mod lexer;
pub mod parser;
pub mod pi;
pub mod print;
pub mod types;

pub use ast::{Expr, Node};
pub use parser::{SyntaxError, line_column, parse};

/// A byte range in an expression's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Expr {
        parse(text, true).unwrap_or_else(|e| panic!("{text}: {}", e.message(text)))
    }

    fn err(text: &str) -> String {
        match parse(text, true) {
            Ok(e) => panic!("{text} parsed: {e:?}"),
            Err(e) => e.message(text),
        }
    }

    #[test]
    fn precedence_follows_the_grammar() {
        let shape = |t: &str| print::print(&ok(t));
        // Unary binds looser than ^ and tighter than *.
        assert!(matches!(ok("-2^2").kind, Node::Unary("-", _)));
        assert!(matches!(ok("2^-1").kind, Node::Binary("^", _, _)));
        assert!(matches!(ok("1 + 2 * 3").kind, Node::Binary("+", _, _)));
        assert!(
            matches!(ok("1 - 2 - 3").kind, Node::Binary("-", ref a, _) if matches!(a.kind, Node::Binary("-", _, _)))
        );
        assert!(
            matches!(ok("2 ^ 3 ^ 4").kind, Node::Binary("^", _, ref b) if matches!(b.kind, Node::Binary("^", _, _)))
        );
        assert!(
            matches!(ok("1 == 1 or 1 < 2 and true").kind, Node::Binary("or", _, ref b) if matches!(b.kind, Node::Binary("and", _, _)))
        );
        assert_eq!(shape(" 1+2 "), "1 + 2");
    }

    #[test]
    fn pi_items_and_functions_parse() {
        for t in [
            "#{abcdefghijk.bcdefghijkl}",
            "A{abcdefghijk} + C{abcdefghijk}",
            "V{event_count}",
            "d2:count(#{abcdefghijk.bcdefghijkl})",
            "d2:countIfValue( #{abcdefghijk.bcdefghijkl} , 'YES')",
            "d2:countIfCondition(#{abcdefghijk.bcdefghijkl}, '< 10')",
            "d2:condition('#{abcdefghijk.bcdefghijkl} == \"M\"', 1, 0)",
            "d2:hasValue(V{event_date}) && d2:hasValue(A{abcdefghijk})",
            "d2:daysBetween(PS_EVENTDATE:abcdefghijk, V{event_date}) <= 7",
            "d2:maxValue(PS_EVENTDATE:abcdefghijk)",
            "d2:relationshipCount('abcdefghijk') + d2:relationshipCount()",
            "is(#{abcdefghijk.bcdefghijkl} in 'a', 'b')",
            "count(distinct V{tei_count})",
            "#{abcdefghijk.bcdefghijkl}.stageOffset(-1)",
            "if(isNull(#{abcdefghijk.bcdefghijkl}), 0, 1) /* note */",
            "d2:round(1.5, 1) + log(10, 2) + removeZeros(null)",
        ] {
            let e = ok(t);
            let again = ok(&print::print(&e));
            assert_eq!(print::print(&again), print::print(&e), "{t}");
        }
    }

    #[test]
    fn syntax_errors_name_the_token_and_position_as_dhis2_does() {
        assert_eq!(
            err("1 +"),
            "Invalid string token '<EOF>' at line:1 character:3"
        );
        // `if` without its parenthesis is an identifier, which starts no expression.
        assert_eq!(
            err("if (1, 2, 3)"),
            "Invalid string token 'if' at line:1 character:0"
        );
        assert_eq!(
            err("1 @ 2"),
            "Invalid string token 'syntax error' at line:1 character:2"
        );
        assert_eq!(
            err("V{ event_date}"),
            "Invalid string token ' ' at line:1 character:2"
        );
        assert_eq!(
            err("1\n + 007"),
            "Invalid string token '0' at line:2 character:4"
        );
        assert_eq!(
            err("is(1in 2)"),
            "Invalid string token 'in' at line:1 character:4"
        );
        // Dates must be strings.
        assert_eq!(
            err("V{event_date} > 2020-01-01"),
            "Invalid string token '2020-01-01' at line:1 character:16"
        );
    }

    #[test]
    fn hostile_nesting_is_an_error_not_a_crash() {
        let deep = "(".repeat(100_000) + "1" + &")".repeat(100_000);
        assert!(parse(&deep, true).is_err());
        let deep = "-".repeat(100_000) + "1";
        assert!(parse(&deep, true).is_err());
        let fine = "(".repeat(50) + "1" + &")".repeat(50);
        assert!(parse(&fine, true).is_ok());
    }

    #[test]
    fn comments_are_errors_before_2_41() {
        assert!(parse("1 /* x */", false).is_err());
        assert!(parse("1 /* x */", true).is_ok());
    }
}
