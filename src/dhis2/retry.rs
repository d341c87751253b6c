//! Retrying requests that may be repeated: exponential backoff with jitter, a bounded
//! number of attempts and a total deadline per request. What may be repeated is the
//! caller's to say: GETs and the (idempotent) imports after any fault; other writes
//! only when they were never sent.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::error::RemoteError;

/// Whether a request may be sent again after a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// Repeating it changes nothing (GETs; imports with CREATE_AND_UPDATE): retry after
    /// any transient fault, even one that came after the request was sent.
    Idempotent,
    /// Only when it was never sent (the connection could not be made): a message, or a
    /// started job, must not happen twice.
    Unsent,
}

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Extra attempts after the first.
    pub retries: u32,
    /// Wait before the first retry; doubled each time, with jitter.
    pub backoff: Duration,
    /// The longest single wait.
    pub max_wait: Duration,
    /// No retry starts later than this after the first attempt.
    pub deadline: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            retries: 5,
            backoff: Duration::from_secs(1),
            max_wait: Duration::from_secs(30),
            deadline: Duration::from_secs(300),
        }
    }
}

impl Policy {
    /// The wait before retry `n` (0-based): `backoff × 2ⁿ`, capped, then a random
    /// half to whole of it, so that many clients do not retry in step.
    pub fn wait(&self, n: u32) -> Duration {
        let full = self
            .backoff
            .saturating_mul(2u32.saturating_pow(n))
            .min(self.max_wait);
        full.mul_f64(0.5 + fastrand::f64() * 0.5)
    }
}

/// A fault worth another attempt for a request of this kind.
pub fn transient(e: &RemoteError, repeat: Repeat) -> bool {
    match (e, repeat) {
        // A host name that does not resolve is a typo far more often than a hiccup.
        (RemoteError::Unreachable { reason, .. }, _) if unknown_host(reason) => false,
        (RemoteError::Unreachable { sent: false, .. }, _) => true,
        (_, Repeat::Unsent) => false,
        (RemoteError::Unreachable { .. } | RemoteError::Timeout { .. }, _) => true,
        (RemoteError::Status { status, .. }, _) => matches!(status, 429 | 502 | 503 | 504),
        // A body that does not read (cut off, or a proxy's page): ask again.
        (RemoteError::BadResponse { .. }, _) => true,
        _ => false,
    }
}

fn unknown_host(reason: &str) -> bool {
    [
        "failed to lookup address",
        "Name or service not known",
        "No such host is known",
        "nodename nor servname",
    ]
    .iter()
    .any(|m| reason.contains(m))
}

/// What a client's retries were, for the run report.
#[derive(Debug, Default)]
pub struct Retries {
    inner: Mutex<RetryLog>,
}

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct RetryLog {
    pub count: u32,
    /// The last few faults retried (URL and what happened).
    pub recent: Vec<String>,
}

const RECENT: usize = 10;

impl Retries {
    fn note(&self, e: &RemoteError) {
        if let Ok(mut log) = self.inner.lock() {
            log.count += 1;
            if log.recent.len() == RECENT {
                log.recent.remove(0);
            }
            log.recent.push(e.to_string());
        }
    }

    pub fn snapshot(&self) -> RetryLog {
        self.inner.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

/// Run `attempt` until it succeeds, fails for good, or the policy is spent; the final
/// error says how many attempts it took.
pub fn run<T>(
    policy: &Policy,
    repeat: Repeat,
    log: &Retries,
    mut attempt: impl FnMut() -> Result<T, RemoteError>,
) -> Result<T, RemoteError> {
    let start = Instant::now();
    let mut n = 0;
    loop {
        match attempt() {
            Ok(v) => return Ok(v),
            Err(e) if n < policy.retries && transient(&e, repeat) => {
                let wait = policy.wait(n);
                if start.elapsed() + wait > policy.deadline {
                    return Err(e.after(n + 1, start.elapsed()));
                }
                log.note(&e);
                if !crate::interrupt::sleep(wait) {
                    return Err(RemoteError::Interrupted {
                        url: e.request_url().to_string(),
                    });
                }
                n += 1;
            }
            Err(e) if n > 0 => return Err(e.after(n + 1, start.elapsed())),
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unreachable(sent: bool) -> RemoteError {
        RemoteError::Unreachable {
            url: "u".into(),
            reason: "reset".into(),
            sent,
        }
    }

    fn status(s: u16) -> RemoteError {
        RemoteError::Status {
            url: "u".into(),
            status: s,
            message: "m".into(),
            help: None,
        }
    }

    #[test]
    fn waits_grow_are_capped_and_jittered() {
        let p = Policy {
            backoff: Duration::from_millis(100),
            max_wait: Duration::from_millis(500),
            ..Policy::default()
        };
        for _ in 0..50 {
            let w0 = p.wait(0);
            assert!(w0 >= Duration::from_millis(50) && w0 <= Duration::from_millis(100));
            let w2 = p.wait(2);
            assert!(w2 >= Duration::from_millis(200) && w2 <= Duration::from_millis(400));
            assert!(p.wait(20) <= Duration::from_millis(500));
        }
    }

    #[test]
    fn only_idempotent_requests_are_repeated_after_being_sent() {
        assert!(transient(&unreachable(false), Repeat::Unsent));
        assert!(!transient(&unreachable(true), Repeat::Unsent));
        assert!(transient(&unreachable(true), Repeat::Idempotent));
        assert!(!transient(&status(503), Repeat::Unsent));
        for s in [502, 503, 504, 429] {
            assert!(transient(&status(s), Repeat::Idempotent), "{s}");
        }
        for s in [400, 401, 404, 409, 500] {
            assert!(!transient(&status(s), Repeat::Idempotent), "{s}");
        }
    }

    #[test]
    fn the_final_error_counts_the_attempts() {
        let p = Policy {
            retries: 2,
            backoff: Duration::from_millis(1),
            ..Policy::default()
        };
        let log = Retries::default();
        let mut calls = 0;
        let r: Result<(), _> = run(&p, Repeat::Idempotent, &log, || {
            calls += 1;
            Err(status(502))
        });
        assert_eq!(calls, 3);
        let e = r.unwrap_err().to_string();
        assert!(e.contains("after 3 attempts"), "{e}");
        assert_eq!(log.snapshot().count, 2);
        let mut calls = 0;
        let r = run(&p, Repeat::Idempotent, &log, || {
            calls += 1;
            if calls < 2 { Err(status(503)) } else { Ok(7) }
        });
        assert_eq!(r.unwrap(), 7);
        // A fault that is not transient is not retried.
        let mut calls = 0;
        let r: Result<(), _> = run(&p, Repeat::Idempotent, &log, || {
            calls += 1;
            Err(status(400))
        });
        assert_eq!(calls, 1);
        assert!(!r.unwrap_err().to_string().contains("attempts"));
    }

    #[test]
    fn the_deadline_stops_retrying() {
        let p = Policy {
            retries: 10,
            backoff: Duration::from_secs(60),
            max_wait: Duration::from_secs(60),
            deadline: Duration::from_secs(1),
        };
        let mut calls = 0;
        let r: Result<(), _> = run(&p, Repeat::Idempotent, &Retries::default(), || {
            calls += 1;
            Err(status(502))
        });
        assert_eq!(calls, 1, "a wait past the deadline is not taken");
        assert!(r.unwrap_err().to_string().contains("after 1 attempt"));
    }
}
