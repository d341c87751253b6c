//! Unattended runs meet faults: proxies answering 502/503/504 with HTML pages,
//! connections broken halfway through a body, bodies cut short, an import applied
//! whose answer is lost. Requests that may be repeated are; what outlasts the retries
//! ends the run with an error that names the URL, the status and the first bytes.

use super::Env;
use crate::support::fake::{FaultKind, Version};

#[test]
fn transient_faults_are_retried_and_the_values_land_exactly() {
    for v in [Version::V241, Version::V243] {
        let env = Env::new(v);
        env.seed();
        let (s, t) = (&env.source, &env.target);
        s.fault("GET", "programIndicators", FaultKind::Truncated, 1);
        s.fault("GET", "analytics/dataValueSet", FaultKind::Proxy(502), 2);
        s.fault("GET", "analytics/dataValueSet", FaultKind::CutOff, 1);
        t.fault("GET", "/api/dataValueSets", FaultKind::Truncated, 1);
        t.fault("GET", "/api/dataValueSets", FaultKind::Proxy(503), 1);
        t.fault("POST", "/api/dataValueSets", FaultKind::AppliedThenLost, 2);
        let run = env.run(&["--yes"]);
        assert_eq!(run.code, 0, "{v:?}: {}", run.stderr);
        assert_eq!(env.target.stored(), env.expected(), "{v:?}");
        let retries = run.event("retries").expect("retries are reported");
        assert_eq!(retries["source"]["count"], 4, "{retries}");
        assert_eq!(retries["target"]["count"], 4, "{retries}");
        let recent = retries["target"]["recent"].to_string();
        assert!(recent.contains("504"), "{recent}");
        // A second run finds the values in place.
        let again = env.run(&["--yes"]);
        assert_eq!(again.outcome(), "nothing-to-change", "{v:?}");
    }
}

#[test]
fn a_fault_that_outlasts_the_retries_names_url_status_and_body() {
    let env = Env::new(Version::V241);
    env.seed();
    env.job_with("retries = 2", "");
    env.target
        .fault("POST", "/api/dataValueSets", FaultKind::Proxy(502), 100);
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let end = run.event("end").expect("end");
    let error = end["error"].as_str().unwrap_or("");
    assert!(error.contains("/hmis/api/"), "the URL: {error}");
    assert!(error.contains("HTTP 502"), "the status: {error}");
    assert!(
        error.contains("<title>502 Bad Gateway</title>"),
        "the first bytes: {error}"
    );
    assert!(error.contains("after 3 attempts"), "{error}");
    assert!(env.target.stored().is_empty());
}

#[test]
fn a_message_is_never_sent_twice() {
    let env = Env::new(Version::V241);
    env.seed();
    env.job("notify = \"always\"\nnotify_users = [\"usrDataMgr1\"]");
    env.target.fault(
        "POST",
        "messageConversations",
        FaultKind::AppliedThenLost,
        1,
    );
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.event("notify").expect("notify")["sent"], false);
    assert_eq!(env.target.with_data(|d| d.messages.len()), 1);
}

#[test]
fn plain_http_to_a_remote_host_is_refused_before_anything_is_sent() {
    let env = Env::new(Version::V241);
    env.seed();
    let job = std::fs::read_to_string(&env.job).expect("job");
    let remote = job.replacen(&env.target.url, "http://hmis.example.org", 1);
    std::fs::write(&env.job, remote).expect("write job");
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let end = run.event("end").expect("end");
    let error = end["error"].as_str().unwrap_or("");
    assert!(error.contains("hmis.example.org"), "{error}");
    let help = end["help"].as_str().unwrap_or("");
    assert!(help.contains("--allow-insecure-http"), "{help}");
    assert!(env.source.requests().is_empty(), "nothing was asked");
}

#[test]
fn an_https_url_on_a_plain_http_server_says_so_at_once() {
    let env = Env::new(Version::V241);
    env.seed();
    let job = std::fs::read_to_string(&env.job).expect("job");
    let https = env.target.url.replacen("http://", "https://", 1);
    std::fs::write(&env.job, job.replacen(&env.target.url, &https, 1)).expect("write job");
    let run = env.run(&["--yes"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let end = run.event("end").expect("end");
    let error = end["error"].as_str().unwrap_or("");
    assert!(error.contains("TLS failed"), "{error}");
    let help = end["help"].as_str().unwrap_or("");
    assert!(help.contains("plain HTTP"), "{help}");
    assert!(
        help.contains(&env.target.url),
        "suggests the http URL: {help}"
    );
    assert_eq!(run.event("retries"), None, "not retried");
    assert!(env.target.stored().is_empty());
}
