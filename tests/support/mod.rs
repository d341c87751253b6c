//! Test support: the fake DHIS2 server, fixture paths, the CLI under test.
#![allow(dead_code)]

pub mod fake;
pub mod godata;

use std::path::{Path, PathBuf};

/// The crate root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under the crate root.
pub fn repo(rel: &str) -> PathBuf {
    root().join(rel)
}

/// The real DHIS2 packages of `../shared/fixtures/real`, absent in a user's fresh clone.
pub fn real_fixtures() -> Option<PathBuf> {
    let p = root().join("../shared/fixtures/real");
    p.is_dir().then_some(p)
}

/// Skip a test (with a notice) when the real fixtures are absent.
#[macro_export]
macro_rules! require_real {
    () => {
        match $crate::support::real_fixtures() {
            Some(p) => p,
            None => {
                // Straight to stderr: the test harness captures `eprintln!`.
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr(),
                    "notice: skipped {}: ../shared/fixtures/real is not present (fresh clone)",
                    module_path!()
                );
                return;
            }
        }
    };
}

/// The `t2a` binary with a clean environment: no credentials leak in from the caller.
pub fn t2a() -> assert_cmd::Command {
    assert_cmd::Command::from_std(t2a_process())
}

/// The same, as a process to start and watch (to signal it, say).
pub fn t2a_process() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_t2a"));
    for (k, _) in std::env::vars() {
        if k.starts_with("T2A_") {
            cmd.env_remove(k);
        }
    }
    cmd.env_remove("NO_COLOR")
        .env("COLUMNS", "1000")
        .current_dir(root());
    cmd
}

/// Run `t2a check --format json` in-process: the report text and its parse.
pub fn check_report(
    config: Option<&Path>,
    source: &str,
    target: Option<&str>,
) -> (String, serde_json::Value) {
    check_report_with(config, source, target, &[])
}

/// As `check_report`, with `--rule NAME=LEVEL` flags.
pub fn check_report_with(
    config: Option<&Path>,
    source: &str,
    target: Option<&str>,
    rules: &[String],
) -> (String, serde_json::Value) {
    let cfg = t2a::app::job_config(config, Some(source), target, rules).expect("config");
    let report = t2a::check::check(&cfg).expect("check");
    let text = t2a::report::render(&report, t2a::report::Format::Json, &Default::default());
    let value = serde_json::from_str(&text).expect("json report");
    (text, value)
}

/// The parsed JSON report of a check.
pub fn check_json(config: Option<&Path>, source: &str, target: Option<&str>) -> serde_json::Value {
    check_report(config, source, target).1
}

/// Read a file as text.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
