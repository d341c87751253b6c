//! Talking to DHIS2 instances: client (auth, retries, errors), version, metadata.

pub mod analytics;
pub mod auth;
pub mod client;
pub mod data;
pub mod error;
pub mod import;
mod limit;
pub mod metadata;
pub mod metadata_import;
pub mod pool;
pub mod retry;
pub mod rows;
pub mod version;

pub use auth::{Auth, AuthVars, Secret, Side};
pub use client::{Client, ClientOptions};
pub use error::RemoteError;
pub use retry::Repeat;
pub use version::Version;
