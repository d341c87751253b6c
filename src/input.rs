//! Loading one side of a job, from a file or a live instance, into `Metadata`.

use serde::Serialize;

use crate::config::EndpointConfig;
use crate::dhis2::metadata::{Needs, fetch_metadata};
use crate::dhis2::{AuthVars, Client, ClientOptions, Side};
use crate::error::Error;
use crate::location::Location;
use crate::model::{Metadata, load_metadata_file};

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
    let vars = AuthVars::for_side(side, Some(endpoint));
    let auth = vars.read(|k| std::env::var(k).ok()).map_err(|e| {
        Error::usage(
            format!("incomplete credentials for the {}: {e}", side.name()),
            Some(vars.hint()),
        )
    })?;
    Ok(Client::new(url.clone(), auth, vars.hint(), opts)?)
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
        o.retries = v as u32;
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
