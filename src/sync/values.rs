//! Values normalised to the target data element's value type, as the import validates
//! them (dhis2-api.md §6.3): analytics writes whole numbers as `"12.0"` and large ones as
//! `"1.0E7"`, which INTEGER and NUMBER data elements reject.

use std::fmt;

/// Why a value cannot go into a data element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    NotNumeric,
    /// A true fraction for an integer type.
    Fraction,
    OutOfRange(&'static str),
    /// Zero for INTEGER_POSITIVE: the type cannot hold it.
    ZeroNotAllowed,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::NotNumeric => f.write_str("not a number"),
            Rejection::Fraction => {
                f.write_str("a fraction, but the data element holds whole numbers")
            }
            Rejection::OutOfRange(why) => f.write_str(why),
            Rejection::ZeroNotAllowed => {
                f.write_str("zero, which a positive-integer data element cannot hold")
            }
        }
    }
}

/// A decimal number as text: sign, digits, and the position of the decimal point.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Decimal {
    negative: bool,
    /// Integer part, no leading zeros ("" for zero).
    int: String,
    /// Fraction part, no trailing zeros.
    frac: String,
}

impl Decimal {
    /// Parse `-12.50`, `12.0`, `.5`, `1.0E7`, `1.5e-4` exactly (no floating point).
    fn parse(s: &str) -> Option<Decimal> {
        let s = s.trim();
        let (negative, rest) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (mantissa, exp) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], rest[i + 1..].parse::<i32>().ok()?),
            None => (rest, 0),
        };
        // Beyond any value a data element holds; also bounds the digits written out.
        if exp.unsigned_abs() > 400 || mantissa.len() > 400 {
            return None;
        }
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if (int.is_empty() && frac.is_empty())
            || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        {
            return None;
        }
        // Shift the decimal point by the exponent.
        let digits = format!("{int}{frac}");
        let point = int.len() as i64 + exp as i64;
        let (int, frac) = if point <= 0 {
            (
                String::new(),
                format!("{}{digits}", "0".repeat((-point) as usize)),
            )
        } else if point as usize >= digits.len() {
            (
                format!("{digits}{}", "0".repeat(point as usize - digits.len())),
                String::new(),
            )
        } else {
            (
                digits[..point as usize].to_string(),
                digits[point as usize..].to_string(),
            )
        };
        let int = int.trim_start_matches('0').to_string();
        let frac = frac.trim_end_matches('0').to_string();
        let zero = int.is_empty() && frac.is_empty();
        Some(Decimal {
            negative: negative && !zero,
            int,
            frac,
        })
    }

    fn is_zero(&self) -> bool {
        self.int.is_empty() && self.frac.is_empty()
    }

    fn is_whole(&self) -> bool {
        self.frac.is_empty()
    }

    fn canonical(&self) -> String {
        let int = if self.int.is_empty() { "0" } else { &self.int };
        let sign = if self.negative { "-" } else { "" };
        if self.frac.is_empty() {
            format!("{sign}{int}")
        } else {
            format!("{sign}{int}.{}", self.frac)
        }
    }

    /// Compare with a whole number bound (for ranges), using the integer part.
    fn cmp_int(&self, bound: i64) -> std::cmp::Ordering {
        let v: f64 = self.canonical().parse().unwrap_or(f64::NAN);
        v.partial_cmp(&(bound as f64))
            .unwrap_or(std::cmp::Ordering::Greater)
    }
}

/// Whether a value type holds whole numbers.
pub fn is_integer_type(value_type: Option<&str>) -> bool {
    matches!(
        value_type,
        Some("INTEGER" | "INTEGER_POSITIVE" | "INTEGER_NEGATIVE" | "INTEGER_ZERO_OR_POSITIVE")
    )
}

/// Whether a value type holds numbers (the types DHIS2 treats as numeric on import).
pub fn is_numeric_type(value_type: Option<&str>) -> bool {
    is_integer_type(value_type)
        || matches!(value_type, Some("NUMBER" | "PERCENTAGE" | "UNIT_INTERVAL"))
}

