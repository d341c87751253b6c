//! Tokens of the DHIS2 expression language as its ANTLR lexer makes them
//! (`Expression.g4`, parser 1.0.39; pi-expressions.md §3): at each position the longest
//! match wins, and on equal length the rule written first (the literals the grammar
//! uses without naming them come before every named rule). Function names include
//! their `(`; whitespace is a token; comments are skipped from 2.41 on.

use super::Span;

/// What a token is. Fixed texts keep their text; the rest carry it in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A fixed text: punctuation, an operator, a keyword, a function name with its `(`,
    /// an item opener (`#{`, `V{`…), a postfix (`.stageOffset(`), a variable name.
    Fixed(&'static str),
    Integer,
    Numeric,
    Boolean,
    Date,
    QuotedUid,
    String,
    /// A lone quote (an unterminated string).
    Quote,
    Uid,
    TaggedUid0,
    TaggedUid1,
    Tag,
    ReportingRateType,
    Identifier,
    Ws,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub span: Span,
}

/// A character no token starts with, at a byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LexError {
    pub at: usize,
}

/// The literals the grammar uses without a lexer rule of their own: ANTLR numbers them
/// first, so they win every tie.
const IMPLICIT: &[&str] = &[")", ",", "}", ".", ".*", ".*.", "in", "distinct"];

/// The named literal rules, in the grammar's order (PAREN … NULL).
pub const NAMED: &[&str] = &[
    "(",
    ".aggregationType(",
    ".maxDate(",
    ".minDate(",
    ".periodOffset(",
    ".stageOffset(",
    ".yearToDate()",
    "+",
    "-",
    "^",
    "*",
    "/",
    "%",
    "==",
    "!=",
    ">",
    "<",
    ">=",
    "<=",
    "not",
    "and",
    "or",
    "!",
    "&&",
    "||",
    "contains(",
    "containsItems(",
    "firstNonNull(",
    "greatest(",
    "if(",
    "is(",
    "isNotNull(",
    "isNull(",
    "least(",
    "log(",
    "log10(",
    "normDistCum(",
    "normDistDen(",
    "orgUnit.ancestor(",
    "orgUnit.dataSet(",
    "orgUnit.group(",
    "orgUnit.program(",
    "removeZeros(",
    "subExpression(",
    "avg(",
    "count(",
    "max(",
    "median(",
    "min(",
    "percentileCont(",
    "stddev(",
    "stddevPop(",
    "stddevSamp(",
    "sum(",
    "variance(",
    "analytics_period_end",
    "analytics_period_start",
    "completed_date",
    "creation_date",
    "current_date",
    "due_date",
    "enrollment_count",
    "enrollment_date",
    "enrollment_id",
    "enrollment_status",
    "environment",
    "event_count",
    "scheduled_event_count",
    "event_date",
    "scheduled_date",
    "event_id",
    "event_status",
    "execution_date",
    "incident_date",
    "org_unit_count",
    "org_unit",
    "orgunit_code",
    "program_name",
    "program_stage_id",
    "program_stage_name",
    "sync_date",
    "tei_count",
    "value_count",
    "zero_pos_value_count",
    "d2:addDays(",
    "d2:ceil(",
    "d2:concatenate(",
    "d2:condition(",
    "d2:count(",
    "d2:countIfCondition(",
    "d2:countIfValue(",
    "d2:countIfZeroPos(",
    "d2:daysBetween(",
    "d2:extractDataMatrixValue(",
    "d2:floor(",
    "d2:hasUserRole(",
    "d2:hasValue(",
    "d2:inOrgUnitGroup(",
    "d2:lastEventDate(",
    "d2:left(",
    "d2:length(",
    "d2:maxValue(",
    "d2:minutesBetween(",
    "d2:minValue(",
    "d2:modulus(",
    "d2:monthsBetween(",
    "d2:oizp(",
    "d2:relationshipCount(",
    "d2:right(",
    "d2:round(",
    "d2:split(",
    "d2:substring(",
    "d2:validatePattern(",
    "d2:weeksBetween(",
    "d2:yearsBetween(",
    "d2:zing(",
    "d2:zpvc(",
    "d2:zScoreHFA(",
    "d2:zScoreWFA(",
    "d2:zScoreWFH(",
    "#{",
    "A{",
    "C{",
    "D{",
    "I{",
    "N{",
    "OUG{",
    "PS_EVENTDATE:",
    "R{",
    "V{",
    "X{",
    "[days]",
    "[periodInYear]",
    "[yearlyPeriodCount]",
    "null",
];

