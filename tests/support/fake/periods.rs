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
