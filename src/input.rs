//! Loading the sides of a job, from files or live instances: one side into `Metadata`,
//! a job's pair into indexed catalogs.

use serde::Serialize;

use crate::catalog::Catalog;
use crate::config::{Config, EndpointConfig};
use crate::dhis2::metadata::{Needs, fetch_metadata};
use crate::dhis2::{AuthVars, Client, ClientOptions, Side};
use crate::error::Error;
use crate::location::Location;
use crate::model::{Metadata, load_metadata_file};
use crate::timing;

/// Where a side came from, as the JSON report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SideInfo {
    pub kind: &'static str,
    pub location: String,
    pub dhis2_version: Option<String>,
}

#[derive(Debug)]
pub struct Loaded {
    pub metadata: Metadata,
    pub info: SideInfo,
    /// The instance's client and version, when the side is a URL.
    pub remote: Option<Remote>,
}

/// A live instance: its client and the version it reported.
#[derive(Debug)]
pub struct Remote {
    pub client: Client,
    pub version: Option<crate::dhis2::Version>,
}

/// A client for an instance, with credentials from the side's environment variables.
pub fn client_for(
    side: Side,
    endpoint: &EndpointConfig,
    opts: ClientOptions,
) -> Result<Client, Error> {
    let Location::Url(url) = &endpoint.location else {
        return Err(Error::usage(
            format!("the {} is a file, not an instance", side.name()),
            None,
        ));
    };
    refuse_insecure(side, url, endpoint.tuning.allow_insecure_http)?;
    let vars = AuthVars::for_side(side, Some(endpoint));
    let auth = vars.read(|k| std::env::var(k).ok()).map_err(|e| {
        Error::usage(
            format!("incomplete credentials for the {}: {e}", side.name()),
            Some(vars.hint()),
        )
    })?;
    Ok(Client::new(url.clone(), auth, vars.hint(), opts)?)
}

/// Plain `http://` is refused unless it stays on this machine or is allowed: the
/// credentials and the health data would cross the network unencrypted.
pub(crate) fn refuse_insecure(side: Side, url: &url::Url, allowed: bool) -> Result<(), Error> {
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    if url.scheme() != "http" || loopback || allowed {
        return Ok(());
    }
    Err(Error::usage(
        format!(
            "refusing plain http:// to {} (the {}): the credentials and the data would cross the network unencrypted",
            url.host_str().unwrap_or(""),
            side.name()
        ),
        Some(format!(
            "use https, or --allow-insecure-http (`allow_insecure_http = true` in [{}]) on a network you trust",
            side.name()
        )),
    ))
}

/// Client options from the endpoint's tuning.
pub fn options(endpoint: &EndpointConfig) -> ClientOptions {
    let mut o = ClientOptions::default();
    let t = endpoint.tuning;
    if let Some(v) = t.page_size {
        o.page_size = v as usize;
    }
    if let Some(v) = t.concurrency {
        o.concurrency = v as usize;
    }
    if let Some(v) = t.timeout {
        o.timeout = std::time::Duration::from_secs(v);
    }
    if let Some(v) = t.retries {
        o.retry.retries = v as u32;
    }
    if let Some(v) = t.retry_backoff {
        o.retry.backoff = v;
    }
    if let Some(v) = t.retry_deadline {
        o.retry.deadline = v;
    }
    o
}

/// Load one side. `needs` says which collections to read from an instance.
pub fn load(side: Side, endpoint: &EndpointConfig, needs: Needs) -> Result<Loaded, Error> {
    match &endpoint.location {
        Location::File(path) => {
            let metadata = load_metadata_file(path)?;
            let dhis2_version = metadata.dhis2_version().map(str::to_string);
            Ok(Loaded {
                metadata,
                info: SideInfo {
                    kind: "file",
                    location: path.display().to_string(),
                    dhis2_version,
                },
                remote: None,
            })
        }
        Location::Url(_) => {
            let client = client_for(side, endpoint, options(endpoint))?;
            let (system, version) = client.system_info()?;
            let mut metadata = fetch_metadata(&client, needs, version)?;
            let dhis2_version = system.version.clone();
            metadata.system = Some(system);
            Ok(Loaded {
                metadata,
                info: SideInfo {
                    kind: "url",
                    location: endpoint.location.to_string(),
                    dhis2_version,
                },
                remote: Some(Remote { client, version }),
            })
        }
    }
}

/// The source and target catalogs; `target` is `None` when one instance (or file) is
/// both.
pub struct Pair {
    pub source: Catalog,
    pub target: Option<Catalog>,
    pub report_sides: (SideInfo, SideInfo),
    pub source_remote: Option<Remote>,
    pub target_remote: Option<Remote>,
    /// A record job's source (the `source` catalog is then its stand-in).
    pub records: Option<crate::source::side::RecordSide>,
}

impl Pair {
    pub fn target(&self) -> &Catalog {
        self.target.as_ref().unwrap_or(&self.source)
    }

