//! Checks over HTTP against the fake DHIS2: same report as from files, for every
//! version the fake plays; paging, fields, auth failures and transport errors.

use std::path::Path;

use serde_json::Value;

use crate::require_real;
use crate::support::fake::{self, Builder, FakeDhis2, Version};
use crate::support::{repo, t2a};

fn demo_pair(v: Version) -> (FakeDhis2, FakeDhis2) {
    let source = Builder::new(v)
        .metadata_file(&repo("snapshots/demo/tracker.json"))
        .start();
    let target = Builder::new(v)
        .context_path("/hmis")
        .metadata_file(&repo("snapshots/demo/hmis.json"))
        .start();
    (source, target)
}

/// A job config for two instances, with a small page size so that lists are paged.
fn write_job(dir: &Path, source: &str, target: &str, extra: &str) -> std::path::PathBuf {
    let job = dir.join("job.toml");
    let programs = "lR8acRYSi4M";
    std::fs::write(
        &job,
        format!(
            "[source]\nurl = \"{source}\"\npage_size = 3\nconcurrency = 3\n\
             [target]\nurl = \"{target}\"\ntoken_env = \"HMIS_PAT\"\npage_size = 2\n\
             [mapping]\nprograms = [\"{programs}\"]\n\
             [sync]\nperiod_type = \"Monthly\"\n{extra}"
        ),
    )
    .expect("write job");
    job
}

fn findings(report: &Value) -> (Value, Value) {
    (report["summary"].clone(), report["diagnostics"].clone())
}

fn run_json(cmd: &mut assert_cmd::Command) -> Value {
    let out = cmd.output().expect("run t2a");
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}); status {:?}\nstdout: {stdout}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn demo_over_http_matches_files_on_every_version() {
    // Version-aware rules differ by the version the fake plays; the transport does not.
    let version_aware = [
        "zero-not-stored=off".to_string(),
        "non-integer-export=off".to_string(),
    ];
    let (_, from_files) = crate::support::check_report_with(
        Some(Path::new("snapshots/demo/job.toml")),
        "snapshots/demo/tracker.json",
        None,
        &version_aware,
    );
    for v in Version::ALL {
        let (source, target) = demo_pair(v);
        let dir = tempfile::tempdir().expect("tempdir");
        let job = write_job(
            dir.path(),
            &source.url,
            &target.url,
            "[rules]\nzero-not-stored = \"off\"\nnon-integer-export = \"off\"\n",
        );
        let mut cmd = t2a();
        cmd.args(["check", "--format", "json", "--config"])
            .arg(&job);
        cmd.env("T2A_SOURCE_USERNAME", fake::USER)
            .env("T2A_SOURCE_PASSWORD", fake::PASSWORD);
        if v >= Version::V238 {
            cmd.env(
                "HMIS_PAT",
                if v >= Version::V241 {
                    fake::TOKEN_V2
                } else {
                    fake::TOKEN_V1
                },
            );
        } else {
            // 2.36 has no personal access tokens.
            cmd.env("T2A_TARGET_USERNAME", fake::USER)
                .env("T2A_TARGET_PASSWORD", fake::PASSWORD);
        }
        let over_http = run_json(&mut cmd);
        assert_eq!(findings(&over_http), findings(&from_files), "DHIS2 {v:?}");
        assert_eq!(over_http["source"]["kind"], "url");
        assert_eq!(over_http["target"]["dhis2_version"], v.version_string());

        // Lists were paged with narrow fields; nothing but GETs were sent.
        let requests = source.requests();
        let pis: Vec<_> = requests
            .iter()
            .filter(|r| r.path.ends_with("/api/programIndicators"))
            .collect();
        assert_eq!(pis.len(), 4, "12 PIs in pages of 3: {pis:?}");
        assert!(
            pis.iter()
                .all(|r| r.query.contains("fields=") && r.query.contains("pageSize=3"))
        );
        assert!(
            requests
                .iter()
                .chain(target.requests().iter())
                .all(|r| r.method == "GET")
        );
        assert!(
            target
                .requests()
                .iter()
                .all(|r| r.path.starts_with("/hmis/api/"))
        );
        // Aggregate data exchanges exist from 2.39: not asked of older servers.
        let asked_exchanges = requests
            .iter()
            .any(|r| r.path.ends_with("aggregateDataExchanges"));
        assert_eq!(asked_exchanges, v >= Version::V241, "{v:?}");
    }
}

