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

    pub fn kind(&self) -> &'static str {
        match self {
            Location::Url(_) => "url",
            Location::File(_) => "file",
        }
    }
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