/// The digits of a plain whole number (`12`, `012`, `12.0`: digits, then optionally a
/// point and zeros), without leading zeros (`""` for zero). Most values are such, and
/// take this path without an allocation; anything else goes through `Decimal`.
fn plain_whole(s: &str) -> Option<&str> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let ok = !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b == b'0');
    ok.then(|| int.trim_start_matches('0'))
}

/// `normalise` for plain whole numbers: the same answers as the `Decimal` path.
fn normalise_plain(digits: &str, value_type: Option<&str>) -> Result<String, Rejection> {
    // Beyond 18 digits the slow path decides (ranges, canonical form).
    let value: u64 = if digits.is_empty() {
        0
    } else {
        digits.parse().map_err(|_| Rejection::NotNumeric)?
    };
    if is_integer_type(value_type) && value > i32::MAX as u64 {
        return Err(Rejection::OutOfRange(
            "beyond the 32-bit range of integer data elements",
        ));
    }
    match value_type {
        Some("INTEGER_POSITIVE") if value == 0 => return Err(Rejection::ZeroNotAllowed),
        Some("INTEGER_NEGATIVE") => {
            return Err(Rejection::OutOfRange(
                "not negative, but the data element holds negative numbers only",
            ));
        }
        Some("PERCENTAGE") if value > 100 => {
            return Err(Rejection::OutOfRange(
                "outside 0–100, the range of a percentage",
            ));
        }
        Some("UNIT_INTERVAL") if value > 1 => {
            return Err(Rejection::OutOfRange(
                "outside 0–1, the range of a unit interval",
            ));
        }
        _ => {}
    }
    Ok(if digits.is_empty() {
        "0".to_string()
    } else {
        digits.to_string()
    })
}

/// Normalise `raw` for a data element of `value_type` (the DHIS2 value type name).
/// Non-numeric types are passed through unchanged.
pub fn normalise(raw: &str, value_type: Option<&str>) -> Result<String, Rejection> {
    if !is_numeric_type(value_type) {
        return Ok(raw.to_string());
    }
    if let Some(digits) = plain_whole(raw).filter(|d| d.len() <= 18) {
        return normalise_plain(digits, value_type);
    }
    normalise_decimal(raw, value_type)
}

/// `normalise` through `Decimal`: every form (signs, fractions, exponents).
fn normalise_decimal(raw: &str, value_type: Option<&str>) -> Result<String, Rejection> {
    let integer = is_integer_type(value_type);
    if !is_numeric_type(value_type) {
        return Ok(raw.to_string());
    }
    let d = Decimal::parse(raw).ok_or(Rejection::NotNumeric)?;
    if integer {
        if !d.is_whole() {
            return Err(Rejection::Fraction);
        }
        if d.int.len() > 10
            || d.cmp_int(i32::MAX as i64).is_gt()
            || d.cmp_int(i32::MIN as i64).is_lt()
        {
            return Err(Rejection::OutOfRange(
                "beyond the 32-bit range of integer data elements",
            ));
        }
    }
    match value_type {
        Some("INTEGER_POSITIVE") if d.is_zero() => return Err(Rejection::ZeroNotAllowed),
        Some("INTEGER_POSITIVE" | "INTEGER_ZERO_OR_POSITIVE") if d.negative => {
            return Err(Rejection::OutOfRange(
                "negative, but the data element holds no negative numbers",
            ));
        }
        Some("INTEGER_NEGATIVE") if !d.negative => {
            return Err(Rejection::OutOfRange(
                "not negative, but the data element holds negative numbers only",
            ));
        }
        Some("PERCENTAGE") if d.negative || d.cmp_int(100).is_gt() => {
            return Err(Rejection::OutOfRange(
                "outside 0–100, the range of a percentage",
            ));
        }
        Some("UNIT_INTERVAL") if d.negative || d.cmp_int(1).is_gt() => {
            return Err(Rejection::OutOfRange(
                "outside 0–1, the range of a unit interval",
            ));
        }
        _ => {}
    }
    Ok(d.canonical())
}

/// Whether a (normalised) value is zero.
pub fn is_zero(value: &str) -> bool {
    if let Some(digits) = plain_whole(value) {
        return digits.is_empty();
    }
    Decimal::parse(value).is_some_and(|d| d.is_zero())
}

