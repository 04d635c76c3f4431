//! The semantics of nix-instances, independent of Nix.
//!
//! Everything here works over a [`Host`]: a source of lazily forced input values and a
//! builder of output values. The plugin implements it over real Nix values (through the C++
//! shim); [`json_text::TextHost`] over JSON text for the CLI (values are spans of the text), and
//! [`json::JsonHost`] over `serde_json` values for unit tests.
//! The contract both expansions follow is `docs/contract.md`.

pub mod diagnostic;
pub mod error;
pub mod host;
pub mod instances;
pub mod json;
pub mod json_text;
pub mod multi_service;
pub mod output;
pub mod path;
pub mod read;
pub mod suggest;
pub mod text;

pub use diagnostic::Diagnostic;
pub use error::Error;
pub use host::{Host, Kind};
