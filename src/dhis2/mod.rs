//! Talking to DHIS2 instances: client (auth, retries, errors), version, metadata.

pub mod auth;
pub mod client;
pub mod error;
mod limit;
pub mod metadata;
pub mod pool;
pub mod version;

pub use auth::{Auth, AuthVars, Secret, Side};
pub use client::{Client, ClientOptions};
pub use error::RemoteError;
pub use version::Version;
