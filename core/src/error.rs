//! Errors: invalid input (with the attribute path) or an error raised by the evaluator.

use std::fmt;

use crate::diagnostic::{self, Diagnostic};
use crate::path::Path;

/// The evaluator raised an error while a value was forced or built. The host keeps the
/// original error and re-raises it unchanged once the core has returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Foreign(pub String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The input breaks the contract: `<path>: <message>`.
    Invalid { path: Path, message: String },
    /// The input is well-formed but breaks the contract in these places (at least one),
    /// sorted by path: every one found, shown together ([`diagnostic::render`]).
    Diagnostics(Vec<Diagnostic>),
    /// The evaluator raised an error.
    Foreign(Foreign),
}

impl Error {
    pub fn invalid(path: Path, message: impl Into<String>) -> Error {
        Error::Invalid { path, message: message.into() }
    }

    /// Whether the input was rejected (as opposed to the evaluator raising an error).
    pub fn is_invalid(&self) -> bool {
        !matches!(self, Error::Foreign(_))
    }

    /// The rejection as a list of diagnostics (one for [`Error::Invalid`]); the evaluator's
    /// error as it is.
    pub fn into_diagnostics(self) -> Result<Vec<Diagnostic>, Foreign> {
        match self {
            Error::Invalid { path, message } => Ok(vec![Diagnostic::new(path, message, None)]),
            Error::Diagnostics(ds) => Ok(ds),
            Error::Foreign(f) => Err(f),
        }
    }
}

impl From<Foreign> for Error {
    fn from(f: Foreign) -> Error {
        Error::Foreign(f)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid { path, message } if path.is_empty() => f.write_str(message),
            Error::Invalid { path, message } => write!(f, "{path}: {message}"),
            Error::Diagnostics(ds) => f.write_str(&diagnostic::render(ds)),
            Error::Foreign(Foreign(m)) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
