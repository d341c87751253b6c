//! Relative periods (`LAST_3_MONTHS`, …) expanded into ISO periods against a reference
//! date, as DHIS2 2.41 `RelativePeriods` does: the LAST_* forms exclude the current
//! period, the THIS_* forms are the current period. Financial years use the financial
//! type the caller names (the data set's), where DHIS2 uses a system setting.

use jiff::ToSpan;
use jiff::civil::Date;

use super::{Period, PeriodType};

fn p(t: PeriodType, d: Date) -> Option<Period> {
    Period::containing(t, d)
}

/// `n` consecutive periods ending with `last`, oldest first.
fn ending_with(last: Period, n: usize) -> Vec<Period> {
    let mut out = vec![last];
    while out.len() < n {
        let prev = out[out.len() - 1].previous();
        out.push(prev);
    }
    out.reverse();
    out
}

/// All periods of type `t` that start within calendar year `y`, from the one containing
/// its first start date.
fn of_year(first: Period, y: i16) -> Vec<Period> {
    let mut out = Vec::new();
    let mut cur = first;
    while cur.start.year() <= y && out.len() < 60 {
        out.push(cur);
        cur = cur.next();
    }
    out
}

/// Expand a relative period at reference date `r`. `financial` is the financial year
/// type used for the `*_FINANCIAL_YEAR*` forms. `None` for an unknown name.
pub fn expand(name: &str, r: Date, financial: PeriodType) -> Option<Vec<Period>> {
    use PeriodType::*;
    let days = |n: i64| r.saturating_sub(n.days());
    let weeks = |n: i64| r.saturating_sub(n.weeks());
    let months = |n: i64| r.saturating_sub(n.months());
    let year = r.year();
    let one = |t: PeriodType, d: Date| p(t, d).map(|x| vec![x]);
    let last_n = |t: PeriodType, d: Date, n: usize| p(t, d).map(|x| ending_with(x, n));
    match name {
        "TODAY" => one(Daily, r),
        "YESTERDAY" => one(Daily, days(1)),
        "LAST_3_DAYS" => last_n(Daily, days(1), 3),
        "LAST_7_DAYS" => last_n(Daily, days(1), 7),
        "LAST_14_DAYS" => last_n(Daily, days(1), 14),
        "LAST_30_DAYS" => last_n(Daily, days(1), 30),
        "LAST_60_DAYS" => last_n(Daily, days(1), 60),
        "LAST_90_DAYS" => last_n(Daily, days(1), 90),
        "LAST_180_DAYS" => last_n(Daily, days(1), 180),
        "THIS_WEEK" => one(Weekly, r),
        "LAST_WEEK" => one(Weekly, weeks(1)),
        "LAST_4_WEEKS" => last_n(Weekly, weeks(1), 4),
        "LAST_12_WEEKS" => last_n(Weekly, weeks(1), 12),
        "LAST_52_WEEKS" => last_n(Weekly, weeks(1), 52),
        // The ISO weeks of the reference date's calendar year.
        "WEEKS_THIS_YEAR" => {
            let jan4 = Date::new(year, 1, 4).ok()?;
            let first = p(Weekly, jan4)?;
            let mut out = Vec::new();
            let mut cur = first;
            while cur.iso().starts_with(&format!("{year}W")) {
                out.push(cur);
                cur = cur.next();
            }
            Some(out)
        }
        "THIS_BIWEEK" => one(BiWeekly, r),
        "LAST_BIWEEK" => one(BiWeekly, weeks(2)),
        "LAST_4_BIWEEKS" => {
            // DHIS2 rolls 26 bi-weeks forward from 350 days before the last one,
            // re-snapping each, and keeps the last four.
            let s = p(BiWeekly, weeks(2))?.start;
            let mut out: Vec<Period> = Vec::new();
            for k in 0..26 {
                let x = p(
                    BiWeekly,
                    s.saturating_sub(350.days()).saturating_add((14 * k).days()),
                )?;
                if out.last() != Some(&x) {
                    out.push(x);
                }
            }
            Some(out.split_off(out.len().saturating_sub(4)))
        }
        "THIS_MONTH" => one(Monthly, r),
        "LAST_MONTH" => one(Monthly, months(1)),
        "LAST_3_MONTHS" => last_n(Monthly, months(1), 3),
        "LAST_6_MONTHS" => last_n(Monthly, months(1), 6),
        "LAST_12_MONTHS" => last_n(Monthly, months(1), 12),
        "MONTHS_THIS_YEAR" => Some(of_year(p(Monthly, Date::new(year, 1, 1).ok()?)?, year)),
        "MONTHS_LAST_YEAR" => Some(of_year(
            p(Monthly, Date::new(year - 1, 1, 1).ok()?)?,
            year - 1,
        )),
        "THIS_BIMONTH" => one(BiMonthly, r),
        "LAST_BIMONTH" => one(BiMonthly, months(2)),
        "LAST_6_BIMONTHS" => {
            // DHIS2 goes back (month mod 2) + 10 months from the first of the month two
            // months ago, so in odd months the window ends before LAST_BIMONTH.
            let q = months(2);
            let back = i64::from(q.month()) % 2 + 10;
            let from = q.first_of_month().saturating_sub(back.months());
            let first = p(BiMonthly, from)?;
            let mut out = vec![first];
            while out.len() < 6 {
                let n = out[out.len() - 1].next();
                out.push(n);
            }
            Some(out)
        }
        "BIMONTHS_THIS_YEAR" => Some(of_year(p(BiMonthly, Date::new(year, 1, 1).ok()?)?, year)),
        "THIS_QUARTER" => one(Quarterly, r),
        "LAST_QUARTER" => one(Quarterly, months(3)),
        "LAST_4_QUARTERS" => last_n(Quarterly, months(3), 4),
        "QUARTERS_THIS_YEAR" => Some(of_year(p(Quarterly, Date::new(year, 1, 1).ok()?)?, year)),
        "QUARTERS_LAST_YEAR" => Some(of_year(
            p(Quarterly, Date::new(year - 1, 1, 1).ok()?)?,
            year - 1,
        )),
        "THIS_SIX_MONTH" => one(SixMonthly, r),
        "LAST_SIX_MONTH" => one(SixMonthly, months(6)),
        "LAST_2_SIXMONTHS" => last_n(SixMonthly, months(6), 2),
        "THIS_YEAR" => one(Yearly, r),
        "LAST_YEAR" => one(Yearly, months(12)),
        "LAST_5_YEARS" => last_n(Yearly, months(12), 5),
        "LAST_10_YEARS" => last_n(Yearly, months(12), 10),
        "THIS_FINANCIAL_YEAR" => one(financial, r),
        "LAST_FINANCIAL_YEAR" => one(financial, months(12)),
        "LAST_5_FINANCIAL_YEARS" => last_n(financial, months(12), 5),
        "LAST_10_FINANCIAL_YEARS" => last_n(financial, months(12), 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date as d;

    fn isos(name: &str, r: Date) -> Vec<String> {
        expand(name, r, PeriodType::FinancialOct)
            .unwrap_or_else(|| panic!("{name}"))
            .iter()
            .map(Period::iso)
            .collect()
    }

    // Expected values from the DHIS2 2.41 RelativePeriods behaviour on 2024-03-15.
    #[test]
    fn on_2024_03_15() {
        let r = d(2024, 3, 15);
        assert_eq!(isos("TODAY", r), ["20240315"]);
        assert_eq!(isos("LAST_3_DAYS", r), ["20240312", "20240313", "20240314"]);
        assert_eq!(isos("THIS_WEEK", r), ["2024W11"]);
        assert_eq!(isos("LAST_WEEK", r), ["2024W10"]);
        let last12 = isos("LAST_12_WEEKS", r);
        assert_eq!(
            (last12[0].as_str(), last12[11].as_str()),
            ("2023W51", "2024W10")
        );
        assert_eq!(isos("LAST_52_WEEKS", r)[0], "2023W11");
        assert_eq!(isos("WEEKS_THIS_YEAR", r).len(), 52);
        assert_eq!(isos("THIS_BIWEEK", r), ["2024BiW6"]);
        assert_eq!(isos("LAST_BIWEEK", r), ["2024BiW5"]);
        assert_eq!(
            isos("LAST_4_BIWEEKS", r),
            ["2024BiW2", "2024BiW3", "2024BiW4", "2024BiW5"]
        );
        assert_eq!(isos("LAST_3_MONTHS", r), ["202312", "202401", "202402"]);
        assert_eq!(isos("MONTHS_LAST_YEAR", r).len(), 12);
        assert_eq!(isos("THIS_BIMONTH", r), ["202402B"]);
        assert_eq!(isos("LAST_BIMONTH", r), ["202401B"]);
        assert_eq!(
            isos("LAST_6_BIMONTHS", r),
            [
                "202301B", "202302B", "202303B", "202304B", "202305B", "202306B"
            ]
        );
        assert_eq!(isos("LAST_QUARTER", r), ["2023Q4"]);
        assert_eq!(
            isos("LAST_4_QUARTERS", r),
            ["2023Q1", "2023Q2", "2023Q3", "2023Q4"]
        );
        assert_eq!(isos("LAST_2_SIXMONTHS", r), ["2023S1", "2023S2"]);
        assert_eq!(
            isos("LAST_5_YEARS", r),
            ["2019", "2020", "2021", "2022", "2023"]
        );
        assert_eq!(
            isos("LAST_10_YEARS", r).first().map(String::as_str),
            Some("2014")
        );
        assert_eq!(isos("THIS_FINANCIAL_YEAR", r), ["2023Oct"]);
        assert_eq!(isos("LAST_FINANCIAL_YEAR", r), ["2022Oct"]);
        assert_eq!(
            isos("LAST_5_FINANCIAL_YEARS", r),
            ["2018Oct", "2019Oct", "2020Oct", "2021Oct", "2022Oct"]
        );
        assert_eq!(expand("LAST_FORTNIGHT", r, PeriodType::FinancialOct), None);
    }

    #[test]
    fn odd_and_even_months_and_year_seams() {
        assert_eq!(
            isos("LAST_6_BIMONTHS", d(2024, 4, 15))
                .last()
                .map(String::as_str),
            Some("202401B")
        );
        assert_eq!(isos("WEEKS_THIS_YEAR", d(2020, 6, 1)).len(), 53);
        assert_eq!(isos("WEEKS_THIS_YEAR", d(2024, 12, 30))[51], "2024W52");
        assert_eq!(
            isos("LAST_4_BIWEEKS", d(2021, 1, 20)),
            ["2020BiW24", "2020BiW25", "2020BiW26", "2021BiW1"]
        );
        assert_eq!(
            expand(
                "THIS_FINANCIAL_YEAR",
                d(2024, 3, 15),
                PeriodType::FinancialApril
            )
            .unwrap()
            .iter()
            .map(Period::iso)
            .collect::<Vec<_>>(),
            ["2023April"]
        );
    }
}
