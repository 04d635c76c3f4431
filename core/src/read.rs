//! Typed reading of input values: each reader forces what it checks and names the path of a
//! value of the wrong type.

use crate::error::{Error, Result};
use crate::host::{Host, Kind};
use crate::path::Path;

pub type Name = Vec<u8>;

fn type_error(path: &Path, expected: &str, got: Kind) -> Error {
    Error::invalid(path.clone(), format!("expected {expected}, got {}", got.phrase()))
}

/// Forces `v` and checks it is `want`.
pub fn expect<H: Host>(h: &mut H, v: &H::Value, path: &Path, want: Kind, expected: &str) -> Result<()> {
    let got = h.kind(v)?;
    if got == want {
        Ok(())
    } else {
        Err(type_error(path, expected, got))
    }
}

/// The attributes of a set, sorted by name, values unforced.
pub fn attrs<H: Host>(h: &mut H, v: &H::Value, path: &Path) -> Result<Vec<(Name, H::Value)>> {
    Ok(named_attrs(h, v, path)?.into_iter().map(|(name, _, value)| (name, value)).collect())
}

/// Like [`attrs`], with each name also as the host's name for output sets: names that go
/// from input to output need not be made again.
///
/// A name holding a NUL byte is an error at the set's path: Nix attribute names can hold one
/// (`builtins.fromJSON` makes them) but Nix strings cannot, so such a name could not become
/// the strings of the output, and `builtins.attrNames` (the twin) sees it cut short.
pub fn named_attrs<H: Host>(h: &mut H, v: &H::Value, path: &Path) -> Result<Vec<(Name, H::Name, H::Value)>> {
    expect(h, v, path, Kind::Attrs, "a set")?;
    let mut entries = h.attrs(v)?;
    h.check_interrupt(entries.len())?;
    if entries.iter().any(|(name, _, _)| name.contains(&0)) {
        return Err(Error::invalid(path.clone(), NUL_IN_NAME));
    }
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}

/// The error of a set with an attribute name holding a NUL byte.
pub const NUL_IN_NAME: &str = "an attribute name contains a NUL byte, which a Nix string cannot hold";
/// The error of a string holding a NUL byte (only the JSON host can give one).
pub const NUL_IN_STRING: &str = "the string contains a NUL byte, which a Nix string cannot hold";
/// The error of a name given as a string with context.
pub const CONTEXT_IN_NAME: &str = "expected a string without context (a name), got a string with context";

/// Like [`attrs`], for a value that may be absent (then: no attributes).
pub fn attrs_or_empty<H: Host>(h: &mut H, v: Option<&H::Value>, path: &Path) -> Result<Vec<(Name, H::Value)>> {
    match v {
        Some(v) => attrs(h, v, path),
        None => Ok(Vec::new()),
    }
}

/// One attribute of a set already checked to be a set, unforced.
pub fn field<H: Host>(h: &mut H, set: &H::Value, name: &str) -> Result<Option<H::Value>> {
    Ok(h.attr(set, name.as_bytes())?)
}

/// One required attribute.
pub fn required<H: Host>(h: &mut H, set: &H::Value, name: &str, path: &Path) -> Result<H::Value> {
    field(h, set, name)?.ok_or_else(|| Error::invalid(path.attr(name), "missing required attribute"))
}

pub fn string<H: Host>(h: &mut H, v: &H::Value, path: &Path) -> Result<Name> {
    expect(h, v, path, Kind::String, "a string")?;
    string_bytes(h, v, path)
}

/// The bytes of a value known to be a string.
fn string_bytes<H: Host>(h: &mut H, v: &H::Value, path: &Path) -> Result<Name> {
    let s = h.string(v)?;
    if s.contains(&0) {
        return Err(Error::invalid(path.clone(), NUL_IN_STRING));
    }
    Ok(s)
}

pub fn string_or_null<H: Host>(h: &mut H, v: &H::Value, path: &Path) -> Result<Option<Name>> {
    match h.kind(v)? {
        Kind::Null => Ok(None),
        Kind::String => Ok(Some(string_bytes(h, v, path)?)),
        got => Err(type_error(path, "a string or null", got)),
    }
}

/// A string read as a name: one that becomes (or is looked up as) an attribute name, which
/// cannot carry string context. A string with context is an error here, rather than its
/// context silently dropped (docs/contract.md, "Names and string context").
pub fn name<H: Host>(h: &mut H, v: &H::Value, path: &Path) -> Result<Name> {
    let s = string(h, v, path)?;
    no_context(h, v, path)?;
    Ok(s)
}

/// Like [`name`], or null.
pub fn name_or_null<H: Host>(h: &mut H, v: &H::Value, path: &Path) -> Result<Option<Name>> {
    let s = string_or_null(h, v, path)?;
    if s.is_some() {
        no_context(h, v, path)?;
    }
    Ok(s)
}

fn no_context<H: Host>(h: &mut H, v: &H::Value, path: &Path) -> Result<()> {
    if h.has_context(v)? {
        return Err(Error::invalid(path.clone(), CONTEXT_IN_NAME));
    }
    Ok(())
}

pub fn int_or_null<H: Host>(h: &mut H, v: &H::Value, path: &Path) -> Result<Option<i64>> {
    match h.kind(v)? {
        Kind::Null => Ok(None),
        Kind::Int => Ok(Some(h.int(v)?)),
        got => Err(type_error(path, "an integer or null", got)),
    }
}

pub fn boolean<H: Host>(h: &mut H, v: &H::Value, path: &Path) -> Result<bool> {
    expect(h, v, path, Kind::Bool, "a Boolean")?;
    Ok(h.bool(v)?)
}

/// A list of strings, each item checked at `path[i]`.
pub fn string_list<H: Host>(h: &mut H, v: &H::Value, path: &Path) -> Result<Vec<Name>> {
    expect(h, v, path, Kind::List, "a list")?;
    let items = h.items(v)?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        h.check_interrupt(1)?;
        out.push(string(h, item, &path.index(i))?);
    }
    Ok(out)
}

/// A list of names ([`name`]), each item checked at `path[i]`: its type first, then its context.
pub fn name_list<H: Host>(h: &mut H, v: &H::Value, path: &Path) -> Result<Vec<Name>> {
    expect(h, v, path, Kind::List, "a list")?;
    let items = h.items(v)?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        h.check_interrupt(1)?;
        out.push(name(h, item, &path.index(i))?);
    }
    Ok(out)
}

/// The kind-mismatch error, for readers that accept several kinds.
pub fn wrong_type(path: &Path, expected: &str, got: Kind) -> Error {
    type_error(path, expected, got)
}
