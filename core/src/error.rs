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
    /// A table as large as the input could not be allocated. The host reports it as the
    /// evaluator reports its own memory exhaustion (Nix: `error: out of memory`).
    OutOfMemory,
}

impl Error {
    pub fn invalid(path: Path, message: impl Into<String>) -> Error {
        Error::Invalid { path, message: message.into() }
    }

    /// Whether the input was rejected (as opposed to the evaluator raising an error, or memory
    /// running out).
    pub fn is_invalid(&self) -> bool {
        matches!(self, Error::Invalid { .. } | Error::Diagnostics(_))
    }

    /// The rejection as a list of diagnostics (one for [`Error::Invalid`]); any other error
    /// (the evaluator's, or memory running out) as it is.
    pub fn into_diagnostics(self) -> Result<Vec<Diagnostic>, Error> {
        match self {
            Error::Invalid { path, message } => Ok(vec![Diagnostic::new(path, message, None)]),
            Error::Diagnostics(ds) => Ok(ds),
            other => Err(other),
        }
    }
}

/// Makes room for `additional` more items, or fails with [`Error::OutOfMemory`] where `push`
/// would abort the process. Used before filling the tables whose size follows the input.
pub fn reserve<T>(v: &mut Vec<T>, additional: usize) -> Result<()> {
    v.try_reserve(additional).map_err(|_| Error::OutOfMemory)
}

/// A vector with room for `n` items, or [`Error::OutOfMemory`].
pub fn with_capacity<T>(n: usize) -> Result<Vec<T>> {
    let mut v = Vec::new();
    reserve(&mut v, n)?;
    Ok(v)
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
            Error::OutOfMemory => f.write_str("out of memory"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reservation_too_large_is_an_error_not_an_abort() {
        let mut v: Vec<u64> = Vec::new();
        assert_eq!(reserve(&mut v, usize::MAX / 4), Err(Error::OutOfMemory));
        assert_eq!(with_capacity::<[u8; 1 << 20]>(1 << 40).err(), Some(Error::OutOfMemory));
        assert!(reserve(&mut v, 10).is_ok() && v.capacity() >= 10);
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
