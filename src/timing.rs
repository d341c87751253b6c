//! Phase timings for profiling: `T2A_TIMINGS=1` prints each phase's wall time to
//! stderr. Off by default; it never changes what a command does.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("T2A_TIMINGS").is_some_and(|v| v != "0"))
}

/// Run `f`, printing how long it took when timings are on.
pub fn phase<T>(name: &str, f: impl FnOnce() -> T) -> T {
    if !enabled() {
        return f();
    }
    let start = Instant::now();
    let out = f();
    eprintln!(
        "t2a timing: {name}: {:.1} ms",
        start.elapsed().as_secs_f64() * 1000.0
    );
    out
}
