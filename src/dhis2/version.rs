//! DHIS2 versions as `/api/system/info` and packages write them.

use std::fmt;

/// `2.<minor>.<patch>[.<hotfix>][-<suffix>]`; only minor and patch matter for behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Version {
            major,
            minor,
            patch,
        }
    }

    pub fn parse(s: &str) -> Option<Version> {
        let core = s.trim().split(['-', ' ']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u32>());
        let major = parts.next()?.ok()?;
        let minor = parts.next()?.ok()?;
        let patch = match parts.next() {
            Some(p) => p.ok()?,
            None => 0,
        };
        Some(Version {
            major,
            minor,
            patch,
        })
    }

    /// At least `2.<minor>`.
    pub fn at_least(self, minor: u32) -> bool {
        self.major > 2 || (self.major == 2 && self.minor >= minor)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_release_and_snapshot_versions() {
        assert_eq!(Version::parse("2.36.0"), Some(Version::new(2, 36, 0)));
        assert_eq!(Version::parse("2.39.1.1"), Some(Version::new(2, 39, 1)));
        assert_eq!(
            Version::parse("2.41.10-SNAPSHOT"),
            Some(Version::new(2, 41, 10))
        );
        assert_eq!(Version::parse("2.38"), Some(Version::new(2, 38, 0)));
        assert_eq!(Version::parse("dev"), None);
        assert!(Version::new(2, 41, 0).at_least(41));
        assert!(!Version::new(2, 40, 9).at_least(41));
    }
}
