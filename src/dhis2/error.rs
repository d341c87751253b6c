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
    Unreachable { url: String, reason: String },

    #[error("{url} did not answer within {seconds} s")]
    #[diagnostic(
        code(t2a::remote::timeout),
        help("the server is slow or overloaded; try again later or closer to the server")
    )]
    Timeout { url: String, seconds: u64 },

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
}