/// The program variable names (`V{…}`), a contiguous run of `NAMED`.
pub fn is_variable_name(s: &str) -> bool {
    let first = NAMED.iter().position(|n| *n == "analytics_period_end");
    let last = NAMED.iter().position(|n| *n == "zero_pos_value_count");
    match (first, last) {
        (Some(a), Some(b)) => NAMED[a..=b].contains(&s),
        _ => false,
    }
}

const REPORTING_RATE_TYPES: &[&str] = &[
    "REPORTING_RATE",
    "REPORTING_RATE_ON_TIME",
    "ACTUAL_REPORTS",
    "ACTUAL_REPORTS_ON_TIME",
    "EXPECTED_REPORTS",
];

/// Rule order of the pattern rules after the named literals; a lower rank wins ties.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    Implicit,
    Named(usize),
    ReportingRate,
    Integer,
    Numeric,
    Boolean,
    Date,
    QuotedUid,
    String,
    Quote,
    Uid,
    TaggedUid0,
    TaggedUid1,
    Tag,
    Identifier,
    Ws,
    Comment,
}

/// The fixed-text rules (implicit literals, named literals, reporting rate types,
/// booleans, tags) grouped by their first byte, each with its rank.
fn literals_by_first_byte() -> &'static [Vec<(&'static str, Rank)>] {
    static TABLE: std::sync::OnceLock<Vec<Vec<(&'static str, Rank)>>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t: Vec<Vec<(&'static str, Rank)>> = vec![Vec::new(); 256];
        let all = IMPLICIT
            .iter()
            .map(|l| (*l, Rank::Implicit))
            .chain(NAMED.iter().enumerate().map(|(k, l)| (*l, Rank::Named(k))))
            .chain(
                REPORTING_RATE_TYPES
                    .iter()
                    .map(|l| (*l, Rank::ReportingRate)),
            )
            .chain(["true", "false"].into_iter().map(|l| (l, Rank::Boolean)))
            .chain(
                ["co:", "coGroup:", "deGroup:"]
                    .into_iter()
                    .map(|l| (l, Rank::Tag)),
            );
        for (lit, rank) in all {
            t[lit.as_bytes()[0] as usize].push((lit, rank));
        }
        t
    })
}

/// Lex a whole text. `comments`: whether `/* … */` is skipped (2.41+).
pub fn lex(text: &str, comments: bool) -> Result<Vec<Token>, LexError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let Some((len, rank)) = longest(b, i, comments) else {
            return Err(LexError { at: i });
        };
        let span = Span::new(i, i + len);
        let kind = match rank {
            Rank::Implicit | Rank::Named(_) => {
                let s = &text[i..i + len];
                let fixed = IMPLICIT
                    .iter()
                    .chain(NAMED.iter())
                    .find(|f| **f == s)
                    .copied()
                    .unwrap_or("");
                Kind::Fixed(fixed)
            }
            Rank::ReportingRate => Kind::ReportingRateType,
            Rank::Integer => Kind::Integer,
            Rank::Numeric => Kind::Numeric,
            Rank::Boolean => Kind::Boolean,
            Rank::Date => Kind::Date,
            Rank::QuotedUid => Kind::QuotedUid,
            Rank::String => Kind::String,
            Rank::Quote => Kind::Quote,
            Rank::Uid => Kind::Uid,
            Rank::TaggedUid0 => Kind::TaggedUid0,
            Rank::TaggedUid1 => Kind::TaggedUid1,
            Rank::Tag => Kind::Tag,
            Rank::Identifier => Kind::Identifier,
            Rank::Ws => Kind::Ws,
            Rank::Comment => {
                i += len;
                continue;
            }
        };
        out.push(Token { kind, span });
        i += len;
    }
    Ok(out)
}

