//! Ctrl-C and SIGTERM: the first asks the run to stop between requests (nothing is
//! cut off mid-import, and the run report is still written); a second stops at once.
//! Every request, every wait and every import payload checks here first.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

static REQUESTED: AtomicBool = AtomicBool::new(false);
/// Set once the run is over, for the message that says how it ended.
static LAST_REQUESTS: AtomicBool = AtomicBool::new(false);

/// The exit code of an interrupted run (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// Catch Ctrl-C and SIGTERM for the rest of the process. The flag is set in the
/// signal handler itself, so a stop is seen by the very next check; a second signal
/// ends the process at once with 130 (what `signal-hook` calls a conditional
/// shutdown). Failing to install leaves the default: the process ends at once.
pub fn install() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    for sig in [SIGINT, SIGTERM] {
        let _ = signal_hook::flag::register_conditional_shutdown(
            sig,
            i32::from(EXIT_INTERRUPTED),
            &REQUESTED,
        );
        let _ = signal_hook::flag::register(sig, &REQUESTED);
    }
}

/// Whether a stop was asked for.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Whether a request may still go out: not after a stop, except the run's last ones.
pub fn may_send() -> bool {
    !requested() || LAST_REQUESTS.load(Ordering::SeqCst)
}

/// The run is over: its closing requests (the message) go out even after a stop.
pub fn allow_last_requests() {
    LAST_REQUESTS.store(true, Ordering::SeqCst);
}

/// Sleep for `d`, waking early when a stop is asked for; false when it was.
pub fn sleep(d: Duration) -> bool {
    let until = Instant::now() + d;
    loop {
        if requested() {
            return false;
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}