    /// The target's DHIS2 version: as the instance reported it, or as its file says.
    pub fn target_version(&self) -> Option<crate::dhis2::Version> {
        self.target_remote().and_then(|r| r.version).or_else(|| {
            self.report_sides
                .1
                .dhis2_version
                .as_deref()
                .and_then(crate::dhis2::Version::parse)
        })
    }

    /// The target instance (the source's when one instance is both).
    pub fn target_remote(&self) -> Option<&Remote> {
        if self.target.is_some() {
            self.target_remote.as_ref()
        } else {
            self.source_remote.as_ref()
        }
    }
}

/// Load source and target (concurrently when both are remote).
pub fn load_pair(config: &Config) -> Result<Pair, Error> {
    if config.records.is_some() {
        return load_record_pair(config);
    }
    let source = config.source.as_ref().ok_or_else(|| {
        Error::usage(
            "no source given",
            Some(
                "pass --source URL|FILE, or a config with a [source] section (--config job.toml, or a t2a.toml in this folder or a parent)"
                    .to_string(),
            ),
        )
    })?;
    let target = config
        .target
        .as_ref()
        .filter(|t| t.location != source.location);
    // Both sides are judged before either is asked anything.
    for (side, endpoint) in [(Side::Source, Some(source)), (Side::Target, target)] {
        if let Some(EndpointConfig {
            location: Location::Url(url),
            tuning,
            ..
        }) = endpoint
        {
            refuse_insecure(side, url, tuning.allow_insecure_http)?;
        }
    }
    match target {
        None => {
            let (catalog, info, remote) = load_indexed(Side::Source, source, Needs::BOTH)?;
            Ok(Pair {
                source: catalog,
                target: None,
                report_sides: (info.clone(), info),
                source_remote: remote,
                target_remote: None,
                records: None,
            })
        }
        Some(target) => {
            let ((source, s_info, source_remote), (target, t_info, target_remote)) =
                load_both(source, target)?;
            Ok(Pair {
                report_sides: (s_info, t_info),
                source,
                target: Some(target),
                source_remote,
                target_remote,
                records: None,
            })
        }
    }
}

/// A record job: the target, then the record source read and bound to it.
fn load_record_pair(config: &Config) -> Result<Pair, Error> {
    let target = config.target.as_ref().ok_or_else(|| {
        Error::usage(
            "a record job needs a target",
            Some("add `[target]` with the DHIS2 instance (`url`) or its metadata (`file`) the blocks write to, or pass --target".to_string()),
        )
    })?;
    if let Location::Url(url) = &target.location {
        refuse_insecure(Side::Target, url, target.tuning.allow_insecure_http)?;
    }
    let needs = Needs {
        source: false,
        target: true,
        categories: true,
    };
    let (target, t_info, target_remote) = load_indexed(Side::Target, target, needs)?;
    let (side, source) = timing::phase("load source", || {
        crate::source::side::RecordSide::load(config, &target)
    })?;
    Ok(Pair {
        report_sides: (side.info.clone(), t_info),
        source,
        target: Some(target),
        source_remote: None,
        target_remote,
        records: Some(side),
    })
}

/// One side, loaded and indexed.
type Indexed = (Catalog, SideInfo, Option<Remote>);

fn load_indexed(side: Side, endpoint: &EndpointConfig, needs: Needs) -> Result<Indexed, Error> {
    let name = side.name();
    let loaded = timing::phase(&format!("load {name}"), || load(side, endpoint, needs))?;
    let catalog = timing::phase(&format!("index {name}"), || Catalog::new(loaded.metadata));
    Ok((catalog, loaded.info, loaded.remote))
}

/// One instance or file read as a target is read (for `diff` and `--previous-target`).
pub fn load_target_side(endpoint: &EndpointConfig) -> Result<(Catalog, SideInfo), Error> {
    if let Location::Url(url) = &endpoint.location {
        refuse_insecure(Side::Target, url, endpoint.tuning.allow_insecure_http)?;
    }
    let needs = Needs {
        source: false,
        target: true,
        categories: false,
    };
    load_indexed(Side::Target, endpoint, needs).map(|(c, info, _)| (c, info))
}

/// Both sides at once: each is read and indexed on its own thread.
fn load_both(
    source: &EndpointConfig,
    target: &EndpointConfig,
) -> Result<(Indexed, Indexed), Error> {
    let src_needs = Needs {
        source: true,
        target: false,
        categories: false,
    };
    let tgt_needs = Needs {
        source: false,
        target: true,
        categories: false,
    };
    let (s, t) = std::thread::scope(|scope| {
        let t = scope.spawn(|| load_indexed(Side::Target, target, tgt_needs));
        let s = load_indexed(Side::Source, source, src_needs);
        let t = match t.join() {
            Ok(t) => t,
            Err(p) => std::panic::resume_unwind(p),
        };
        (s, t)
    });
    Ok((s?, t?))
}
