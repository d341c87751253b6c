//! Periods as date ranges: the period of a type that contains a date, its ISO string,
//! the next and previous period, and parsing ISO strings back, following DHIS2 2.41
//! (`PeriodType`, `DateUnitPeriodTypeParser`; see the notes beside each type).

use std::fmt;

use jiff::ToSpan;
use jiff::civil::Date;

use super::PeriodType;

/// One period: its type and inclusive start and end dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    pub start: Date,
    pub end: Date,
    pub ptype: PeriodType,
}

fn date(y: i32, m: i32, d: i32) -> Option<Date> {
    Date::new(
        i16::try_from(y).ok()?,
        i8::try_from(m).ok()?,
        i8::try_from(d).ok()?,
    )
    .ok()
}

fn add_days(d: Date, n: i64) -> Date {
    d.saturating_add(n.days())
}

fn add_months(d: Date, n: i64) -> Date {
    d.saturating_add(n.months())
}

/// First day of the month `m` (1-based, may be ≤ 0 or > 12) of year `y`.
fn month_start(y: i32, m: i32) -> Date {
    let total = y * 12 + (m - 1);
    date(total.div_euclid(12), total.rem_euclid(12) + 1, 1).unwrap_or(Date::MIN)
}

/// A range of whole months from the first of `start_month` of `y`.
fn months(t: PeriodType, y: i32, start_month: i32, count: i64) -> Period {
    let start = month_start(y, start_month);
    Period {
        start,
        end: add_days(add_months(start, count), -1),
        ptype: t,
    }
}

/// ISO weekday 1 (Monday) to 7 (Sunday) on which weeks of this type start.
fn week_start_day(t: PeriodType) -> Option<i64> {
    Some(match t {
        PeriodType::Weekly => 1,
        PeriodType::WeeklyWednesday => 3,
        PeriodType::WeeklyThursday => 4,
        PeriodType::WeeklySaturday => 6,
        PeriodType::WeeklySunday => 7,
        _ => return None,
    })
}

fn weekday(d: Date) -> i64 {
    i64::from(d.weekday().to_monday_one_offset())
}

fn week_prefix(t: PeriodType) -> &'static str {
    match t {
        PeriodType::WeeklyWednesday => "WedW",
        PeriodType::WeeklyThursday => "ThuW",
        PeriodType::WeeklySaturday => "SatW",
        PeriodType::WeeklySunday => "SunW",
        _ => "W",
    }
}

/// Financial years start in this month.
fn financial_month(t: PeriodType) -> Option<i32> {
    Some(match t {
        PeriodType::FinancialApril => 4,
        PeriodType::FinancialJuly => 7,
        PeriodType::FinancialOct => 10,
        PeriodType::FinancialNov => 11,
        _ => return None,
    })
}

impl Period {
    /// The period of type `t` that contains `d`. `None` for TwoYearly, which has no
    /// ISO form.
    pub fn containing(t: PeriodType, d: Date) -> Option<Period> {
        let (y, m) = (i32::from(d.year()), i32::from(d.month()));
        Some(match t {
            PeriodType::Daily => Period {
                start: d,
                end: d,
                ptype: t,
            },
            PeriodType::Weekly
            | PeriodType::WeeklyWednesday
            | PeriodType::WeeklyThursday
            | PeriodType::WeeklySaturday
            | PeriodType::WeeklySunday => {
                let s = week_start_day(t)?;
                let start = add_days(d, -((weekday(d) - s).rem_euclid(7)));
                Period {
                    start,
                    end: add_days(start, 6),
                    ptype: t,
                }
            }
            PeriodType::BiWeekly => {
                // ISO weeks (1-2), (3-4), …: an even week starts on the previous Monday.
                let monday = add_days(d, -(weekday(d) - 1));
                let week = i64::from(d.iso_week_date().week());
                let start = if week % 2 == 1 {
                    monday
                } else {
                    add_days(monday, -7)
                };
                Period {
                    start,
                    end: add_days(start, 13),
                    ptype: t,
                }
            }
            PeriodType::Monthly => months(t, y, m, 1),
            PeriodType::BiMonthly => months(t, y, m - (m - 1) % 2, 2),
            PeriodType::Quarterly => months(t, y, m - (m - 1) % 3, 3),
            // Nov–Jan, Feb–Apr, May–Jul, Aug–Oct.
            PeriodType::QuarterlyNov => match m {
                11 | 12 => months(t, y, 11, 3),
                1 => months(t, y - 1, 11, 3),
                _ => months(t, y, m - (m - 2) % 3, 3),
            },
            PeriodType::SixMonthly => months(t, y, if m <= 6 { 1 } else { 7 }, 6),
            PeriodType::SixMonthlyApril => match m {
                4..=9 => months(t, y, 4, 6),
                10..=12 => months(t, y, 10, 6),
                _ => months(t, y - 1, 10, 6),
            },
            PeriodType::SixMonthlyNov => match m {
                5..=10 => months(t, y, 5, 6),
                11 | 12 => months(t, y, 11, 6),
                _ => months(t, y - 1, 11, 6),
            },
            PeriodType::Yearly => months(t, y, 1, 12),
            PeriodType::FinancialApril
            | PeriodType::FinancialJuly
            | PeriodType::FinancialOct
            | PeriodType::FinancialNov => {
                let fm = financial_month(t)?;
                months(t, if m >= fm { y } else { y - 1 }, fm, 12)
            }
            PeriodType::TwoYearly => return None,
        })
    }