#[test]
fn tb_pair_over_http_matches_files() {
    let real = require_real!();
    let trk = real.join("tb_cs_agg/TB_CS_TRK_COMPLETE_2.41.json");
    let agg = real.join("tb_cs_agg/TB_AGG_COMPLETE_2.41.json");
    // The fake reports its own patch version: the version-aware rules' words follow it.
    let version_aware = [
        "zero-not-stored=off".to_string(),
        "non-integer-export=off".to_string(),
    ];
    let (_, from_files) = crate::support::check_report_with(
        None,
        &trk.display().to_string(),
        Some(&agg.display().to_string()),
        &version_aware,
    );
    // The package leaves out the relationship type two of its PIs count; an instance
    // that runs them has it (a file that omits a collection says nothing about it).
    let source = Builder::new(Version::V241)
        .metadata_file(&trk)
        .metadata(serde_json::json!({"relationshipTypes": [{"id": "l0wf8ZWv9nX", "name": "Household member"}]}))
        .start();
    let target = Builder::new(Version::V241).metadata_file(&agg).start();
    let over_http = run_json(
        t2a()
            .args([
                "check",
                "--format",
                "json",
                "--source",
                &source.url,
                "--target",
                &target.url,
                "--rule",
                "zero-not-stored=off",
                "--rule",
                "non-integer-export=off",
            ])
            .env("T2A_SOURCE_TOKEN", fake::TOKEN_V2)
            .env("T2A_TARGET_TOKEN", fake::TOKEN_V2),
    );
    assert_eq!(findings(&over_http), findings(&from_files));
}

#[test]
fn one_instance_serves_both_sides() {
    let both = Builder::new(Version::V241)
        .metadata_file(&repo("snapshots/demo/tracker.json"))
        .metadata_file(&repo("snapshots/demo/hmis.json"))
        .start();
    let report = run_json(
        t2a()
            .args(["check", "--format", "json", "--source", &both.url])
            .env("T2A_SOURCE_TOKEN", fake::TOKEN_V2),
    );
    assert_eq!(report["summary"]["mappings"], 11);
    assert_eq!(report["source"], report["target"]);
    // One instance is read once.
    let info = both
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/system/info"))
        .count();
    assert_eq!(info, 1);
}

