//! Credentials: read from environment variables, never from the command line or the
//! config, and never printed.

use std::fmt;

use crate::config::EndpointConfig;

/// A secret string whose `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// Personal access token (`Authorization: ApiToken …`, DHIS2 2.37+).
    Token(Secret),
    Basic {
        username: String,
        password: Secret,
    },
    None,
}

/// Which side of the job credentials are for; names the default variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Source,
    Target,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Side::Source => "source",
            Side::Target => "target",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Side::Source => "T2A_SOURCE",
            Side::Target => "T2A_TARGET",
        }
    }
}

/// The variable names a side reads, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthVars {
    pub token: String,
    pub username: String,
    pub password: String,
}

impl AuthVars {
    pub fn for_side(side: Side, cfg: Option<&EndpointConfig>) -> Self {
        let p = side.prefix();
        AuthVars {
            token: cfg
                .and_then(|c| c.token_env.clone())
                .unwrap_or_else(|| format!("{p}_TOKEN")),
            username: cfg
                .and_then(|c| c.username_env.clone())
                .unwrap_or_else(|| format!("{p}_USERNAME")),
            password: cfg
                .and_then(|c| c.password_env.clone())
                .unwrap_or_else(|| format!("{p}_PASSWORD")),
        }
    }

    /// How to set credentials, for help texts.
    pub fn hint(&self) -> String {
        format!(
            "set {} to a personal access token (DHIS2 2.37+), or {} and {}",
            self.token, self.username, self.password
        )
    }

    /// Read the credentials through `get` (the process environment in practice).
    pub fn read(&self, get: impl Fn(&str) -> Option<String>) -> Result<Auth, String> {
        let non_empty = |k: &str| get(k).filter(|v| !v.is_empty());
        if let Some(token) = non_empty(&self.token) {
            return Ok(Auth::Token(Secret::new(token.trim().to_string())));
        }
        match (non_empty(&self.username), non_empty(&self.password)) {
            (Some(username), Some(password)) => Ok(Auth::Basic {
                username,
                password: Secret::new(password),
            }),
            (Some(_), None) => Err(format!(
                "{} is set but {} is not",
                self.username, self.password
            )),
            (None, Some(_)) => Err(format!(
                "{} is set but {} is not",
                self.password, self.username
            )),
            (None, None) => Ok(Auth::None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn token_wins_and_is_redacted() {
        let vars = AuthVars::for_side(Side::Source, None);
        let auth = vars
            .read(env(&[
                ("T2A_SOURCE_TOKEN", "d2p_secret"),
                ("T2A_SOURCE_USERNAME", "admin"),
            ]))
            .unwrap();
        assert_eq!(auth, Auth::Token(Secret::new("d2p_secret")));
        assert!(!format!("{auth:?}").contains("d2p_secret"));
    }

    #[test]
    fn basic_needs_both_parts() {
        let vars = AuthVars::for_side(Side::Target, None);
        let auth = vars
            .read(env(&[
                ("T2A_TARGET_USERNAME", "admin"),
                ("T2A_TARGET_PASSWORD", "district"),
            ]))
            .unwrap();
        assert!(matches!(auth, Auth::Basic { ref username, .. } if username == "admin"));
        assert!(!format!("{auth:?}").contains("district"));
        assert!(vars.read(env(&[("T2A_TARGET_USERNAME", "admin")])).is_err());
        assert_eq!(vars.read(env(&[])).unwrap(), Auth::None);
    }

    #[test]
    fn config_names_other_variables() {
        let mut cfg = EndpointConfig::at(crate::location::Location::File("x".into()));
        cfg.token_env = Some("HMIS_PAT".into());
        let vars = AuthVars::for_side(Side::Target, Some(&cfg));
        assert_eq!(vars.token, "HMIS_PAT");
        assert_eq!(vars.username, "T2A_TARGET_USERNAME");
    }
}
