//! Semantic checks (contract checks 6–8): everything that is wrong with a well-formed
//! inventory, found in one pass and reported together, sorted by path.

use std::collections::BTreeMap;

use super::membership::{role_members, Scratch};
use super::{Inventory, Machine, Report};
use crate::diagnostic::{self, Diagnostic};
use crate::error::Result;
use crate::host::Host;
use crate::path;
use crate::path::Path;
use crate::read::Name;
use crate::suggest::{closest, join_names};
use crate::text::show;

/// ` (did you mean 'x'?)` and `x`, or nothing.
fn hint<'a>(name: &[u8], candidates: impl IntoIterator<Item = &'a [u8]>) -> (String, Option<String>) {
    match closest(name, candidates) {
        Some(c) => {
            let c = show(c).into_owned();
            (format!(" (did you mean '{c}'?)"), Some(c))
        }
        None => (String::new(), None),
    }
}

fn unknown_machine(path: Path, name: &[u8], machines: &[Machine]) -> Diagnostic {
    let (hint, suggestion) = hint(name, machines.iter().map(|m| m.name.as_slice()));
    Diagnostic::new(path, format!("no machine named '{}'{hint}", show(name)), suggestion)
}

/// Every semantic error and warning. Fails only when the host says stop (Ctrl-C) or memory
/// runs out: each did-you-mean looks at every candidate, so its work is counted.
pub(super) fn validate<H: Host>(
    h: &mut H,
    inv: &Inventory<H::Value>,
    tag_members: &BTreeMap<Name, Vec<usize>>,
    scratch: &mut Scratch,
) -> Result<Report> {
    let mut errors = Vec::new();

    // machines named in the `tags` argument
    for t in &inv.static_tags {
        for (j, (name, index)) in t.machines.iter().enumerate() {
            if index.is_none() {
                h.check_interrupt(1 + inv.machines.len())?;
                errors.push(unknown_machine(path!["tags", &t.name].index(j), name, &inv.machines));
            }
        }
    }

    // roles and explicit machines
    for inst in &inv.instances {
        let known_roles = inv.modules.get(&inst.module_id).and_then(|m| m.roles.as_ref());
        for role in &inst.roles {
            h.check_interrupt(1)?;
            let p = path!["instances", &inst.name, "roles", &role.name];
            if let Some(known) = known_roles {
                if known.binary_search(&role.name).is_err() {
                    h.check_interrupt(known.len())?;
                    let (hint, suggestion) = hint(&role.name, known.iter().map(Vec::as_slice));
                    let message = format!(
                        "module '{}' has no role '{}'{hint}; its roles: {}",
                        show(&inst.module_id),
                        show(&role.name),
                        join_names(known.iter().map(Vec::as_slice))
                    );
                    errors.push(Diagnostic::new(p.clone(), message, suggestion));
                }
            }
            for e in &role.machines {
                if e.machine.1.is_none() {
                    h.check_interrupt(1 + inv.machines.len())?;
                    errors.push(unknown_machine(p.attr("machines").attr(&e.machine.0), &e.machine.0, &inv.machines));
                }
            }
        }
    }

    // maxInstances: the instances of each module, grouped once
    let mut users: BTreeMap<&[u8], Vec<&[u8]>> = BTreeMap::new();
    for inst in &inv.instances {
        users.entry(&inst.module_id).or_default().push(&inst.name);
    }
    for (id, module) in &inv.modules {
        let (Some(max), Some(users)) = (module.max_instances, users.get(id.as_slice())) else { continue };
        // max >= 1: read checks it
        if users.len() as i64 > max {
            h.check_interrupt(users.len())?;
            let message = format!(
                "module '{}' allows at most {max} instances; used by {}",
                show(id),
                join_names(users.iter().copied())
            );
            errors.push(Diagnostic::new(path!["instances", users[max as usize]], message, None));
        }
    }

    // constraints: members counted as clan counts them, unknown explicit machines included
    // (so fixing a misspelt machine name does not change the count)
    for inst in &inv.instances {
        let Some(module) = inv.modules.get(&inst.module_id) else { continue };
        for c in &module.constraints {
            let count = match inst.roles.binary_search_by(|r| r.name.cmp(&c.role)) {
                Ok(k) => {
                    let role = &inst.roles[k];
                    let unknown = role.machines.iter().filter(|e| e.machine.1.is_none()).count();
                    role_members(role, tag_members, scratch)?.len() + unknown
                }
                Err(_) => 0,
            };
            h.check_interrupt(1 + count)?;
            let count = count as i64;
            let (bound, word) = match (c.min, c.max) {
                (Some(min), _) if count < min => (min, "least"),
                (_, Some(max)) if count > max => (max, "most"),
                _ => continue,
            };
            let message = format!(
                "module '{}' needs at {word} {bound} machines in role '{}', got {count}",
                show(&inst.module_id),
                show(&c.role)
            );
            errors.push(Diagnostic::new(path!["instances", &inst.name, "roles", &c.role], message, None));
        }
    }

    diagnostic::sort(&mut errors);
    Ok(Report { errors, warnings: unmatched_tags(h, inv, tag_members)? })
}

/// A warning per role tag that no machine carries, in path order. Each names at most a few
/// of the tags in use (the list is made once), so warnings stay small however many tags
/// there are.
fn unmatched_tags<H: Host>(
    h: &mut H,
    inv: &Inventory<H::Value>,
    tag_members: &BTreeMap<Name, Vec<usize>>,
) -> Result<Vec<Diagnostic>> {
    let in_use: Vec<&[u8]> = tag_members.iter().filter(|(_, ms)| !ms.is_empty()).map(|(t, _)| t.as_slice()).collect();
    let mut listed: Option<String> = None;
    let mut warnings = Vec::new();
    for inst in &inv.instances {
        for role in &inst.roles {
            for (tag, _) in &role.tags {
                if tag_members.get(tag).is_some_and(|ms| !ms.is_empty()) {
                    continue;
                }
                h.check_interrupt(1 + in_use.len())?;
                let listed = listed.get_or_insert_with(|| join_names(in_use.iter().copied()));
                let (hint, suggestion) = hint(tag, in_use.iter().copied());
                let message = format!("tag '{}' matches no machine{hint}; tags in use: {listed}", show(tag));
                let p = path!["instances", &inst.name, "roles", &role.name, "tags", tag];
                warnings.push(Diagnostic::new(p, message, suggestion));
            }
        }
    }
    Ok(warnings)
}
