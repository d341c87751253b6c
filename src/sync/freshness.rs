//! Analytics freshness: program indicator values come from the source's analytics
//! tables, so a transfer is only as fresh as their last run. Either run them now and
//! wait for the job, or read `lastAnalyticsTableSuccess` and judge its age.

use std::time::Instant;

use crate::config::SyncConfig;
use crate::dhis2::analytics::{Progress, poll, trigger};
use crate::dhis2::{Client, RemoteError};

pub use crate::model::human_duration as human;

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
        let wait = cfg
            .analytics_poll
            .min(cfg.analytics_timeout.saturating_sub(started.elapsed()));
        if !crate::interrupt::sleep(wait) {
            return Err(RemoteError::Interrupted {
                url: "the analytics job's progress".to_string(),
            });
        }
    }
}