/// Whether two stored or exported values are the same number (or the same text).
pub fn same_value(a: &str, b: &str) -> bool {
    if let (Some(x), Some(y)) = (plain_whole(a), plain_whole(b)) {
        return x == y;
    }
    match (Decimal::parse(a), Decimal::parse(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_lose_their_point_zero() {
        assert_eq!(normalise("12.0", Some("INTEGER")), Ok("12".into()));
        assert_eq!(
            normalise("12", Some("INTEGER_ZERO_OR_POSITIVE")),
            Ok("12".into())
        );
        assert_eq!(normalise("1.0E7", Some("INTEGER")), Ok("10000000".into()));
        assert_eq!(normalise("-0.0", Some("INTEGER")), Ok("0".into()));
        assert_eq!(
            normalise("0.0", Some("INTEGER_ZERO_OR_POSITIVE")),
            Ok("0".into())
        );
    }

    #[test]
    fn integer_types_reject_what_dhis2_rejects() {
        assert_eq!(normalise("12.5", Some("INTEGER")), Err(Rejection::Fraction));
        assert_eq!(
            normalise("0", Some("INTEGER_POSITIVE")),
            Err(Rejection::ZeroNotAllowed)
        );
        assert!(matches!(
            normalise("-1", Some("INTEGER_ZERO_OR_POSITIVE")),
            Err(Rejection::OutOfRange(_))
        ));
        assert!(matches!(
            normalise("3", Some("INTEGER_NEGATIVE")),
            Err(Rejection::OutOfRange(_))
        ));
        assert!(matches!(
            normalise("3000000000", Some("INTEGER")),
            Err(Rejection::OutOfRange(_))
        ));
        assert_eq!(
            normalise("abc", Some("INTEGER")),
            Err(Rejection::NotNumeric)
        );
    }

    #[test]
    fn numbers_are_canonical_without_exponent() {
        assert_eq!(normalise("12.50", Some("NUMBER")), Ok("12.5".into()));
        assert_eq!(normalise("1.5E-4", Some("NUMBER")), Ok("0.00015".into()));
        assert_eq!(normalise(".5", Some("NUMBER")), Ok("0.5".into()));
        assert_eq!(normalise("100.0", Some("PERCENTAGE")), Ok("100".into()));
        assert!(normalise("100.5", Some("PERCENTAGE")).is_err());
        assert!(normalise("1.5", Some("UNIT_INTERVAL")).is_err());
        assert_eq!(normalise("hello", Some("TEXT")), Ok("hello".into()));
    }

    #[test]
    fn huge_exponents_are_not_numbers() {
        assert_eq!(
            normalise("1e2147483647", Some("NUMBER")),
            Err(Rejection::NotNumeric)
        );
        assert_eq!(
            normalise("1e-2147483648", Some("NUMBER")),
            Err(Rejection::NotNumeric)
        );
        assert!(!same_value("1e999999", "1e999998"));
    }

    /// The fast path for plain whole numbers answers as `Decimal` does.
    #[test]
    fn plain_whole_numbers_take_the_fast_path_with_the_same_answers() {
        let types = [
            None,
            Some("INTEGER"),
            Some("INTEGER_POSITIVE"),
            Some("INTEGER_NEGATIVE"),
            Some("INTEGER_ZERO_OR_POSITIVE"),
            Some("NUMBER"),
            Some("PERCENTAGE"),
            Some("UNIT_INTERVAL"),
            Some("TEXT"),
        ];
        let values = [
            "0",
            "00",
            "0.0",
            "1",
            "1.00",
            "01",
            "2",
            "12.0",
            "100",
            "100.0",
            "101",
            "2147483647",
            "2147483648",
            "999999999999999999",
            "000000000000000000012",
        ];
        for t in types {
            for v in values {
                assert_eq!(normalise(v, t), normalise_decimal(v, t), "{v} as {t:?}");
            }
        }
        assert!(is_zero("000.00") && !is_zero("10"));
        assert!(same_value("012", "12.00") && !same_value("12", "120"));
    }

    #[test]
    fn same_value_compares_numbers() {
        assert!(same_value("12", "12.0"));
        assert!(same_value("1.0E2", "100"));
        assert!(!same_value("12", "13"));
        assert!(same_value("abc", "abc"));
        assert!(is_zero("0.0") && !is_zero("0.1"));
    }
}
