//! The fake's own reading of ISO period strings (dhis2-api.md §3, `DateUnitType`),
//! kept apart from the client's period code so that tests are not circular.

/// The period type name of an ISO period, as DHIS2 parses it; `None` if invalid.
pub fn period_type(iso: &str) -> Option<&'static str> {
    if iso.len() < 4 || !iso.is_char_boundary(4) || !iso[..4].bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rest = &iso[4..];
    let num = |s: &str, lo: u32, hi: u32| {
        !s.is_empty()
            && s.len() <= 2
            && s.bytes().all(|b| b.is_ascii_digit())
            && s.parse::<u32>().is_ok_and(|n| (lo..=hi).contains(&n))
    };
    let prefixed: &[(&str, &str, u32)] = &[
        ("BiW", "BiWeekly", 27),
        ("WedW", "WeeklyWednesday", 53),
        ("ThuW", "WeeklyThursday", 53),
        ("SatW", "WeeklySaturday", 53),
        ("SunW", "WeeklySunday", 53),
        ("W", "Weekly", 53),
        ("NovQ", "QuarterlyNov", 4),
        ("Q", "Quarterly", 4),
        ("AprilS", "SixMonthlyApril", 2),
        ("NovS", "SixMonthlyNov", 2),
        ("S", "SixMonthly", 2),
    ];
    match rest {
        "" => return Some("Yearly"),
        "April" => return Some("FinancialApril"),
        "July" => return Some("FinancialJuly"),
        "Oct" => return Some("FinancialOct"),
        "Nov" => return Some("FinancialNov"),
        _ => {}
    }
    for (p, t, hi) in prefixed {
        if let Some(n) = rest.strip_prefix(p) {
            return num(n, 1, *hi).then_some(*t);
        }
    }
    if let Some(m) = rest.strip_suffix('B') {
        return (m.len() == 2 && num(m, 1, 12)).then_some("BiMonthly");
    }
    let month = rest.strip_prefix('-').unwrap_or(rest);
    if month.len() == 2 && num(month, 1, 12) {
        return Some("Monthly");
    }
    let day = rest.replace('-', "");
    if day.len() == 4 && num(&day[..2], 1, 12) && num(&day[2..], 1, 31) {
        return Some("Daily");
    }
    None
}

/// A sortable start key (year, then an ordinal within the year) for ordering output.
pub fn start_key(iso: &str) -> (u32, u32) {
    let year = iso.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
    let digits: String = iso[4.min(iso.len())..]
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    (year, digits.parse().unwrap_or(0))
}

/// Start dates, for the lock checks (E7641): the types data sets commonly use.
fn start(iso: &str) -> Option<jiff::civil::Date> {
    use jiff::civil::{Date, ISOWeekDate, Weekday};
    let y: i16 = iso.get(..4)?.parse().ok()?;
    let rest = &iso[4..];
    match period_type(iso)? {
        "Yearly" => Date::new(y, 1, 1).ok(),
        "Monthly" => Date::new(y, rest.trim_start_matches('-').parse().ok()?, 1).ok(),
        "Quarterly" => Date::new(y, rest.strip_prefix('Q')?.parse::<i8>().ok()? * 3 - 2, 1).ok(),
        "Weekly" => ISOWeekDate::new(y, rest.strip_prefix('W')?.parse().ok()?, Weekday::Monday)
            .ok()
            .map(|w| w.date()),
        "Daily" => {
            let d = rest.replace('-', "");
            Date::new(y, d.get(..2)?.parse().ok()?, d.get(2..)?.parse().ok()?).ok()
        }
        _ => None,
    }
}

/// Whether `iso` is after the latest open period of `period_type` on `today`, where the
/// latest open period is the current one − 1 + `open_future` (§6.3 check 24).
/// `None` when the fake does not model the type.
pub fn after_open(
    iso: &str,
    period_type_name: &str,
    open_future: i64,
    today: &str,
) -> Option<bool> {
    use jiff::ToSpan;
    let today: jiff::civil::Date = today.parse().ok()?;
    let current = match period_type_name {
        "Yearly" => today.first_of_year(),
        "Monthly" => today.first_of_month(),
        "Quarterly" => {
            jiff::civil::Date::new(today.year(), (today.month() - 1) / 3 * 3 + 1, 1).ok()?
        }
        "Weekly" => today.saturating_sub(i64::from(today.weekday().to_monday_zero_offset()).days()),
        "Daily" => today,
        _ => return None,
    };
    let k = open_future - 1;
    let latest = match period_type_name {
        "Yearly" => current.saturating_add(k.years()),
        "Monthly" => current.saturating_add(k.months()),
        "Quarterly" => current.saturating_add((3 * k).months()),
        "Weekly" => current.saturating_add((7 * k).days()),
        _ => current.saturating_add(k.days()),
    };
    Some(start(iso)? > latest)
}