    /// The ISO string DHIS2 gives this period, computed from its start date.
    pub fn iso(&self) -> String {
        let s = self.start;
        let (y, m) = (i32::from(s.year()), i32::from(s.month()));
        match self.ptype {
            PeriodType::Daily => format!("{y}{m:02}{:02}", s.day()),
            PeriodType::Weekly
            | PeriodType::WeeklyWednesday
            | PeriodType::WeeklyThursday
            | PeriodType::WeeklySaturday
            | PeriodType::WeeklySunday => {
                // Week-based year and week with the week's own start day, minimal days 4:
                // the year of start + 3 days, week 1 contains January 4.
                let mid = add_days(s, 3);
                let week = (i32::from(mid.day_of_year()) - 1) / 7 + 1;
                format!("{}{}{week}", mid.year(), week_prefix(self.ptype))
            }
            PeriodType::BiWeekly => {
                let iw = s.iso_week_date();
                format!("{}BiW{}", iw.year(), i32::from(iw.week()) / 2 + 1)
            }
            PeriodType::Monthly => format!("{y}{m:02}"),
            PeriodType::BiMonthly => format!("{y}{:02}B", (m + 1) / 2),
            PeriodType::Quarterly => format!("{y}Q{}", (m - 1) / 3 + 1),
            // Labelled by the year the November-based year ends in.
            PeriodType::QuarterlyNov => match m {
                11 => format!("{}NovQ1", y + 1),
                _ => format!("{y}NovQ{}", (m - 2) / 3 + 2),
            },
            PeriodType::SixMonthly => format!("{y}S{}", if m == 1 { 1 } else { 2 }),
            PeriodType::SixMonthlyApril => format!("{y}AprilS{}", if m == 4 { 1 } else { 2 }),
            PeriodType::SixMonthlyNov => match m {
                11 => format!("{}NovS1", y + 1),
                _ => format!("{y}NovS2"),
            },
            PeriodType::Yearly => format!("{y}"),
            PeriodType::FinancialApril => format!("{y}April"),
            PeriodType::FinancialJuly => format!("{y}July"),
            PeriodType::FinancialOct => format!("{y}Oct"),
            PeriodType::FinancialNov => format!("{}Nov", y + 1),
            PeriodType::TwoYearly => format!("{y}"),
        }
    }

    /// The period after this one (the start moved by one unit, then re-derived).
    pub fn next(&self) -> Period {
        self.shifted(1)
    }

    pub fn previous(&self) -> Period {
        self.shifted(-1)
    }

    fn shifted(&self, n: i64) -> Period {
        let s = self.start;
        let moved = match self.ptype {
            PeriodType::Daily => add_days(s, n),
            PeriodType::Weekly
            | PeriodType::WeeklyWednesday
            | PeriodType::WeeklyThursday
            | PeriodType::WeeklySaturday
            | PeriodType::WeeklySunday => add_days(s, 7 * n),
            PeriodType::BiWeekly => add_days(s, 14 * n),
            PeriodType::Monthly => add_months(s, n),
            PeriodType::BiMonthly => add_months(s, 2 * n),
            PeriodType::Quarterly | PeriodType::QuarterlyNov => add_months(s, 3 * n),
            PeriodType::SixMonthly | PeriodType::SixMonthlyApril | PeriodType::SixMonthlyNov => {
                add_months(s, 6 * n)
            }
            _ => add_months(s, 12 * n),
        };
        Period::containing(self.ptype, moved).unwrap_or(*self)
    }

