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
pub fn named_attrs<H: Host>(h: &mut H, v: &H::Value, path: &Path) -> Result<Vec<(Name, H::Name, H::Value)>> {
    expect(h, v, path, Kind::Attrs, "a set")?;
    let mut entries = h.attrs(v)?;
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}

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
    Ok(h.string(v)?)
}

pub fn string_or_null<H: Host>(h: &mut H, v: &H::Value, path: &Path) -> Result<Option<Name>> {
    match h.kind(v)? {
        Kind::Null => Ok(None),
        Kind::String => Ok(Some(h.string(v)?)),
        got => Err(type_error(path, "a string or null", got)),
    }
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
        out.push(string(h, item, &path.index(i))?);
    }
    Ok(out)
}

/// The kind-mismatch error, for readers that accept several kinds.
pub fn wrong_type(path: &Path, expected: &str, got: Kind) -> Error {
    type_error(path, expected, got)
}
