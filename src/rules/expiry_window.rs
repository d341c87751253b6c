use crate::diagnostic::Finding;
use crate::job::Job;
use crate::model::Identifiable;
use crate::period::{Period, PeriodType};
use crate::sync::plan::{Request, periods_of};

declare_rule! {
    /// ## What it does
    /// Checks that the periods the job transfers (its look-back from today, or its
    /// periods) are still open for data entry in the data sets it feeds: a data set
    /// with `expiryDays` locks a period that many days after its end, and one with
    /// data input periods takes data only for the periods listed, between their opening
    /// and closing dates. Up to 2.42 both apply; 2.43 reads the input periods when a
    /// data set has them, else `expiryDays`.
    ///
    /// ## Why is this bad?
    /// DHIS2 rejects values for locked periods (E7640 for `expiryDays` and E7643 for
    /// input periods up to 2.42, E8030 on 2.43), so
    /// corrections to old periods never land, and each run reports the same conflicts.
    ///
    /// ## How to fix
    /// Shorten `sync.lookback` to the periods the data set keeps open, ask for a lock
    /// exception for the periods to correct, or have the data set's `expiryDays` raised.
    ///
    /// ## Example
    /// A monthly data set with `expiryDays: 15` and `lookback = 3`: on 20 March the
    /// job still transfers December and January, locked since 15 January and 15 February.
    pub static RULE = {
        id: EXPIRY_WINDOW,
        summary: "the job's look-back reaches periods that the data set's expiryDays or data input periods lock",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let t = cx.target;
    let sync = &cx.config.sync;
    let today = jiff::ZonedDateTime::now().date();
    let periods: Vec<String> = sync.periods.iter().map(|p| p.value.clone()).collect();
    let req = Request {
        periods: &periods,
        period_type: sync.period_type.as_ref().map(|p| p.value),
        lookback: sync.lookback.unwrap_or(1),
        include_current: sync.include_current,
        as_of: today,
        excluded: &[],
    };
    let sets = cx.graph.fed_data_sets();
    // 2.43 reads the data input periods when a data set has them, else expiryDays;
    // up to 2.42 both apply (dhis2-api.md §6.3 checks 23 and 26, §12).
    let input_periods_replace_expiry = cx.target_version().is_none_or(|v| v.at_least(43));
    let mut out = Vec::new();
    for ds in sets {
        let set = &t.data_sets[ds];
        let Some(pt) = set
            .period_type
            .as_deref()
            .and_then(|p| p.parse::<PeriodType>().ok())
        else {
            continue;
        };
        let planned = periods_of(pt, &req);
        let windows = input_windows(set);
        if !windows.is_empty() {
            let closed: Vec<String> = planned
                .iter()
                .filter(|p| !windows.iter().any(|w| w.period == **p && w.open_on(today)))
                .map(|p| p.iso())
                .collect();
            if !closed.is_empty() {
                out.push(input_period_finding(cx, ds, &closed));
            }
            if input_periods_replace_expiry {
                continue;
            }
        }
        let Some(days) = set.expiry_days.filter(|d| *d > 0.0) else {
            continue;
        };
        let locked: Vec<String> = planned
            .iter()
            .filter(|p| {
                let opens_until = p
                    .end
                    .checked_add(jiff::Span::new().days(days.ceil() as i64));
                opens_until.is_ok_and(|d| d < today)
            })
            .map(|p| p.iso())
            .collect();
        if locked.is_empty() {
            continue;
        }
        out.push(
            Finding::new(
                &RULE,
                format!(
                    "data set \"{}\" locks a period {days} days after its end, but the job transfers {} locked already: {}",
                    set.name(),
                    crate::rules::help::plural(locked.len(), "period", "periods"),
                    locked.join(", ")
                ),
                "shorten `sync.lookback` to the periods the data set keeps open, get a lock exception for the periods to correct, or have `expiryDays` raised",
            )
            .object(cx.data_set_ref(ds)),
        );
    }
    out
}

/// One data input period: a period open for entry between two dates (either end open).
struct InputWindow {
    period: Period,
    opens: Option<jiff::civil::Date>,
    closes: Option<jiff::civil::Date>,
}

impl InputWindow {
    fn open_on(&self, day: jiff::civil::Date) -> bool {
        self.opens.is_none_or(|o| o <= day) && self.closes.is_none_or(|c| day <= c)
    }
}

/// The data set's input periods that name a period t2a reads.
fn input_windows(set: &crate::model::DataSet) -> Vec<InputWindow> {
    let date = |s: &Option<String>| {
        s.as_deref()
            .and_then(|s| s.get(..10))
            .and_then(|d| d.parse::<jiff::civil::Date>().ok())
    };
    set.data_input_periods
        .iter()
        .filter_map(|w| {
            Some(InputWindow {
                period: Period::parse(&w.period.as_ref()?.id)?,
                opens: date(&w.opening_date),
                closes: date(&w.closing_date),
            })
        })
        .collect()
}

fn input_period_finding(cx: &Job<'_>, ds: usize, closed: &[String]) -> Finding {
    let set = &cx.target.data_sets[ds];
    Finding::new(
        &RULE,
        format!(
            "data set \"{}\" takes data only in its data input periods, but the job transfers {} not open today: {}",
            set.name(),
            crate::rules::help::plural(closed.len(), "period", "periods"),
            closed.join(", ")
        ),
        "transfer only the periods whose input window is open, or have the data set's data input periods extended",
    )
    .object(cx.data_set_ref(ds))
}
