//! What the client spends on the values of a sync: reading the analytics export,
//! verifying every value, reconciling with the stored values and building the import
//! payloads, through the same code as `t2a sync` (export, buckets, journal), with the
//! servers replaced by files: responses are read from disk as they would arrive.
//!
//! Run: `cargo run --release --example sync_bench [-- VALUES]` (default 100000). The
//! fixture (metadata, export bodies, stored values) is written once by a child process
//! into `target/sync-bench-VALUES/`, so the peak RSS printed is the client's alone.

use std::collections::hash_map::DefaultHasher;
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rustc_hash::FxHashMap;

use t2a::catalog::Catalog;
use t2a::config::{Config, Spanned};
use t2a::dhis2::RemoteError;
use t2a::dhis2::data::{ExportQuery, ImportOptions, Payload, ReadQuery};
use t2a::dhis2::import::ImportSummary;
use t2a::job::Job;
use t2a::model::load_metadata_file;
use t2a::period::PeriodType;
use t2a::sync::export::Source;
use t2a::sync::import::Importer;
use t2a::sync::log::Log;
use t2a::sync::lookups::Lookups;
use t2a::sync::reconcile::Store;
use t2a::sync::transfer::{Collected, bucket_count, export_requests};
use t2a::sync::{import, plan};

const PIS: usize = 50;

fn uid(prefix: char, i: usize) -> String {
    format!("{prefix}{i:010}")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--generate") {
        let dir = PathBuf::from(&args[2]);
        return generate(&dir, args[3].parse()?);
    }
    let values: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let dir = PathBuf::from(format!("target/sync-bench-{values}"));
    if !dir.join("done").exists() {
        let status = std::process::Command::new(&args[0])
            .args([
                "--generate",
                &dir.display().to_string(),
                &values.to_string(),
            ])
            .status()?;
        if !status.success() {
            return Err("generating the fixture failed".into());
        }
    }
    run(&dir, values)
}

fn config() -> Config {
    let mut config = Config::default();
    config.sync.period_type = Some(Spanned::new(PeriodType::Monthly, 0..0));
    config
}

fn request() -> plan::Request<'static> {
    plan::Request {
        periods: &[],
        period_type: Some(PeriodType::Monthly),
        lookback: 1,
        include_current: false,
        as_of: jiff::civil::date(2024, 2, 15),
        excluded: &[],
    }
}

/// The file an export query's body is kept in.
fn body_name(q: &ExportQuery) -> String {
    let mut h = DefaultHasher::new();
    format!("{:?}", q.params(None)).hash(&mut h);
    format!("{:016x}.json", h.finish())
}

struct Fixture {
    ous: usize,
}

impl Fixture {
    /// Global index of a value: org unit × PI.
    fn value(i: usize) -> usize {
        i % 97
    }

    /// One in a hundred keys is stored but no longer exported (stale).
    fn exported(i: usize) -> bool {
        i % 100 != 3
    }

    /// Four in five keys are stored; one in ten of them with another value.
    fn stored(i: usize) -> Option<String> {
        (!i.is_multiple_of(5)).then(|| {
            if i % 10 == 1 {
                "1000".into()
            } else {
                Fixture::value(i).to_string()
            }
        })
    }
}

