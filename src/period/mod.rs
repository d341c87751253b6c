//! DHIS2 period types, ISO period strings and relative periods.

mod dates;
mod relative;

pub use dates::Period;
pub use relative::expand;

use std::fmt;
use std::str::FromStr;

/// The period types of DHIS2 (`periodType` on data sets), by their DHIS2 names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeriodType {
    Daily,
    Weekly,
    WeeklyWednesday,
    WeeklyThursday,
    WeeklySaturday,
    WeeklySunday,
    BiWeekly,
    Monthly,
    BiMonthly,
    Quarterly,
    QuarterlyNov,
    SixMonthly,
    SixMonthlyApril,
    SixMonthlyNov,
    Yearly,
    FinancialApril,
    FinancialJuly,
    FinancialOct,
    FinancialNov,
    TwoYearly,
}

impl PeriodType {
    pub const ALL: [PeriodType; 20] = [
        PeriodType::Daily,
        PeriodType::Weekly,
        PeriodType::WeeklyWednesday,
        PeriodType::WeeklyThursday,
        PeriodType::WeeklySaturday,
        PeriodType::WeeklySunday,
        PeriodType::BiWeekly,
        PeriodType::Monthly,
        PeriodType::BiMonthly,
        PeriodType::Quarterly,
        PeriodType::QuarterlyNov,
        PeriodType::SixMonthly,
        PeriodType::SixMonthlyApril,
        PeriodType::SixMonthlyNov,
        PeriodType::Yearly,
        PeriodType::FinancialApril,
        PeriodType::FinancialJuly,
        PeriodType::FinancialOct,
        PeriodType::FinancialNov,
        PeriodType::TwoYearly,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PeriodType::Daily => "Daily",
            PeriodType::Weekly => "Weekly",
            PeriodType::WeeklyWednesday => "WeeklyWednesday",
            PeriodType::WeeklyThursday => "WeeklyThursday",
            PeriodType::WeeklySaturday => "WeeklySaturday",
            PeriodType::WeeklySunday => "WeeklySunday",
            PeriodType::BiWeekly => "BiWeekly",
            PeriodType::Monthly => "Monthly",
            PeriodType::BiMonthly => "BiMonthly",
            PeriodType::Quarterly => "Quarterly",
            PeriodType::QuarterlyNov => "QuarterlyNov",
            PeriodType::SixMonthly => "SixMonthly",
            PeriodType::SixMonthlyApril => "SixMonthlyApril",
            PeriodType::SixMonthlyNov => "SixMonthlyNov",
            PeriodType::Yearly => "Yearly",
            PeriodType::FinancialApril => "FinancialApril",
            PeriodType::FinancialJuly => "FinancialJuly",
            PeriodType::FinancialOct => "FinancialOct",
            PeriodType::FinancialNov => "FinancialNov",
            PeriodType::TwoYearly => "TwoYearly",
        }
    }

    /// The period type of an ISO period string (`202401` → Monthly); `None` when the
    /// string is no valid ISO period.
    pub fn of_iso(iso: &str) -> Option<PeriodType> {
        Period::parse(iso).map(|p| p.ptype)
    }

    /// Financial year types (their relative periods follow a system setting).
    /// Shorter than a year: a yearly total sums several of its periods.
    pub fn is_sub_yearly(self) -> bool {
        self < PeriodType::Yearly
    }

    pub fn is_financial(self) -> bool {
        matches!(
            self,
            PeriodType::FinancialApril
                | PeriodType::FinancialJuly
                | PeriodType::FinancialOct
                | PeriodType::FinancialNov
        )
    }
}

impl fmt::Display for PeriodType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PeriodType {
    type Err = ();

    /// Exact DHIS2 names (as in `periodType` of a data set).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PeriodType::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or(())
    }
}

/// The period type a relative period (`LAST_3_MONTHS`) expands to. Financial-year
/// relative periods follow a system setting, so they only say "some financial year".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelativeType {
    Exact(PeriodType),
    FinancialYear,
}

impl RelativeType {
    pub fn matches(self, t: PeriodType) -> bool {
        match self {
            RelativeType::Exact(e) => e == t,
            RelativeType::FinancialYear => t.is_financial(),
        }
    }
}

impl fmt::Display for RelativeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RelativeType::Exact(t) => t.fmt(f),
            RelativeType::FinancialYear => {
                f.write_str("financial year (FinancialApril/July/Oct/Nov)")
            }
        }
    }
}