    /// Parse an ISO period as DHIS2 2.41 does (`yyyyMMdd`, `yyyy-MM-dd`, `yyyyWn`,
    /// `yyyyBiWn`, `yyyyMM`, `yyyy-MM`, `yyyyMMB`, `yyyyQn`, `yyyyNovQn`, `yyyySn`,
    /// `yyyyAprilSn`, `yyyyNovSn`, `yyyy`, `yyyyApril|July|Oct|Nov`). Week numbers must
    /// exist for the week type; unlike DHIS2 before 2.41.8, a week 53 that does not exist
    /// is rejected rather than moved into the next year.
    pub fn parse(iso: &str) -> Option<Period> {
        if iso.len() < 4
            || !iso.is_char_boundary(4)
            || !iso[..4].bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let y: i32 = iso[..4].parse().ok()?;
        let rest = &iso[4..];
        // Every form is ASCII; slicing below relies on it.
        if !rest.is_ascii() {
            return None;
        }
        let num = |s: &str, max_digits: usize| -> Option<i32> {
            (!s.is_empty() && s.len() <= max_digits && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())?
        };
        let p = match rest {
            "" => months(PeriodType::Yearly, y, 1, 12),
            "April" => months(PeriodType::FinancialApril, y, 4, 12),
            "July" => months(PeriodType::FinancialJuly, y, 7, 12),
            "Oct" => months(PeriodType::FinancialOct, y, 10, 12),
            "Nov" => months(PeriodType::FinancialNov, y - 1, 11, 12),
            _ => {
                const WEEKS: [(&str, PeriodType); 5] = [
                    ("WedW", PeriodType::WeeklyWednesday),
                    ("ThuW", PeriodType::WeeklyThursday),
                    ("SatW", PeriodType::WeeklySaturday),
                    ("SunW", PeriodType::WeeklySunday),
                    ("W", PeriodType::Weekly),
                ];
                if let Some(n) = rest.strip_prefix("BiW") {
                    let n = num(n, 2)?;
                    let week = 2 * n - 1;
                    let w1 = Period::containing(PeriodType::Weekly, date(y, 1, 4)?)?.start;
                    let start = add_days(w1, 7 * i64::from(week - 1));
                    let p = Period::containing(PeriodType::BiWeekly, start)?;
                    // The ISO week must exist in that year.
                    (n >= 1 && p.start == start && i32::from(start.iso_week_date().year()) == y)
                        .then_some(p)?
                } else if let Some((t, n)) = WEEKS
                    .iter()
                    .find_map(|(p, t)| rest.strip_prefix(p).map(|n| (*t, n)))
                {
                    let n = num(n, 2)?;
                    if n < 1 {
                        return None;
                    }
                    let w1 = Period::containing(t, date(y, 1, 4)?)?.start;
                    let p = Period::containing(t, add_days(w1, 7 * i64::from(n - 1)))?;
                    (p.iso() == format!("{y}{}{n}", week_prefix(t))).then_some(p)?
                } else if let Some(q) = rest.strip_prefix("NovQ") {
                    match num(q, 1)? {
                        1 => months(PeriodType::QuarterlyNov, y - 1, 11, 3),
                        q @ 2..=4 => months(PeriodType::QuarterlyNov, y, 3 * q - 4, 3),
                        _ => return None,
                    }
                } else if let Some(q) = rest.strip_prefix('Q') {
                    let q = num(q, 1)?;
                    (1..=4)
                        .contains(&q)
                        .then(|| months(PeriodType::Quarterly, y, 3 * q - 2, 3))?
                } else if let Some(s) = rest.strip_prefix("AprilS") {
                    match num(s, 1)? {
                        1 => months(PeriodType::SixMonthlyApril, y, 4, 6),
                        2 => months(PeriodType::SixMonthlyApril, y, 10, 6),
                        _ => return None,
                    }
                } else if let Some(s) = rest.strip_prefix("NovS") {
                    match num(s, 1)? {
                        1 => months(PeriodType::SixMonthlyNov, y - 1, 11, 6),
                        2 => months(PeriodType::SixMonthlyNov, y, 5, 6),
                        _ => return None,
                    }
                } else if let Some(s) = rest.strip_prefix('S') {
                    match num(s, 1)? {
                        1 => months(PeriodType::SixMonthly, y, 1, 6),
                        2 => months(PeriodType::SixMonthly, y, 7, 6),
                        _ => return None,
                    }
                } else if let Some(b) = rest.strip_suffix('B') {
                    let b = (b.len() == 2).then(|| num(b, 2))??;
                    (1..=6)
                        .contains(&b)
                        .then(|| months(PeriodType::BiMonthly, y, 2 * b - 1, 2))?
                } else {
                    let digits = rest.strip_prefix('-').unwrap_or(rest);
                    match (rest.len(), digits.len()) {
                        (2, 2) | (3, 2) => {
                            let m = num(digits, 2)?;
                            (1..=12)
                                .contains(&m)
                                .then(|| months(PeriodType::Monthly, y, m, 1))?
                        }
                        (4, 4) => {
                            let d = date(y, num(&digits[..2], 2)?, num(&digits[2..], 2)?)?;
                            Period::containing(PeriodType::Daily, d)?
                        }
                        (6, _) if rest.as_bytes()[0] == b'-' && rest.as_bytes()[3] == b'-' => {
                            let d = date(y, num(&rest[1..3], 2)?, num(&rest[4..], 2)?)?;
                            Period::containing(PeriodType::Daily, d)?
                        }
                        _ => return None,
                    }
                }
            }
        };
        Some(p)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iso())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date as d;

