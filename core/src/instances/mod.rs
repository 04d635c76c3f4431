//! `expandInstances`: clan-style `inventory.instances` expansion (docs/contract.md).
//!
//! Four steps, one file each:
//! - [`read`]: the structure, type-checked in the contract's order (the first type error
//!   stops, as in the pure-Nix twin);
//! - [`membership`]: effective tags and role members;
//! - [`validate`]: every semantic problem at once (unknown machines and roles, constraints,
//!   `maxInstances`) and the unmatched-tag warnings, as [`Diagnostic`]s sorted by path;
//! - [`render`]: the output value.
//!
//! Settings and extraModules are never forced: they travel as the very input values into the
//! output.

mod membership;
pub mod query;
mod read;
mod render;
mod validate;
#[cfg(test)]
mod tests;

use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::host::Host;
use crate::read::Name;

/// What [`check`] finds in an inventory whose structure is sound.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Every semantic error, sorted by path: unknown machines (in roles and in the `tags`
    /// argument), roles a module does not have, `maxInstances` and role constraint violations.
    /// Empty when the inventory expands.
    pub errors: Vec<Diagnostic>,
    /// Every warning (a role tag carried by no machine), sorted by path.
    pub warnings: Vec<Diagnostic>,
}

/// Checks an inventory without building the expansion.
///
/// A structural error (a value of the wrong type, in the contract's check order) is returned
/// as `Err(Error::Invalid)`, the first one only; an error the evaluator raised while forcing
/// the structure as `Err(Error::Foreign)`. Otherwise every semantic error and every warning
/// comes back in the [`Report`]. `builtins.expandInstances` fails exactly when this fails or
/// `errors` is not empty, with [`crate::diagnostic::render`] of them as its message.
pub fn check<H: Host>(h: &mut H, arg: &H::Value) -> Result<Report> {
    let inv = read::inventory(h, arg)?;
    let tag_members = membership::tag_members(&inv);
    let mut scratch = membership::Scratch::new(inv.machines.len());
    validate::validate(h, &inv, &tag_members, &mut scratch)
}

/// Expands an inventory: `builtins.expandInstances`.
pub fn expand<H: Host>(h: &mut H, arg: &H::Value) -> Result<H::Value> {
    let Valid { inv, tag_members, mut scratch, warnings } = valid(h, arg)?;
    render::render(h, &inv, &tag_members, &mut scratch, &warnings)
}

/// A read inventory that passed validation, its tags' members and its warnings (given to the
/// host already): what every expansion, whole or cut down, starts from.
struct Valid<V> {
    inv: Inventory<V>,
    tag_members: std::collections::BTreeMap<Name, Vec<usize>>,
    scratch: membership::Scratch,
    warnings: Vec<String>,
}

/// Reads and validates `arg`: every error at once, or the [`Valid`] inventory, its warnings
/// passed to [`Host::warn`].
fn valid<H: Host>(h: &mut H, arg: &H::Value) -> Result<Valid<H::Value>> {
    let inv = read::inventory(h, arg)?;
    let tag_members = membership::tag_members(&inv);
    let mut scratch = membership::Scratch::new(inv.machines.len());
    let report = validate::validate(h, &inv, &tag_members, &mut scratch)?;
    if !report.errors.is_empty() {
        return Err(Error::Diagnostics(report.errors));
    }
    let warnings: Vec<String> = report.warnings.iter().map(ToString::to_string).collect();
    for w in &warnings {
        h.warn(w);
    }
    Ok(Valid { inv, tag_members, scratch, warnings })
}

// ---------------------------------------------------------------------------------------------
// The inventory as read

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Nixos,
    Darwin,
}

struct Machine {
    name: Name,
    class: Class,
    own_tags: Vec<Name>,
}

/// A machine named in a role or in the `tags` argument: its name and index, or `None` if no
/// machine has that name (an error [`validate`] reports).
type MachineRef = (Name, Option<usize>);

struct StaticTag {
    name: Name,
    /// In list order.
    machines: Vec<MachineRef>,
}

/// A role's explicit member.
struct Explicit<V> {
    machine: MachineRef,
    /// The entry's `settings`, if given.
    settings: Option<V>,
}

struct Constraint {
    role: Name,
    min: Option<i64>,
    max: Option<i64>,
}

struct Module {
    /// The allowed roles, sorted and unique; `None`: any role.
    roles: Option<Vec<Name>>,
    max_instances: Option<i64>,
    /// In role-name order.
    constraints: Vec<Constraint>,
}

struct Role<V> {
    name: Name,
    /// Explicit members in name order, with their `settings`, if given.
    machines: Vec<Explicit<V>>,
    /// Role tags in name order, with their `settings`, if given.
    tags: Vec<(Name, Option<V>)>,
    settings: Option<V>,
    extra_modules: Option<V>,
}

struct Instance<V> {
    name: Name,
    module_name: Name,
    module_input: Option<Name>,
    module_id: Name,
    /// In name order.
    roles: Vec<Role<V>>,
}

struct Inventory<V> {
    /// In name order.
    machines: Vec<Machine>,
    /// In tag-name order.
    static_tags: Vec<StaticTag>,
    modules: std::collections::BTreeMap<Name, Module>,
    /// In name order.
    instances: Vec<Instance<V>>,
}
