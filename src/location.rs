//! Where one side of a job comes from: a DHIS2 base URL or a metadata JSON file.

use std::fmt;
use std::path::{Path, PathBuf};

use url::Url;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A DHIS2 base URL (the part before `/api`), without a trailing slash.
    Url(Url),
    File(PathBuf),
}

impl Location {
    /// Parse what a user wrote. Anything starting with `http://` or `https://` is a URL;
    /// everything else is a file path, relative to `base_dir` when given (config files
    /// resolve paths from their own folder).
    pub fn parse(text: &str, base_dir: Option<&Path>) -> Result<Self, String> {
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            parse_url(text).map(Location::Url)
        } else if lower.contains("://") {
            Err(format!(
                "`{text}` is neither an http(s) URL nor a file path; DHIS2 is reached over http:// or https://"
            ))
        } else if text.trim().is_empty() {
            Err("empty location; give a DHIS2 base URL or a metadata JSON file".into())
        } else {
            let p = PathBuf::from(text);
            Ok(Location::File(match base_dir {
                Some(dir) if p.is_relative() => dir.join(p),
                _ => p,
            }))
        }
    }

    /// As `parse`, for a location typed on the command line: a bare host name that is
    /// no file here (`hmis.example.org`, `localhost:8080/dhis`) is read as a URL, and the
    /// note says so.
    pub fn parse_flag(text: &str) -> Result<(Self, Option<String>), String> {
        if let Some(url) = bare_host(text).filter(|_| !Path::new(text).exists()) {
            let note = format!("`{text}` is no file here: reading it as {url}");
            return Ok((Location::Url(parse_url(&url)?), Some(note)));
        }
        Self::parse(text, None).map(|l| (l, None))
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Location::Url(_) => "url",
            Location::File(_) => "file",
        }
    }
}

/// `https://` + a text that looks like a host name with an optional port and path
/// (`http://` for localhost), not like a file (`tracker.json`).
fn bare_host(text: &str) -> Option<String> {
    let (host_port, path) = text.split_once('/').unwrap_or((text, ""));
    let host = host_port.split(':').next().unwrap_or("");
    let port_ok = host_port
        .split_once(':')
        .is_none_or(|(_, p)| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    let labels: Vec<&str> = host.split('.').collect();
    let label_ok =
        |l: &&str| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let localhost = host.eq_ignore_ascii_case("localhost");
    let named = labels.len() >= 2
        && labels.iter().all(label_ok)
        && labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_alphabetic()));
    let file_like = text.to_ascii_lowercase().ends_with(".json");
    if !(localhost || named) || !port_ok || file_like || text.contains('\\') {
        return None;
    }
    let scheme = if localhost { "http" } else { "https" };
    Some(if path.is_empty() {
        format!("{scheme}://{host_port}")
    } else {
        format!("{scheme}://{host_port}/{path}")
    })
}

fn parse_url(text: &str) -> Result<Url, String> {
    let mut url = Url::parse(text).map_err(|e| format!("`{text}` is not a valid URL: {e}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "the URL carries credentials; credentials never go on the command line or into the config: \
             set T2A_SOURCE_TOKEN (or _USERNAME and _PASSWORD), likewise T2A_TARGET_*"
                .into(),
        );
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "`{text}` has a query or fragment; give the DHIS2 base URL only"
        ));
    }
    let path = url.path().trim_end_matches('/').to_string();
    if path.ends_with("/api") || path.contains("/api/") {
        return Err(format!(
            "`{text}` points into the API; give the base URL, the part before `/api` (e.g. https://dhis2.example.org)"
        ));
    }
    url.set_path(&path);
    Ok(url)
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Url(u) => f.write_str(u.as_str().trim_end_matches('/')),
            Location::File(p) => write!(f, "{}", p.display()),
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_bare_host_name_on_the_command_line_is_read_as_a_url() {
        let url = |t: &str| match Location::parse_flag(t) {
            Ok((Location::Url(u), Some(_))) => Some(u.to_string()),
            _ => None,
        };
        assert_eq!(
            url("hmis.example.org").as_deref(),
            Some("https://hmis.example.org/")
        );
        assert_eq!(
            url("hmis.example.org/dhis").as_deref(),
            Some("https://hmis.example.org/dhis")
        );
        assert_eq!(
            url("localhost:8080").as_deref(),
            Some("http://localhost:8080/")
        );
        for file in [
            "tracker.json",
            "exports/hmis.json",
            "snapshot",
            "a.b.json",
            "dir\\x.org",
        ] {
            assert_eq!(url(file), None, "{file}");
        }
    }

    use super::*;

    #[test]
    fn urls_and_files() {
        assert_eq!(
            Location::parse("https://hmis.example.org/", None)
                .unwrap()
                .to_string(),
            "https://hmis.example.org"
        );
        assert_eq!(
            Location::parse("https://x.org/dhis/", None)
                .unwrap()
                .to_string(),
            "https://x.org/dhis"
        );
        assert_eq!(
            Location::parse("meta.json", Some(Path::new("/jobs"))).unwrap(),
            Location::File(PathBuf::from("/jobs/meta.json"))
        );
        assert!(
            Location::parse("https://admin:district@x.org", None)
                .unwrap_err()
                .contains("credentials")
        );
        assert!(
            Location::parse("https://x.org/api", None)
                .unwrap_err()
                .contains("before `/api`")
        );
        assert!(Location::parse("ftp://x.org", None).is_err());
    }
}
