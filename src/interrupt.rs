//! Ctrl-C and SIGTERM: the first asks the run to stop between requests (nothing is
//! cut off mid-import, and the run report is still written); a second stops at once.
//! Every request and every wait checks here first.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// The exit code of an interrupted run (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// Catch Ctrl-C and SIGTERM for the rest of the process. Failing to install (a handler
/// already set) leaves the default: the process ends at once.
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        if REQUESTED.swap(true, Ordering::SeqCst) {
            let _ = writeln!(
                std::io::stderr(),
                "t2a: interrupted again: stopping now, without a run report"
            );
            std::process::exit(i32::from(EXIT_INTERRUPTED));
        }
        let _ = writeln!(
            std::io::stderr(),
            "t2a: interrupted: stopping after the request in flight (press Ctrl-C again to stop at once)"
        );
    });
}

/// Whether a stop was asked for.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
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
