//! The value-access trait: what the expansions need from an evaluator.

use crate::error::Foreign;

/// The kind of a forced value, as `builtins.typeOf` would name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    Int,
    Float,
    String,
    Path,
    Attrs,
    List,
    Function,
    External,
}

impl Kind {
    /// The phrase used in type errors: `expected a set, got a list`.
    pub fn phrase(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a Boolean",
            Kind::Int => "an integer",
            Kind::Float => "a float",
            Kind::String => "a string",
            Kind::Path => "a path",
            Kind::Attrs => "a set",
            Kind::List => "a list",
            Kind::Function => "a function",
            Kind::External => "an external value",
        }
    }
}

/// An evaluator holding the input and receiving the output.
///
/// Reading forces only what it touches: [`Host::kind`] forces one value to weak head normal
/// form, [`Host::attrs`] and [`Host::items`] hand out the (unforced) children of a value already
/// known to be a set or list. Output values are built bottom-up; an input value placed in the
/// output is passed through as the very same value, unevaluated.
///
/// Every method may fail with [`Foreign`]: the evaluator raised an error (a `throw` in a forced
/// position, say). The core then stops and returns it; the host re-raises the original.
pub trait Host {
    /// A value: input or output.
    type Value: Clone;
    /// An attribute name made ready for building sets (Nix: a symbol).
    type Name: Clone;

    /// Forces `v` and tells its kind.
    fn kind(&mut self, v: &Self::Value) -> Result<Kind, Foreign>;
    /// The attributes of a set (`kind` was `Attrs`), in any order, values unforced: each name's
    /// bytes, the name ready for [`Host::make_attrs`], and the value.
    fn attrs(&mut self, v: &Self::Value) -> Result<Vec<(Vec<u8>, Self::Name, Self::Value)>, Foreign>;
    /// One attribute of a set (`kind` was `Attrs`), unforced.
    fn attr(&mut self, v: &Self::Value, name: &[u8]) -> Result<Option<Self::Value>, Foreign>;
    /// The items of a list (`kind` was `List`), unforced.
    fn items(&mut self, v: &Self::Value) -> Result<Vec<Self::Value>, Foreign>;
    /// The bytes of a string or path (`kind` was `String` or `Path`); string context is ignored.
    fn string(&mut self, v: &Self::Value) -> Result<Vec<u8>, Foreign>;
    /// An integer (`kind` was `Int`).
    fn int(&mut self, v: &Self::Value) -> Result<i64, Foreign>;
    /// A Boolean (`kind` was `Bool`).
    fn bool(&mut self, v: &Self::Value) -> Result<bool, Foreign>;
    /// Whether a string (`kind` was `String`) carries string context (Nix: refers to store
    /// paths). Hosts without context say no.
    fn has_context(&mut self, _v: &Self::Value) -> Result<bool, Foreign> {
        Ok(false)
    }

    fn make_null(&mut self) -> Result<Self::Value, Foreign>;
    fn make_bool(&mut self, b: bool) -> Result<Self::Value, Foreign>;
    fn make_int(&mut self, i: i64) -> Result<Self::Value, Foreign>;
    fn make_string(&mut self, s: &[u8]) -> Result<Self::Value, Foreign>;
    /// A string with the context of the string `context_of` (an input value), as Nix's string
    /// interpolation would give it.
    fn make_string_with_context(&mut self, s: &[u8], _context_of: &Self::Value) -> Result<Self::Value, Foreign> {
        self.make_string(s)
    }
    fn make_list(&mut self, items: &[Self::Value]) -> Result<Self::Value, Foreign>;
    /// An attribute name for [`Host::make_attrs`].
    fn name(&mut self, name: &[u8]) -> Result<Self::Name, Foreign>;
    /// A set of `names[i] = values[i]`; names are unique.
    fn make_attrs(&mut self, names: &[Self::Name], values: &[Self::Value]) -> Result<Self::Value, Foreign>;

    /// Reports a warning to the user (Nix: `warning: …` on stderr). Bytes of names that are
    /// not UTF-8 are escaped as [`crate::text::show`] does.
    fn warn(&mut self, message: &str);

    /// `work` more units of work were done (a unit: one machine, one membership, one output
    /// entry, a few hundred nanoseconds at most). Fails with the evaluator's own error when the
    /// user asked to stop (Nix: Ctrl-C). The core calls it from every loop whose length grows
    /// with the input, so a long expansion stops promptly; the host decides how often it
    /// actually asks (the Nix host: every few thousand units).
    fn check_interrupt(&mut self, _work: usize) -> Result<(), Foreign> {
        Ok(())
    }
}