/// The longest token at `i` and its rule (the first rule on equal length).
fn longest(b: &[u8], i: usize, comments: bool) -> Option<(usize, Rank)> {
    let mut best: Option<(usize, Rank)> = None;
    let mut offer = |len: Option<usize>, rank: Rank| {
        if let Some(len) = len.filter(|&l| l > 0) {
            match best {
                Some((bl, br)) if bl > len || (bl == len && br <= rank) => {}
                _ => best = Some((len, rank)),
            }
        }
    };
    let rest = &b[i..];
    // Only the literals that start with this byte (a table built once).
    for &(lit, rank) in &literals_by_first_byte()[rest[0] as usize] {
        offer(rest.starts_with(lit.as_bytes()).then_some(lit.len()), rank);
    }
    offer(integer(rest), Rank::Integer);
    offer(numeric(rest), Rank::Numeric);
    offer(date(rest), Rank::Date);
    offer(quoted_uid(rest), Rank::QuotedUid);
    offer(string(rest), Rank::String);
    offer(matches!(rest[0], b'\'' | b'"').then_some(1), Rank::Quote);
    offer(uid(rest), Rank::Uid);
    offer(
        rest.strip_prefix(b"deGroup:".as_slice())
            .and_then(uid)
            .map(|n| n + 8),
        Rank::TaggedUid0,
    );
    offer(tagged_uid1(rest), Rank::TaggedUid1);
    offer(
        run(rest, |c| c.is_ascii_alphabetic() || c == b'_'),
        Rank::Identifier,
    );
    offer(
        run(rest, |c| matches!(c, b' ' | b'\t' | b'\n' | b'\r')),
        Rank::Ws,
    );
    if comments && rest.starts_with(b"/*") {
        let end = rest[2..].windows(2).position(|w| w == b"*/");
        offer(end.map(|e| e + 4), Rank::Comment);
    }
    best
}

fn run(b: &[u8], f: impl Fn(u8) -> bool) -> Option<usize> {
    let n = b.iter().take_while(|&&c| f(c)).count();
    (n > 0).then_some(n)
}

/// `'0' | [1-9][0-9]*`
fn integer(b: &[u8]) -> Option<usize> {
    match b.first()? {
        b'0' => Some(1),
        b'1'..=b'9' => Some(1 + b[1..].iter().take_while(|c| c.is_ascii_digit()).count()),
        _ => None,
    }
}

/// `('0'|[1-9][0-9]*) ('.' [0-9]*)? Exponent? | '.' [0-9]+ Exponent?`
fn numeric(b: &[u8]) -> Option<usize> {
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut n = match integer(b) {
        Some(n) => {
            let mut n = n;
            if b.get(n) == Some(&b'.') {
                n += 1 + digits(n + 1);
            }
            n
        }
        None if b.first() == Some(&b'.') => {
            let d = digits(1);
            if d == 0 {
                return None;
            }
            1 + d
        }
        None => return None,
    };
    if matches!(b.get(n), Some(b'e' | b'E')) {
        let mut m = n + 1;
        if matches!(b.get(m), Some(b'+' | b'-')) {
            m += 1;
        }
        let d = digits(m);
        if d > 0 {
            n = m + d;
        }
    }
    Some(n)
}

/// `[1-9][0-9][0-9][0-9] '-' [0-1]?[0-9] '-' [0-3]?[0-9]`
fn date(b: &[u8]) -> Option<usize> {
    let d = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    if !(matches!(b.first(), Some(b'1'..=b'9')) && d(1) && d(2) && d(3) && b.get(4) == Some(&b'-'))
    {
        return None;
    }
    // Each part: an optional leading digit from a range, then a digit; take the longest
    // that is followed by what comes next.
    let part = |i: usize, lead: std::ops::RangeInclusive<u8>| -> Vec<usize> {
        let mut ends = Vec::new();
        if d(i) {
            ends.push(i + 1);
            if b.get(i).is_some_and(|c| lead.contains(c)) && d(i + 1) {
                ends.push(i + 2);
            }
        }
        ends
    };
    let mut best = None;
    for m in part(5, b'0'..=b'1') {
        if b.get(m) != Some(&b'-') {
            continue;
        }
        for e in part(m + 1, b'0'..=b'3') {
            best = best.max(Some(e));
        }
    }
    best
}

/// `[a-zA-Z][a-zA-Z0-9]{10}`
fn uid(b: &[u8]) -> Option<usize> {
    (b.len() >= 11 && b[0].is_ascii_alphabetic() && b[1..11].iter().all(u8::is_ascii_alphanumeric))
        .then_some(11)
}

fn quoted_uid(b: &[u8]) -> Option<usize> {
    let q = *b.first()?;
    (matches!(q, b'\'' | b'"') && uid(&b[1..]).is_some() && b.get(12) == Some(&q)).then_some(13)
}

/// `'co:' UID | 'coGroup:' UID ('&' UID)*`
fn tagged_uid1(b: &[u8]) -> Option<usize> {
    if let Some(r) = b.strip_prefix(b"co:".as_slice()) {
        return uid(r).map(|n| n + 3);
    }
    let r = b.strip_prefix(b"coGroup:".as_slice())?;
    let mut n = 8 + uid(r)?;
    while b.get(n) == Some(&b'&') && uid(&b[n + 1..]).is_some() {
        n += 12;
    }
    Some(n)
}

