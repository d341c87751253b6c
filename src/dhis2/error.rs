//! What can go wrong talking to a DHIS2 instance. Every variant names the URL (never a
//! credential) and says what to do; all of them exit with code 3.

use miette::Diagnostic;
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
pub enum RemoteError {
    #[error("cannot reach {url}: {reason}")]
    #[diagnostic(
        code(t2a::remote::unreachable),
        help("check the base URL (the part before /api), the network and that the server is up")
    )]
    Unreachable {
        url: String,
        reason: String,
        /// Whether the request may have reached the server (the fault came after the
        /// connection was made).
        sent: bool,
    },

    #[error("TLS failed at {url}: {reason}")]
    #[diagnostic(code(t2a::remote::tls))]
    Tls {
        url: String,
        reason: String,
        #[help]
        help: String,
    },

    #[error("{url} did not answer within {seconds} s{note}")]
    #[diagnostic(
        code(t2a::remote::timeout),
        help("the server is slow or overloaded; try again later or closer to the server")
    )]
    Timeout {
        url: String,
        seconds: u64,
        /// How many attempts it took, once retried.
        note: String,
    },

    #[error("authentication failed at {url}: {reason}")]
    #[diagnostic(code(t2a::remote::auth))]
    Auth {
        url: String,
        reason: String,
        #[help]
        help: String,
    },

    #[error("access denied at {url}: {message}")]
    #[diagnostic(
        code(t2a::remote::forbidden),
        help(
            "the user lacks the authority or sharing for this; ask an administrator for read access to the metadata"
        )
    )]
    Forbidden { url: String, message: String },

    #[error("no DHIS2 API at {url} (HTTP 404)")]
    #[diagnostic(
        code(t2a::remote::not_found),
        help(
            "give the DHIS2 base URL, the part before /api (e.g. https://dhis2.example.org or https://example.org/dhis)"
        )
    )]
    NotFound { url: String },

    #[error("{url} answered HTTP {status}: {message}")]
    #[diagnostic(code(t2a::remote::server))]
    Status {
        url: String,
        status: u16,
        message: String,
        #[help]
        help: Option<String>,
    },

    #[error("{url} did not answer like DHIS2: {message}")]
    #[diagnostic(
        code(t2a::remote::bad_response),
        help(
            "check that the URL is a DHIS2 instance (2.36 or later) and not a proxy or login page"
        )
    )]
    BadResponse { url: String, message: String },

    /// A stop was asked for (Ctrl-C, SIGTERM) before this request was sent.
    #[error("interrupted before {url} was asked")]
    #[diagnostic(code(t2a::interrupted))]
    Interrupted { url: String },
}

impl RemoteError {
    /// The URL asked.
    pub fn request_url(&self) -> &str {
        match self {
            RemoteError::Unreachable { url, .. }
            | RemoteError::Tls { url, .. }
            | RemoteError::Timeout { url, .. }
            | RemoteError::Auth { url, .. }
            | RemoteError::Forbidden { url, .. }
            | RemoteError::NotFound { url }
            | RemoteError::Status { url, .. }
            | RemoteError::BadResponse { url, .. }
            | RemoteError::Interrupted { url } => url,
        }
    }

    /// The error of the last of several attempts: says how many there were.
    pub fn after(mut self, attempts: u32, elapsed: std::time::Duration) -> Self {
        let note = format!(
            " (after {attempts} attempt{} in {:.1} s)",
            if attempts == 1 { "" } else { "s" },
            elapsed.as_secs_f64()
        );
        match &mut self {
            RemoteError::Unreachable { reason: m, .. }
            | RemoteError::Timeout { note: m, .. }
            | RemoteError::Status { message: m, .. }
            | RemoteError::BadResponse { message: m, .. } => m.push_str(&note),
            _ => {}
        }
        self
    }
}

/// The first bytes of a body, on one line, for an error message.
pub fn body_start(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(400)]);
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        return "an empty body".to_string();
    }
    let cut: String = line.chars().take(160).collect();
    let more = if cut.len() < line.len() || body.len() > 400 {
        "…"
    } else {
        ""
    };
    format!("the body starts `{cut}{more}`")
}