fn generate(dir: &Path, values: usize) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir.join("export"))?;
    let f = Fixture {
        ous: values.div_ceil(PIS),
    };
    let ou_ids: Vec<String> = (0..f.ous).map(|i| uid('o', i)).collect();
    let refs = |ids: &[String]| {
        ids.iter()
            .map(|o| format!(r#"{{"id":"{o}"}}"#))
            .collect::<Vec<_>>()
            .join(",")
    };
    let units = ou_ids
        .iter()
        .map(|o| format!(r#"{{"id":"{o}","name":"{o}","level":1,"path":"/{o}"}}"#))
        .collect::<Vec<_>>()
        .join(",");
    let pis = (0..PIS)
        .map(|i| {
            format!(
                r#"{{"id":"{}","name":"PI {i}","program":{{"id":"prBench0001"}},"aggregateExportCategoryOptionCombo":"{}","attributeValues":[{{"attribute":{{"id":"attrDeAgg01"}},"value":"DE_{}"}}]}}"#,
                uid('p', i),
                if i.is_multiple_of(2) { "MALE" } else { "FEMALE" },
                i / 2
            )
        })
        .collect::<Vec<_>>()
        .join(",");
    std::fs::write(
        dir.join("source.json"),
        format!(
            r#"{{"attributes":[{{"id":"attrDeAgg01","code":"DATA_ELEMENT_AGG","name":"Data element for aggregate data export","valueType":"TEXT","programIndicatorAttribute":true}}],
"programs":[{{"id":"prBench0001","name":"Bench","organisationUnits":[{}]}}],"programIndicators":[{pis}],"organisationUnits":[{units}]}}"#,
            refs(&ou_ids)
        ),
    )?;
    let des = PIS / 2;
    let de_list = (0..des)
        .map(|i| format!(r#"{{"id":"{}","code":"DE_{i}","name":"DE {i}","valueType":"INTEGER_ZERO_OR_POSITIVE","domainType":"AGGREGATE","categoryCombo":{{"id":"ccSex000001"}}}}"#, uid('d', i)))
        .collect::<Vec<_>>()
        .join(",");
    let dse = (0..des)
        .map(|i| format!(r#"{{"dataElement":{{"id":"{}"}}}}"#, uid('d', i)))
        .collect::<Vec<_>>()
        .join(",");
    std::fs::write(
        dir.join("target.json"),
        format!(
            r#"{{"categoryCombos":[{{"id":"ccDefault01","name":"default"}},{{"id":"ccSex000001","name":"Sex"}}],
"categoryOptionCombos":[{{"id":"cocDefault1","name":"default","categoryCombo":{{"id":"ccDefault01"}}}},{{"id":"cocMale0001","name":"Male","code":"MALE","categoryCombo":{{"id":"ccSex000001"}}}},{{"id":"cocFemale01","name":"Female","code":"FEMALE","categoryCombo":{{"id":"ccSex000001"}}}}],
"dataElements":[{de_list}],
"dataSets":[{{"id":"dsBench0001","name":"Bench monthly","periodType":"Monthly","categoryCombo":{{"id":"ccDefault01"}},"dataSetElements":[{dse}],"organisationUnits":[{}]}}],
"organisationUnits":[{units}]}}"#,
            refs(&ou_ids)
        ),
    )?;

    // The export bodies, as analytics writes them ("12.0" for PIs without decimals: 0).
    let (src, tgt, config) = load(dir)?;
    let cx = Job::build(&src, &tgt, &config);
    let p = plan::plan(&cx, &request());
    let ou_index: FxHashMap<&str, usize> = ou_ids
        .iter()
        .enumerate()
        .map(|(i, o)| (o.as_str(), i))
        .collect();
    for r in export_requests(&cx, &p, &mut Log::silent()).iter {
        let mut out = BufWriter::new(File::create(dir.join("export").join(body_name(&r.query)))?);
        out.write_all(b"{\"dataValues\":[")?;
        let mut first = true;
        for ou in &r.query.ou {
            for pi in &r.query.dx {
                let p: usize = pi[1..].parse()?;
                let i = ou_index[ou.as_str()] * PIS + p;
                if !Fixture::exported(i) {
                    continue;
                }
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                write!(
                    out,
                    r#"{{"dataElement":"DE_{}","period":"202401","orgUnit":"{ou}","categoryOptionCombo":"{}","value":"{}.0","comment":"[aggregated]","created":"2024-02-03","lastUpdated":"2024-02-03","followup":false}}"#,
                    p / 2,
                    if p.is_multiple_of(2) {
                        "MALE"
                    } else {
                        "FEMALE"
                    },
                    Fixture::value(i)
                )?;
            }
        }
        out.write_all(b"]}")?;
        out.flush()?;
    }

    // Stored values: one fragment of rows per org unit, and where each starts.
    let mut out = BufWriter::new(File::create(dir.join("stored.json"))?);
    let mut index = Vec::new();
    let mut at = 0u64;
    for (o, ou) in ou_ids.iter().enumerate() {
        let mut text = String::new();
        for p in 0..PIS {
            let i = o * PIS + p;
            if let Some(v) = Fixture::stored(i) {
                if !text.is_empty() {
                    text.push(',');
                }
                text.push_str(&format!(
                    r#"{{"dataElement":"{}","period":"202401","orgUnit":"{ou}","categoryOptionCombo":"{}","attributeOptionCombo":"cocDefault1","value":"{v}","storedBy":"t2a","created":"2024-02-04T01:00:00.000+0000","lastUpdated":"2024-02-04T01:00:00.000+0000","followup":false}}"#,
                    uid('d', p / 2),
                    if p.is_multiple_of(2) { "cocMale0001" } else { "cocFemale01" },
                ));
            }
        }
        out.write_all(text.as_bytes())?;
        index.push((at, text.len() as u64));
        at += text.len() as u64;
    }
    out.flush()?;
    std::fs::write(dir.join("stored.idx"), serde_json::to_vec(&index)?)?;
    std::fs::write(dir.join("done"), "")?;
    println!(
        "fixture written to {} ({} org units × {PIS} PIs)",
        dir.display(),
        f.ous
    );
    Ok(())
}

fn load(dir: &Path) -> Result<(Catalog, Catalog, Config), Box<dyn std::error::Error>> {
    let src = Catalog::new(load_metadata_file(&dir.join("source.json"))?);
    let tgt = Catalog::new(load_metadata_file(&dir.join("target.json"))?);
    Ok((src, tgt, config()))
}

/// Analytics, answering from the bodies on disk.
struct Files(PathBuf);

impl Source for Files {
    fn export(&self, q: &ExportQuery) -> Result<(String, bytes::Bytes), RemoteError> {
        let path = self.0.join("export").join(body_name(q));
        let body = std::fs::read(&path).map_err(|e| RemoteError::BadResponse {
            url: path.display().to_string(),
            message: e.to_string(),
        })?;
        Ok((path.display().to_string(), body.into()))
    }

    fn concurrency(&self) -> usize {
        4
    }
}

/// The target's stored values, from the fragments on disk (where each org unit's
/// fragment starts and its length, by org unit number).
struct Stored {
    path: PathBuf,
    index: Vec<(u64, u64)>,
}

impl Store for Stored {
    fn read(&self, q: &ReadQuery) -> Result<(String, bytes::Bytes), RemoteError> {
        let failed = |e: std::io::Error| RemoteError::BadResponse {
            url: self.path.display().to_string(),
            message: e.to_string(),
        };
        let mut file = File::open(&self.path).map_err(failed)?;
        let size: u64 = q
            .org_units
            .iter()
            .filter_map(|ou| ou.get(1..).and_then(|n| n.parse::<usize>().ok()))
            .filter_map(|n| self.index.get(n))
            .map(|&(_, len)| len + 1)
            .sum();
        let mut body = Vec::with_capacity(size as usize + 32);
        body.extend_from_slice(b"{\"dataValues\":[");
        for ou in &q.org_units {
            let Some(&(at, len)) = ou
                .get(1..)
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| self.index.get(n))
            else {
                continue;
            };
            if len == 0 {
                continue;
            }
            if body.len() > 15 {
                body.push(b',');
            }
            file.seek(SeekFrom::Start(at)).map_err(failed)?;
            let start = body.len();
            body.resize(start + len as usize, 0);
            file.read_exact(&mut body[start..]).map_err(failed)?;
        }
        body.extend_from_slice(b"]}");
        Ok((self.path.display().to_string(), body.into()))
    }

    fn concurrency(&self) -> usize {
        4
    }
}

/// The import, up to the request: each chunk's payload is serialized and counted.
struct Payloads {
    bytes: std::sync::atomic::AtomicUsize,
}

impl Importer for Payloads {
    fn import(
        &self,
        payload: &Payload<'_>,
        _: &ImportOptions,
    ) -> Result<ImportSummary, RemoteError> {
        let body = serde_json::to_vec(payload).map_err(|e| RemoteError::BadResponse {
            url: "payload".into(),
            message: e.to_string(),
        })?;
        self.bytes
            .fetch_add(body.len(), std::sync::atomic::Ordering::Relaxed);
        let mut s = ImportSummary::default();
        s.import_count.imported = payload.data_values.len() as u64;
        Ok(s)
    }
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn run(dir: &Path, values: usize) -> Result<(), Box<dyn std::error::Error>> {
    let (src, tgt, config) = load(dir)?;
    let t0 = Instant::now();
    let cx = Job::build(&src, &tgt, &config);
    let findings = t2a::rules::run(&cx, &[]);
    if findings
        .iter()
        .any(|f| f.severity == t2a::diagnostic::Severity::Error)
    {
        return Err("the bench job must check clean".into());
    }
    let t_check = t0.elapsed();
    let p = plan::plan(&cx, &request());
    let lk = Lookups::new(&cx, &p);
    let store = Stored {
        path: dir.join("stored.json"),
        index: serde_json::from_slice(&std::fs::read(dir.join("stored.idx"))?)?,
    };
    let sink = Payloads {
        bytes: Default::default(),
    };

    let start = Instant::now();
    let requests = export_requests(&cx, &p, &mut Log::silent());
    let n_requests = requests.count;
    let buckets = bucket_count(&cx, &p);
    let mut collected = Collected::new(buckets)?;
    collected.export(&Files(dir.to_path_buf()), &cx, &lk, requests, &|| {})?;
    let t_export = start.elapsed();
    if !collected.verified.issues.is_empty() {
        let issues = std::mem::take(&mut collected.verified.issues).into_sorted();
        return Err(format!("verification failed: {issues:?}").into());
    }
    let mut changes = collected
        .reconcile(&cx, &lk, &p, Some(&store), None)?
        .map_err(|dups| format!("verification failed: {:?}", dups.into_sorted()))?;
    let t_reconcile = start.elapsed();
    let (out, failed) = import::run(
        &sink,
        &cx,
        &lk,
        &mut changes.journal,
        import::How {
            version: None,
            dry_run: false,
            chunk: 5000,
        },
        &mut |_| {},
    );
    if let Some(e) = failed {
        return Err(e.into());
    }
    let total = start.elapsed();

    let tally = changes.preview.tally;
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    println!(
        "values: {values} ({PIS} PIs × {} org units × 1 period), {n_requests} export requests, {buckets} buckets; check {:.0} ms",
        values.div_ceil(PIS),
        ms(t_check)
    );
    println!(
        "export + verify (read, parse, check each row, spill): {:.0} ms",
        ms(t_export)
    );
    println!(
        "reconcile (one value per key, stored values, {} new, {} changed, {} unchanged, {} stale): {:.0} ms",
        tally.new,
        tally.changed,
        tally.unchanged,
        tally.stale,
        ms(t_reconcile - t_export)
    );
    println!(
        "import payloads ({} requests, {:.1} MB):            {:.0} ms",
        out.requests,
        sink.bytes.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e6,
        ms(total - t_reconcile)
    );
    let secs = total.as_secs_f64();
    println!(
        "sync client: {values} values in {secs:.2} s ({:.0} values/s), peak RSS {:.0} MiB",
        values as f64 / secs,
        peak_rss_mib()
    );
    Ok(())
}
