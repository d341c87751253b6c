use crate::diagnostic::Finding;
use crate::job::Job;
use crate::model::Identifiable;
use crate::period::PeriodType;
use crate::sync::plan::{Request, periods_of};

declare_rule! {
    /// ## What it does
    /// Checks that the periods the job transfers (its look-back from today, or its
    /// periods) are still open for data entry in the data sets it feeds: a data set
    /// with `expiryDays` locks a period that many days after its end.
    ///
    /// ## Why is this bad?
    /// DHIS2 rejects values for locked periods (E7641 up to 2.42, E8030 on 2.43), so
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
        summary: "the job's look-back reaches periods the data set's expiryDays has locked",
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
    let mut out = Vec::new();
    for ds in sets {
        let set = &t.data_sets[ds];
        let Some(days) = set.expiry_days.filter(|d| *d > 0.0) else {
            continue;
        };
        let Some(pt) = set
            .period_type
            .as_deref()
            .and_then(|p| p.parse::<PeriodType>().ok())
        else {
            continue;
        };
        let locked: Vec<String> = periods_of(pt, &req)
            .into_iter()
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
