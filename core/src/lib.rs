//! The semantics of nix-instances, independent of Nix.
//!
//! Everything here works over a [`Host`]: a source of lazily forced input values and a
//! builder of output values. The plugin implements it over real Nix values (through the C++
//! shim); [`json::JsonHost`] implements it over `serde_json` values for tests and the CLI.
//! The contract both expansions follow is `docs/contract.md`.

pub mod diagnostic;
pub mod error;
pub mod host;
pub mod instances;
pub mod json;
pub mod multi_service;
pub mod output;
pub mod path;
pub mod read;
pub mod suggest;
pub mod text;

pub use diagnostic::Diagnostic;
pub use error::Error;
pub use host::{Host, Kind};
