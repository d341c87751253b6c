//! Dates as Go.Data reads them (`godata-api.md` §1.5, §1.10): which query strings
//! become Dates (`localizationHelper.isValidDate`), how they are read (moment in the
//! server zone), how LoopBack's plain reads coerce them (`new Date()`), and the UTC
//! instants records are served with.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};

/// `^\d{4}-\d{2}-\d{2}[\sT]?(?:\d{2}:\d{2}:\d{2}(((\+|-)\d{2}:\d{2})|((\.\d{3})?Z*)))?$`:
/// a date, optionally `[ T]hh:mm:ss`, then either `±hh:mm` or an optional `.sss` and
/// any number of `Z`. `.sss` with an offset is *not* a date.
pub fn is_valid_date(s: &str) -> bool {
    let c: Vec<char> = s.chars().collect();
    let digits = |from: usize, n: usize| -> bool {
        c.len() >= from + n && c[from..from + n].iter().all(char::is_ascii_digit)
    };
    let date = digits(0, 4)
        && c.get(4) == Some(&'-')
        && digits(5, 2)
        && c.get(7) == Some(&'-')
        && digits(8, 2);
    if !date {
        return false;
    }
    let mut i = 10;
    // `[\sT]?` (JavaScript's `\s`, BOM included).
    if c.get(i)
        .is_some_and(|&x| x == 'T' || x.is_whitespace() || x == '\u{feff}')
    {
        i += 1;
    }
    if i == c.len() {
        return true;
    }
    let time = digits(i, 2)
        && c.get(i + 2) == Some(&':')
        && digits(i + 3, 2)
        && c.get(i + 5) == Some(&':')
        && digits(i + 6, 2);
    if !time {
        return false;
    }
    let tail = &c[i + 8..];
    let offset = tail.len() == 6
        && matches!(tail[0], '+' | '-')
        && tail[1..3].iter().all(char::is_ascii_digit)
        && tail[3] == ':'
        && tail[4..6].iter().all(char::is_ascii_digit);
    if offset {
        return true;
    }
    let mut rest = tail;
    if rest.len() >= 4 && rest[0] == '.' && rest[1..4].iter().all(char::is_ascii_digit) {
        rest = &rest[4..];
    }
    rest.iter().all(|&x| x == 'Z')
}

/// The parts of `YYYY-MM-DD[(T| )hh:mm[:ss[.sss]]][Z|±hh:mm]`.
struct Parts {
    civil: DateTime,
    /// `None`: no zone given.
    offset: Option<Offset>,
}

fn num(s: &str) -> Option<i32> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Strict ISO parts; `seps` are the accepted date-time separators.
fn parts(s: &str, seps: &[char]) -> Option<Parts> {
    let (date, rest) = if s.len() > 10 && s.is_char_boundary(10) {
        (&s[..10], &s[10..])
    } else {
        (s, "")
    };
    let d: Vec<&str> = date.split('-').collect();
    let [y, m, dd] = d.as_slice() else {
        return None;
    };
    if y.len() != 4 || m.len() != 2 || dd.len() != 2 {
        return None;
    }
    let (y, m, dd) = (num(y)?, num(m)?, num(dd)?);
    let (mut hh, mut mi, mut ss, mut ms) = (0, 0, 0, 0);
    let mut offset = None;
    if !rest.is_empty() {
        let mut chars = rest.chars();
        let sep = chars.next()?;
        if !seps.contains(&sep) {
            return None;
        }
        let mut t = chars.as_str();
        if let Some(x) = t.strip_suffix('Z') {
            offset = Some(Offset::UTC);
            t = x;
        } else if t.len() > 6 {
            let (body, off) = t.split_at(t.len() - 6);
            let ob = off.as_bytes();
            if matches!(ob[0], b'+' | b'-') && ob[3] == b':' {
                let h = num(&off[1..3])?;
                let mm = num(&off[4..6])?;
                let secs = (h * 3600 + mm * 60) * if ob[0] == b'-' { -1 } else { 1 };
                offset = Some(Offset::from_seconds(secs).ok()?);
                t = body;
            }
        }
        let (hms, frac) = match t.split_once('.') {
            Some((a, f)) => (a, Some(f)),
            None => (t, None),
        };
        let p: Vec<&str> = hms.split(':').collect();
        match p.as_slice() {
            [h, mm] if h.len() == 2 && mm.len() == 2 => {
                hh = num(h)?;
                mi = num(mm)?;
            }
            [h, mm, sx] if h.len() == 2 && mm.len() == 2 && sx.len() == 2 => {
                hh = num(h)?;
                mi = num(mm)?;
                ss = num(sx)?;
            }
            _ => return None,
        }
        if let Some(f) = frac {
            if f.is_empty() || f.len() > 3 || p.len() != 3 {
                return None;
            }
            ms = num(f)? * 10i32.pow(3 - f.len() as u32);
        }
    }
    let civil = DateTime::new(
        y as i16,
        m as i8,
        dd as i8,
        hh as i8,
        mi as i8,
        ss as i8,
        ms * 1_000_000,
    )
    .ok()?;
    Some(Parts { civil, offset })
}

fn millis(p: &Parts, zone: &TimeZone) -> Option<i64> {
    let ts = match p.offset {
        Some(o) => o.to_timestamp(p.civil).ok()?,
        None => zone
            .to_ambiguous_zoned_datetime(p.civil)
            .compatible()
            .ok()?
            .timestamp(),
    };
    Some(ts.as_millisecond())
}

/// A date-shaped query string read as moment does with the server zone as default:
/// no `Z` or offset means that zone's wall clock. `Err`: a string `isValidDate`
/// accepts but moment's ISO parser does not (`2024-03-04T`, `…ZZ`, a tab, Feb 30),
/// which the fake does not model.
pub fn parse_in_zone(s: &str, zone: &TimeZone) -> Result<i64, String> {
    parts(s, &['T', ' '])
        .and_then(|p| millis(&p, zone))
        .ok_or_else(|| {
            format!("the date string {s:?} passes isValidDate but moment would not read it as ISO")
        })
}

/// JavaScript `new Date(string)` for the ISO shapes (`YYYY-MM-DD` is UTC midnight;
/// a date-time without a zone is the process's local time, taken as UTC). `None`:
/// a shape only V8's legacy parser reads, not modelled.
pub fn parse_js_date(s: &str) -> Option<i64> {
    parts(s, &['T']).and_then(|p| millis(&p, &TimeZone::UTC))
}

/// A stored instant (`2024-03-05T00:00:00.000Z`).
pub fn parse_instant(s: &str) -> Option<i64> {
    s.parse::<Timestamp>().ok().map(|t| t.as_millisecond())
}

/// `YYYY-MM-DDThh:mm:ss.sssZ`, as the API serves Dates.
pub fn format_ms(ms: i64) -> String {
    let Ok(ts) = Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    let c = TimeZone::UTC.to_datetime(ts);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        c.year(),
        c.month(),
        c.day(),
        c.hour(),
        c.minute(),
        c.second(),
        c.subsec_nanosecond() / 1_000_000
    )
}