fn stderr_of(cmd: &mut assert_cmd::Command, code: i32) -> String {
    let out = cmd.assert().code(code);
    let o = out.get_output();
    assert!(
        o.stdout.is_empty(),
        "nothing on stdout: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn missing_credentials_are_an_auth_failure_not_a_parse_error() {
    for v in Version::ALL {
        let (source, _target) = demo_pair(v);
        let err = stderr_of(t2a().args(["check", "--source", &source.url]), 3);
        assert!(err.contains("authentication failed"), "{v:?}: {err}");
        assert!(err.contains("redirected"), "{v:?}: {err}");
        assert!(err.contains("T2A_SOURCE_TOKEN"), "{v:?}: {err}");
        assert!(
            err.contains(&format!("{}/api/system/info", source.url)),
            "{err}"
        );
    }
}

#[test]
fn refused_credentials_exit_3_and_never_show_the_secret() {
    let (source, _t) = demo_pair(Version::V241);
    let err = stderr_of(
        t2a()
            .args(["check", "--source", &source.url])
            .env("T2A_SOURCE_USERNAME", "admin")
            .env("T2A_SOURCE_PASSWORD", "s3cret-Passw0rd"),
        3,
    );
    assert!(
        err.contains("refused the credentials") && err.contains("user `admin`"),
        "{err}"
    );
    assert!(!err.contains("s3cret-Passw0rd"), "{err}");

    let unknown = "d2p_0000000000000000000000000000000000000000000";
    let err = stderr_of(
        t2a()
            .args(["check", "--source", &source.url])
            .env("T2A_SOURCE_TOKEN", unknown),
        3,
    );
    assert!(err.contains("The API token does not exists"), "{err}");
    assert!(!err.contains(unknown), "{err}");
}

#[test]
fn tokens_on_2_36_get_the_login_page_and_a_hint() {
    let (source, _t) = demo_pair(Version::V236);
    let err = stderr_of(
        t2a()
            .args(["check", "--source", &source.url])
            .env("T2A_SOURCE_TOKEN", fake::TOKEN_V1),
        3,
    );
    assert!(
        err.contains("personal access token was not accepted"),
        "{err}"
    );
    assert!(err.contains("2.37"), "{err}");
}

#[test]
fn a_login_page_served_with_200_is_an_auth_failure() {
    let (source, _t) = demo_pair(Version::V241);
    let proxy_login = format!("{}/dhis-web-login", source.url);
    let err = stderr_of(
        t2a()
            .args(["check", "--source", &proxy_login])
            .env("T2A_SOURCE_TOKEN", fake::TOKEN_V2),
        3,
    );
    assert!(
        err.contains("authentication failed") && err.contains("HTML page"),
        "{err}"
    );
}

#[test]
fn wrong_base_url_and_unreachable_host_exit_3() {
    let (source, _t) = demo_pair(Version::V241);
    let err = stderr_of(
        t2a()
            .args(["check", "--source", &format!("{}/dhis", source.url)])
            .env("T2A_SOURCE_TOKEN", fake::TOKEN_V2),
        3,
    );
    assert!(
        err.contains("no DHIS2 API at") && err.contains("part before /api"),
        "{err}"
    );

    // A port nothing listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let dir = tempfile::tempdir().expect("tempdir");
    let job = dir.path().join("job.toml");
    std::fs::write(
        &job,
        format!("[source]\nurl = \"http://127.0.0.1:{port}\"\nretries = 0\n"),
    )
    .expect("job");
    let err = stderr_of(t2a().args(["check", "--config"]).arg(&job), 3);
    assert!(
        err.contains(&format!(
            "cannot reach http://127.0.0.1:{port}/api/system/info"
        )),
        "{err}"
    );
}

#[test]
fn snapshot_of_an_instance_checks_like_the_instance() {
    let (source, target) = demo_pair(Version::V238);
    let dir = tempfile::tempdir().expect("tempdir");
    let snap_src = dir.path().join("tracker.json");
    let snap_tgt = dir.path().join("hmis.json");
    t2a()
        .args(["snapshot", "--instance", &source.url, "--out"])
        .arg(&snap_src)
        .env("T2A_SOURCE_TOKEN", fake::TOKEN_V1)
        .assert()
        .success();
    t2a()
        .args([
            "snapshot",
            "--side",
            "target",
            "--instance",
            &target.url,
            "--out",
        ])
        .arg(&snap_tgt)
        .env("T2A_TARGET_TOKEN", fake::TOKEN_V1)
        .assert()
        .success();
    let snapshot: Value =
        serde_json::from_str(&crate::support::read(&snap_tgt)).expect("snapshot JSON");
    assert_eq!(snapshot["system"]["version"], "2.38.1");
    // Sorted by id so that two snapshots diff cleanly.
    let ids: Vec<&str> = snapshot["dataElements"]
        .as_array()
        .expect("dataElements")
        .iter()
        .map(|d| d["id"].as_str().unwrap_or(""))
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted);

    // The snapshot records the fake's version; version-aware rules follow it.
    let version_aware = [
        "zero-not-stored=off".to_string(),
        "non-integer-export=off".to_string(),
    ];
    let (_, from_snapshots) = crate::support::check_report_with(
        Some(Path::new("snapshots/demo/job.toml")),
        &snap_src.display().to_string(),
        Some(&snap_tgt.display().to_string()),
        &version_aware,
    );
    let (_, from_files) = crate::support::check_report_with(
        Some(Path::new("snapshots/demo/job.toml")),
        "snapshots/demo/tracker.json",
        None,
        &version_aware,
    );
    assert_eq!(findings(&from_snapshots), findings(&from_files));
}

/// Over HTTP there is no file: each finding names the API resource of its object.
#[test]
fn over_http_findings_name_the_api_resource_of_their_object() {
    let (source, target) = demo_pair(Version::V241);
    let dir = tempfile::tempdir().expect("tempdir");
    let job = write_job(dir.path(), &source.url, &target.url, "");
    let out = t2a()
        .args(["check", "--format", "concise", "--config"])
        .arg(&job)
        .env("T2A_SOURCE_TOKEN", fake::TOKEN_V2)
        .env("HMIS_PAT", fake::TOKEN_V2)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or("");
    assert!(
        first.starts_with(&format!("{}/api/programIndicators/", source.url)),
        "{text}"
    );
    let unknown_ou = text.lines().find(|l| l.contains("T2A012")).unwrap_or("");
    // An unknown org unit is the source's: the target lacks it.
    assert!(
        unknown_ou.starts_with(&format!("{}/api/organisationUnits/", source.url)),
        "{text}"
    );
    // The job's period type is a setting of the job config.
    let t2a010 = text.lines().find(|l| l.contains("T2A010")).unwrap_or("");
    assert!(t2a010.starts_with(&format!("{}:", job.display())), "{text}");
}
