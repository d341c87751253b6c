//! Expression findings gate a sync only on mapped program indicators: `check` reports
//! every PI in scope, but a broken dashboard PI must not stop the HMIS transfer.

use serde_json::{Value, json};

use super::Env;
use crate::support::fake::Version;
use crate::support::repo;

fn tracker_with(pi: &str, expression: &str) -> Value {
    let text = std::fs::read(repo("tests/fixtures/sync/tracker.json")).expect("fixture");
    let mut doc: Value = serde_json::from_slice(&text).expect("fixture json");
    for p in doc["programIndicators"].as_array_mut().expect("pis") {
        if p["id"] == pi {
            p["expression"] = json!(expression);
        }
    }
    doc
}

#[test]
fn a_broken_unmapped_pi_is_reported_but_does_not_stop_the_sync() {
    let env = Env::with(Version::V241, |b| {
        b.metadata(tracker_with("piAvgAge001", "if (V{event_date}, 1, 0)"))
    });
    env.seed();
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.outcome(), "synced");
    let check = run.event("check").expect("check event");
    assert!(check["errors"].as_u64().unwrap_or(0) >= 1, "{check}");
    assert_eq!(env.target.stored(), env.expected());
}

#[test]
fn a_broken_mapped_pi_stops_the_sync_before_anything_is_written() {
    let env = Env::with(Version::V241, |b| {
        b.metadata(tracker_with("piDeaths001", "V{event_count} +"))
    });
    env.seed();
    let run = env.run(&["--yes"]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("T2A030") || format!("{:?}", run.events).contains("T2A030"));
    assert!(env.target.writes().is_empty());
}