    fn iso_of(t: PeriodType, day: Date) -> String {
        Period::containing(t, day).unwrap().iso()
    }

    fn range(iso: &str) -> (Date, Date) {
        let p = Period::parse(iso).unwrap_or_else(|| panic!("{iso} parses"));
        (p.start, p.end)
    }

    // Vectors from DHIS2's own tests (dhis-api period tests, 2.41) and the spec of
    // DateUnitPeriodTypeParser.
    #[test]
    fn weekly_family() {
        assert_eq!(iso_of(PeriodType::Weekly, d(2012, 12, 31)), "2013W1");
        assert_eq!(iso_of(PeriodType::Weekly, d(2012, 12, 30)), "2012W52");
        assert_eq!(iso_of(PeriodType::Weekly, d(2009, 12, 29)), "2009W53");
        assert_eq!(iso_of(PeriodType::Weekly, d(2021, 1, 1)), "2020W53");
        assert_eq!(
            iso_of(PeriodType::WeeklyWednesday, d(2017, 5, 2)),
            "2017WedW17"
        );
        assert_eq!(
            iso_of(PeriodType::WeeklyWednesday, d(2017, 5, 3)),
            "2017WedW18"
        );
        assert_eq!(
            iso_of(PeriodType::WeeklyWednesday, d(2020, 12, 31)),
            "2021WedW1"
        );
        assert_eq!(
            iso_of(PeriodType::WeeklyThursday, d(2025, 1, 1)),
            "2024ThuW52"
        );
        assert_eq!(
            iso_of(PeriodType::WeeklySaturday, d(2025, 1, 1)),
            "2024SatW53"
        );
        assert_eq!(iso_of(PeriodType::WeeklySunday, d(2017, 1, 8)), "2017SunW2");
        assert_eq!(
            iso_of(PeriodType::WeeklySunday, d(2026, 1, 1)),
            "2025SunW53"
        );
        assert_eq!(range("2009W1").0, d(2008, 12, 29));
        assert_eq!(range("2014W1"), (d(2013, 12, 30), d(2014, 1, 5)));
        assert_eq!(range("2009W53"), (d(2009, 12, 28), d(2010, 1, 3)));
        assert_eq!(Period::parse("2024W01").unwrap().iso(), "2024W1");
        assert_eq!(range("2024SatW1").0, d(2023, 12, 30));
        assert_eq!(range("2024SunW1").0, d(2023, 12, 31));
        assert_eq!(range("2025SunW53").0, d(2025, 12, 28));
        for bad in ["2014W0", "2014W53", "2009W54", "2021W53", "2024W100"] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn bi_weekly() {
        assert_eq!(iso_of(PeriodType::BiWeekly, d(2018, 1, 8)), "2018BiW1");
        assert_eq!(iso_of(PeriodType::BiWeekly, d(2017, 12, 29)), "2017BiW26");
        assert_eq!(iso_of(PeriodType::BiWeekly, d(2010, 1, 1)), "2009BiW27");
        assert_eq!(iso_of(PeriodType::BiWeekly, d(2024, 12, 31)), "2025BiW1");
        assert_eq!(range("2014BiW1"), (d(2013, 12, 30), d(2014, 1, 12)));
        assert!(Period::parse("2009BiW27").is_some());
        for bad in ["2018BiW0", "2018BiW27", "2009BiW28", "2016BiW27"] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
        // The seam of a 53-week year: BiW27 overlaps, previous skips it.
        let p = Period::parse("2020BiW26").unwrap();
        assert_eq!(p.next().iso(), "2020BiW27");
        assert_eq!(p.next().next().iso(), "2021BiW1");
        assert_eq!(
            Period::parse("2021BiW1").unwrap().previous().iso(),
            "2020BiW26"
        );
    }

    #[test]
    fn month_based_types() {
        assert_eq!(iso_of(PeriodType::Monthly, d(2024, 2, 10)), "202402");
        assert_eq!(range("2014-03"), (d(2014, 3, 1), d(2014, 3, 31)));
        assert_eq!(iso_of(PeriodType::BiMonthly, d(2009, 8, 15)), "200904B");
        assert_eq!(range("201401B"), (d(2014, 1, 1), d(2014, 2, 28)));
        assert_eq!(iso_of(PeriodType::Quarterly, d(2014, 11, 20)), "2014Q4");
        assert_eq!(
            iso_of(PeriodType::QuarterlyNov, d(2009, 3, 15)),
            "2009NovQ2"
        );
        assert_eq!(
            iso_of(PeriodType::QuarterlyNov, d(2014, 11, 20)),
            "2015NovQ1"
        );
        assert_eq!(
            iso_of(PeriodType::QuarterlyNov, d(2024, 1, 15)),
            "2024NovQ1"
        );
        assert_eq!(range("2025NovQ1"), (d(2024, 11, 1), d(2025, 1, 31)));
        assert_eq!(range("2024NovQ4"), (d(2024, 8, 1), d(2024, 10, 31)));
        assert_eq!(iso_of(PeriodType::SixMonthly, d(2014, 7, 1)), "2014S2");
        assert_eq!(
            iso_of(PeriodType::SixMonthlyApril, d(2015, 2, 1)),
            "2014AprilS2"
        );
        assert_eq!(range("2015AprilS2"), (d(2015, 10, 1), d(2016, 3, 31)));
        assert_eq!(
            iso_of(PeriodType::SixMonthlyNov, d(2009, 12, 15)),
            "2010NovS1"
        );
        assert_eq!(
            iso_of(PeriodType::SixMonthlyNov, d(2024, 10, 31)),
            "2024NovS2"
        );
        assert_eq!(range("2015NovS1"), (d(2014, 11, 1), d(2015, 4, 30)));
        assert_eq!(iso_of(PeriodType::Yearly, d(2024, 12, 31)), "2024");
        for bad in ["201400B", "201407B", "2014Q0", "2014Q5", "2014S3", "202413"] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn financial_years() {
        assert_eq!(
            iso_of(PeriodType::FinancialApril, d(2009, 2, 15)),
            "2008April"
        );
        assert_eq!(
            iso_of(PeriodType::FinancialApril, d(2009, 9, 12)),
            "2009April"
        );
        assert_eq!(
            iso_of(PeriodType::FinancialJuly, d(2009, 2, 15)),
            "2008July"
        );
        assert_eq!(iso_of(PeriodType::FinancialOct, d(2009, 11, 12)), "2009Oct");
        assert_eq!(iso_of(PeriodType::FinancialNov, d(2009, 2, 15)), "2009Nov");
        assert_eq!(iso_of(PeriodType::FinancialNov, d(2009, 11, 12)), "2010Nov");
        assert_eq!(range("2013April"), (d(2013, 4, 1), d(2014, 3, 31)));
        assert_eq!(range("2025Nov"), (d(2024, 11, 1), d(2025, 10, 31)));
    }

    #[test]
    fn daily() {
        assert_eq!(iso_of(PeriodType::Daily, d(2024, 2, 29)), "20240229");
        assert_eq!(Period::parse("2014-02-04").unwrap().iso(), "20140204");
        assert_eq!(Period::parse("20240230"), None);
    }

    #[test]
    fn odd_input_is_rejected_not_panicked_on() {
        for bad in [
            "2024€1",
            "2024-€-1",
            "2024W€",
            "2024ééé",
            "2024-0€",
            "€€€€",
            "2024-01-0€",
            "2024BiW€",
            "2024\u{0}",
        ] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_iso_round_trips() {
        let mut day = d(2019, 12, 1);
        while day < d(2027, 2, 1) {
            for t in PeriodType::ALL {
                if let Some(p) = Period::containing(t, day) {
                    if t == PeriodType::TwoYearly {
                        continue;
                    }
                    assert!(p.start <= day && day <= p.end, "{t} {day}");
                    assert_eq!(Period::parse(&p.iso()), Some(p), "{t} {day} -> {}", p.iso());
                }
            }
            day = add_days(day, 1);
        }
    }
}
