//! Building output values through a [`Host`], making each attribute name and string once.

use rustc_hash::FxHashMap;

use crate::error::Result;
use crate::host::Host;

/// Attribute names and strings, each made once per expansion.
pub struct Output<H: Host> {
    names: FxHashMap<Vec<u8>, H::Name>,
    strings: FxHashMap<Vec<u8>, H::Value>,
}

impl<H: Host> Output<H> {
    pub fn new() -> Self {
        Output { names: FxHashMap::default(), strings: FxHashMap::default() }
    }

    pub fn name(&mut self, h: &mut H, s: &[u8]) -> Result<H::Name> {
        if let Some(n) = self.names.get(s) {
            return Ok(n.clone());
        }
        let n = h.name(s)?;
        self.names.insert(s.to_vec(), n.clone());
        Ok(n)
    }

    pub fn string(&mut self, h: &mut H, s: &[u8]) -> Result<H::Value> {
        if let Some(v) = self.strings.get(s) {
            return Ok(v.clone());
        }
        let v = h.make_string(s)?;
        self.strings.insert(s.to_vec(), v.clone());
        Ok(v)
    }

    /// A set from `(name, value)` pairs.
    pub fn attrs(&mut self, h: &mut H, entries: &[(&[u8], H::Value)]) -> Result<H::Value> {
        let mut names = Vec::with_capacity(entries.len());
        let mut values = Vec::with_capacity(entries.len());
        for (n, v) in entries {
            names.push(self.name(h, n)?);
            values.push(v.clone());
        }
        Ok(h.make_attrs(&names, &values)?)
    }
}

