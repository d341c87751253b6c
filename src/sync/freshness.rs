//! Analytics freshness: program indicator values come from the source's analytics
//! tables, so a transfer is only as fresh as their last run. Either run them now and
//! wait for the job, or read `lastAnalyticsTableSuccess` and judge its age.

use std::time::{Duration, Instant};

use jiff::civil::DateTime;

use crate::config::SyncConfig;
use crate::dhis2::analytics::{Progress, poll, trigger};
use crate::dhis2::{Client, RemoteError};
use crate::model::SystemInfo;

/// How old the analytics tables are, by the server's own clock (`serverDate` minus
/// `lastAnalyticsTableSuccess`, both in server time). `None` if they never ran or the
/// server does not say.
pub fn age(system: &SystemInfo) -> Option<Duration> {
    let parse = |s: &str| s.trim_end_matches('Z').parse::<DateTime>().ok();
    let last = parse(system.last_analytics_table_success.as_deref()?)?;
    let now = system.server_date.as_deref().and_then(parse)?;
    let span = now.duration_since(last);
    Duration::try_from(span).ok()
}

/// A human duration: "3 h 20 min", "2 d 4 h".
pub fn human(d: Duration) -> String {
    let mins = d.as_secs() / 60;
    let (days, hours, m) = (mins / 1440, (mins / 60) % 24, mins % 60);
    match (days, hours) {
        (0, 0) => format!("{m} min"),
        (0, h) => format!("{h} h {m} min"),
        (d, h) => format!("{d} d {h} h"),
    }
}

/// How running analytics ended.
#[derive(Debug)]
pub enum Run {
    Done(String),
    Failed(String),
    TimedOut,
}

/// Start analytics on the source and wait for it (polling every `cfg.analytics_poll`,
/// giving up after `cfg.analytics_timeout`). `tick` gets the newest notification.
pub fn run(client: &Client, cfg: &SyncConfig, tick: &dyn Fn(&str)) -> Result<Run, RemoteError> {
    let job = trigger(client, cfg.analytics_last_years)?;
    let started = Instant::now();
    loop {
        match poll(client, &job)? {
            Progress::Done(m) => return Ok(Run::Done(m)),
            Progress::Failed(m) => return Ok(Run::Failed(m)),
            Progress::Running(m) => tick(m.as_deref().unwrap_or("queued")),
        }
        if started.elapsed() >= cfg.analytics_timeout {
            return Ok(Run::TimedOut);
        }
        std::thread::sleep(
            cfg.analytics_poll
                .min(cfg.analytics_timeout.saturating_sub(started.elapsed())),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_uses_the_server_clock() {
        let s = SystemInfo {
            server_date: Some("2026-11-24T09:00:00.000".into()),
            last_analytics_table_success: Some("2026-11-23T07:30:00.000".into()),
            ..SystemInfo::default()
        };
        assert_eq!(age(&s), Some(Duration::from_secs(25 * 3600 + 1800)));
        assert_eq!(human(Duration::from_secs(25 * 3600 + 1800)), "1 d 1 h");
        assert_eq!(age(&SystemInfo::default()), None);
    }
}
