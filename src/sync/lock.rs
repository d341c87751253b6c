//! One sync of a job at a time. The lock is an OS file lock (released by the OS when
//! its holder dies, however it dies); the file says who holds it. A file that still
//! names a holder but is not locked was left by a run that did not end cleanly: it is
//! taken over, with a warning.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Who holds (or held) a job's lock.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    pub started: String,
    #[serde(default)]
    pub host: String,
}

impl Holder {
    fn me() -> Self {
        Holder {
            pid: std::process::id(),
            started: jiff::Timestamp::now().to_string(),
            host: host_name(),
        }
    }

    fn describe(&self) -> String {
        let host = if self.host.is_empty() {
            String::new()
        } else {
            format!(" on {}", self.host)
        };
        format!("pid {} (started {}{host})", self.pid, self.started)
    }
}

/// A held lock; released when dropped.
#[derive(Debug)]
pub struct JobLock {
    file: File,
    pub path: PathBuf,
    /// The holder of a lock left behind, taken over.
    pub stale: Option<Holder>,
}

impl JobLock {
    /// Take the lock of `job` in `dir`, or say who holds it.
    pub fn acquire(dir: &Path, job: &str) -> Result<JobLock, Error> {
        let path = dir.join(format!("{job}.lock"));
        let cannot = |e: std::io::Error| {
            Error::usage(
                format!("cannot take the job's lock `{}`: {e}", path.display()),
                Some("check that the reports folder is writable (sync.report)".to_string()),
            )
        };
        std::fs::create_dir_all(dir).map_err(cannot)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(cannot)?;
        let mut text = String::new();
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let _ = file.read_to_string(&mut text);
                let who = serde_json::from_str::<Holder>(&text)
                    .map_or_else(|_| "another process".to_string(), |h| h.describe());
                return Err(Error::usage(
                    format!("job `{job}` is already being synced by {who}"),
                    Some(format!(
                        "wait for that run to end (or stop it); its lock is {}",
                        path.display()
                    )),
                ));
            }
            Err(TryLockError::Error(e)) => return Err(cannot(e)),
        }
        let _ = file.read_to_string(&mut text);
        let stale = serde_json::from_str::<Holder>(&text).ok();
        let me = serde_json::to_string(&Holder::me()).unwrap_or_default();
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(me.as_bytes()))
            .and_then(|()| file.flush())
            .map_err(cannot)?;
        Ok(JobLock { file, path, stale })
    }

    /// The warning for a lock taken over.
    pub fn stale_warning(&self) -> Option<String> {
        self.stale.as_ref().map(|h| {
            format!(
                "took over the lock {} left by {}, which is no longer running",
                self.path.display(),
                h.describe()
            )
        })
    }
}

impl Drop for JobLock {
    /// An empty file marks a clean end; the OS lock goes with the file handle. (The
    /// file stays: removing it would let a waiting process lock a deleted file.)
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .or_else(|_| std::env::var("COMPUTERNAME"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_of_the_same_job_is_refused_and_names_the_holder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = JobLock::acquire(dir.path(), "malaria").expect("first");
        assert_eq!(first.stale, None);
        let second = JobLock::acquire(dir.path(), "malaria").expect_err("held");
        let text = second.to_string();
        assert!(
            text.contains(&format!("pid {}", std::process::id())),
            "{text}"
        );
        // Another job is not held.
        assert!(JobLock::acquire(dir.path(), "tb").is_ok());
        drop(first);
        let third = JobLock::acquire(dir.path(), "malaria").expect("released");
        assert_eq!(third.stale, None, "a clean release leaves no holder behind");
    }

    #[test]
    fn a_lock_left_by_a_dead_run_is_taken_over() {
        let dir = tempfile::tempdir().expect("tempdir");
        let left = r#"{"pid":4194999,"started":"2026-11-30T02:00:00Z","host":"hmis-sync"}"#;
        std::fs::write(dir.path().join("malaria.lock"), left).expect("write");
        let lock = JobLock::acquire(dir.path(), "malaria").expect("taken over");
        let warning = lock.stale_warning().expect("warned");
        assert!(warning.contains("pid 4194999"), "{warning}");
        assert!(warning.contains("2026-11-30T02:00:00Z"), "{warning}");
    }
}