/// A quoted string with Java escapes, no raw line break; its length with the quotes.
fn string(b: &[u8]) -> Option<usize> {
    let q = *b.first()?;
    if !matches!(q, b'\'' | b'"') {
        return None;
    }
    let mut i = 1;
    loop {
        match *b.get(i)? {
            c if c == q => return Some(i + 1),
            b'\r' | b'\n' => return None,
            b'\\' => i += escape(&b[i..])?,
            _ => i += 1,
        }
    }
}

/// The length of an escape sequence at a backslash.
fn escape(b: &[u8]) -> Option<usize> {
    match *b.get(1)? {
        b'b' | b't' | b'n' | b'f' | b'r' | b'"' | b'\'' | b'\\' => Some(2),
        b'0'..=b'7' => {
            let oct = |i: usize| b.get(i).is_some_and(|c| (b'0'..=b'7').contains(c));
            // ([0-3]? [0-7])? [0-7]: up to three digits when the first is 0-3.
            let n = if b[1] <= b'3' && oct(2) && oct(3) {
                3
            } else if oct(2) {
                2
            } else {
                1
            };
            Some(1 + n)
        }
        b'u' => {
            let us = b[1..].iter().take_while(|&&c| c == b'u').count();
            let hex = &b[1 + us..];
            (hex.len() >= 4 && hex[..4].iter().all(u8::is_ascii_hexdigit)).then_some(1 + us + 4)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Kind, &str)> {
        lex(text, true)
            .expect("lexes")
            .into_iter()
            .map(|t| (t.kind, &text[t.span.start..t.span.end]))
            .collect()
    }

    #[test]
    fn function_names_take_their_parenthesis() {
        assert_eq!(
            kinds("if(a"),
            vec![(Kind::Fixed("if("), "if("), (Kind::Identifier, "a")]
        );
        // `if (` is an identifier, then whitespace.
        assert_eq!(kinds("if (")[0], (Kind::Identifier, "if"));
        assert_eq!(kinds("log10(")[0].0, Kind::Fixed("log10("));
    }

    #[test]
    fn ties_go_to_the_earlier_rule() {
        assert_eq!(kinds("in")[0].0, Kind::Fixed("in"));
        assert_eq!(kinds("and")[0].0, Kind::Fixed("and"));
        assert_eq!(kinds("andx")[0].0, Kind::Identifier);
        assert_eq!(kinds("true")[0].0, Kind::Boolean);
        // Eleven letters are a UID, twelve an identifier.
        assert_eq!(kinds("abcdefghijk")[0].0, Kind::Uid);
        assert_eq!(kinds("abcdefghijkl")[0].0, Kind::Identifier);
        assert_eq!(kinds("environment")[0].0, Kind::Fixed("environment"));
        assert_eq!(kinds("12")[0].0, Kind::Integer);
        assert_eq!(kinds("12.")[0].0, Kind::Numeric);
        assert_eq!(kinds("'abcdefghijk'")[0].0, Kind::QuotedUid);
        assert_eq!(kinds("2020-01-01")[0].0, Kind::Date);
    }

    #[test]
    fn numbers_have_no_leading_zeros_or_sign() {
        assert_eq!(
            kinds("007"),
            vec![
                (Kind::Integer, "0"),
                (Kind::Integer, "0"),
                (Kind::Integer, "7")
            ]
        );
        assert_eq!(kinds(".5e-3"), vec![(Kind::Numeric, ".5e-3")]);
        assert_eq!(kinds("-1")[0].0, Kind::Fixed("-"));
    }

    #[test]
    fn strings_keep_escapes_and_stop_at_line_breaks() {
        assert_eq!(kinds(r"'a\'b'"), vec![(Kind::String, r"'a\'b'")]);
        assert_eq!(kinds(r#""\u00e9\101""#)[0].0, Kind::String);
        assert_eq!(kinds("'a\nb'")[0], (Kind::Quote, "'"));
        // `'` alone is a token; the backslash after it starts none.
        assert_eq!(lex(r"'\x'", true), Err(LexError { at: 1 }));
    }

    #[test]
    fn comments_are_skipped_only_when_the_version_has_them() {
        assert_eq!(kinds("1/*x*/+2").len(), 3);
        let old = lex("1/*x*/", false).expect("lexes");
        assert_eq!(old[1].kind, Kind::Fixed("/"));
        assert_eq!(old[2].kind, Kind::Fixed("*"));
    }

    #[test]
    fn unknown_characters_are_lexer_errors() {
        assert_eq!(lex("1 @ 2", true), Err(LexError { at: 2 }));
        assert_eq!(lex("d2:x(", true), Err(LexError { at: 2 }));
        assert!(lex("é", true).is_err());
    }
}
