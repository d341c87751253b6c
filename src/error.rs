//! The application's failures and their exit codes: 2 for bad usage, config or input;
//! 3 for a remote that failed. (1, findings at error level, is not a failure.)

use std::path::PathBuf;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

use crate::config::ConfigError;
use crate::dhis2::RemoteError;
use crate::model::LoadError;

#[derive(Debug, Error, Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Load(Box<LoadError>),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(Box<ConfigError>),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Remote(Box<RemoteError>),

    #[error(transparent)]
    #[diagnostic(transparent)]
    ConfigValue(Box<ConfigValueError>),

    #[error("{message}")]
    #[diagnostic(code(t2a::usage))]
    Usage {
        message: String,
        #[help]
        help: Option<String>,
    },

    #[error("cannot write `{}`: {error}", path.display())]
    #[diagnostic(
        code(t2a::output),
        help("check that the folder exists and is writable")
    )]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// A config value that is well-formed but wrong for the metadata read (a program that
/// is not in the source, …), pointing into the config file.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(t2a::config::mismatch))]
pub struct ConfigValueError {
    pub message: String,
    #[source_code]
    pub src: NamedSource<String>,
    #[label("{label}")]
    pub span: SourceSpan,
    pub label: String,
    #[help]
    pub help: String,
}

impl From<Box<LoadError>> for Error {
    fn from(e: Box<LoadError>) -> Self {
        Error::Load(e)
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(Box::new(e))
    }
}

impl From<RemoteError> for Error {
    fn from(e: RemoteError) -> Self {
        Error::Remote(Box::new(e))
    }
}

impl From<ConfigValueError> for Error {
    fn from(e: ConfigValueError) -> Self {
        Error::ConfigValue(Box::new(e))
    }
}

impl Error {
    pub fn usage(message: impl Into<String>, help: impl Into<Option<String>>) -> Self {
        Error::Usage {
            message: message.into(),
            help: help.into(),
        }
    }

    pub fn is_interrupted(&self) -> bool {
        matches!(self, Error::Remote(e) if matches!(**e, RemoteError::Interrupted { .. }))
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Remote(e) if matches!(**e, RemoteError::Interrupted { .. }) => {
                crate::interrupt::EXIT_INTERRUPTED
            }
            Error::Remote(_) => 3,
            _ => 2,
        }
    }
}