/// The relative periods of DHIS2 (`RelativePeriodEnum`) and their period types.
pub const RELATIVE_PERIODS: &[(&str, RelativeType)] = {
    use PeriodType::*;
    use RelativeType::{Exact, FinancialYear};
    &[
        ("TODAY", Exact(Daily)),
        ("YESTERDAY", Exact(Daily)),
        ("LAST_3_DAYS", Exact(Daily)),
        ("LAST_7_DAYS", Exact(Daily)),
        ("LAST_14_DAYS", Exact(Daily)),
        ("LAST_30_DAYS", Exact(Daily)),
        ("LAST_60_DAYS", Exact(Daily)),
        ("LAST_90_DAYS", Exact(Daily)),
        ("LAST_180_DAYS", Exact(Daily)),
        ("THIS_WEEK", Exact(Weekly)),
        ("LAST_WEEK", Exact(Weekly)),
        ("LAST_4_WEEKS", Exact(Weekly)),
        ("LAST_12_WEEKS", Exact(Weekly)),
        ("LAST_52_WEEKS", Exact(Weekly)),
        ("WEEKS_THIS_YEAR", Exact(Weekly)),
        ("THIS_BIWEEK", Exact(BiWeekly)),
        ("LAST_BIWEEK", Exact(BiWeekly)),
        ("LAST_4_BIWEEKS", Exact(BiWeekly)),
        ("THIS_MONTH", Exact(Monthly)),
        ("LAST_MONTH", Exact(Monthly)),
        ("LAST_3_MONTHS", Exact(Monthly)),
        ("LAST_6_MONTHS", Exact(Monthly)),
        ("LAST_12_MONTHS", Exact(Monthly)),
        ("MONTHS_THIS_YEAR", Exact(Monthly)),
        ("MONTHS_LAST_YEAR", Exact(Monthly)),
        ("THIS_BIMONTH", Exact(BiMonthly)),
        ("LAST_BIMONTH", Exact(BiMonthly)),
        ("LAST_6_BIMONTHS", Exact(BiMonthly)),
        ("BIMONTHS_THIS_YEAR", Exact(BiMonthly)),
        ("THIS_QUARTER", Exact(Quarterly)),
        ("LAST_QUARTER", Exact(Quarterly)),
        ("LAST_4_QUARTERS", Exact(Quarterly)),
        ("QUARTERS_THIS_YEAR", Exact(Quarterly)),
        ("QUARTERS_LAST_YEAR", Exact(Quarterly)),
        ("THIS_SIX_MONTH", Exact(SixMonthly)),
        ("LAST_SIX_MONTH", Exact(SixMonthly)),
        ("LAST_2_SIXMONTHS", Exact(SixMonthly)),
        ("THIS_YEAR", Exact(Yearly)),
        ("LAST_YEAR", Exact(Yearly)),
        ("LAST_5_YEARS", Exact(Yearly)),
        ("LAST_10_YEARS", Exact(Yearly)),
        ("THIS_FINANCIAL_YEAR", FinancialYear),
        ("LAST_FINANCIAL_YEAR", FinancialYear),
        ("LAST_5_FINANCIAL_YEARS", FinancialYear),
        ("LAST_10_FINANCIAL_YEARS", FinancialYear),
    ]
};

/// The type of a relative period name, if it is one.
pub fn relative_type(name: &str) -> Option<RelativeType> {
    RELATIVE_PERIODS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
}

/// The type of a period as a job may write it: ISO or relative.
pub fn period_spec_type(spec: &str) -> Option<RelativeType> {
    PeriodType::of_iso(spec)
        .map(RelativeType::Exact)
        .or_else(|| relative_type(spec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_period_types() {
        let cases = [
            ("20240115", PeriodType::Daily),
            ("2024-01-15", PeriodType::Daily),
            ("2024W3", PeriodType::Weekly),
            ("2024W03", PeriodType::Weekly),
            ("2024WedW5", PeriodType::WeeklyWednesday),
            ("2024ThuW5", PeriodType::WeeklyThursday),
            ("2024SatW5", PeriodType::WeeklySaturday),
            ("2024SunW52", PeriodType::WeeklySunday),
            ("2024BiW1", PeriodType::BiWeekly),
            ("202401", PeriodType::Monthly),
            ("2024-01", PeriodType::Monthly),
            ("202401B", PeriodType::BiMonthly),
            ("2024Q1", PeriodType::Quarterly),
            ("2024NovQ1", PeriodType::QuarterlyNov),
            ("2024S1", PeriodType::SixMonthly),
            ("2024AprilS2", PeriodType::SixMonthlyApril),
            ("2024NovS1", PeriodType::SixMonthlyNov),
            ("2024", PeriodType::Yearly),
            ("2024April", PeriodType::FinancialApril),
            ("2024July", PeriodType::FinancialJuly),
            ("2024Oct", PeriodType::FinancialOct),
            ("2024Nov", PeriodType::FinancialNov),
        ];
        for (iso, t) in cases {
            assert_eq!(PeriodType::of_iso(iso), Some(t), "{iso}");
        }
        for bad in [
            "202413", "2024Q5", "2024W54", "24", "2024X", "abcd01", "2024S3", "20241301", "2024é",
        ] {
            assert_eq!(PeriodType::of_iso(bad), None, "{bad}");
        }
    }

    #[test]
    fn relative_periods_have_types() {
        assert_eq!(
            relative_type("LAST_QUARTER"),
            Some(RelativeType::Exact(PeriodType::Quarterly))
        );
        assert!(
            relative_type("LAST_FINANCIAL_YEAR")
                .unwrap()
                .matches(PeriodType::FinancialJuly)
        );
        assert_eq!(relative_type("LAST_FORTNIGHT"), None);
        assert_eq!(
            period_spec_type("202401"),
            Some(RelativeType::Exact(PeriodType::Monthly))
        );
    }

    #[test]
    fn names_round_trip() {
        for t in PeriodType::ALL {
            assert_eq!(t.name().parse::<PeriodType>(), Ok(t));
        }
    }
}
