//! The output value (contract "Output").
//!
//! Output values are shared wherever they are equal: a member entry per distinct source of
//! settings, a `{ roles = [ … ]; }` per distinct role list, a tag list per distinct tag set, a
//! string per distinct name. Values are immutable, so sharing is invisible to Nix code; it
//! keeps a large expansion from allocating millions of identical values.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::membership::{role_members, Member, Scratch};
use super::{Instance, Inventory, Role};
use crate::error::{reserve, with_capacity, Result};
use crate::host::Host;
use crate::output::Output;
use crate::read::Name;

pub(super) fn render<H: Host>(
    h: &mut H,
    inv: &Inventory<H::Value>,
    tag_members: &BTreeMap<Name, Vec<usize>>,
    scratch: &mut Scratch,
    warnings: &[String],
) -> Result<H::Value> {
    let mut out = Output::<H>::new();
    let empty_set = h.make_attrs(&[], &[])?;
    let empty_list = h.make_list(&[])?;
    let null = h.make_null()?;
    let machine_names = inv.machines.iter().map(|m| out.name(h, &m.name)).collect::<Result<Vec<_>>>()?;

    // Member entries made of nothing but `{ }` imports, shared across roles by their length.
    let mut empty_entries: FxHashMap<usize, H::Value> = FxHashMap::default();
    // Every (machine, instance, role) membership, for each machine's `instances`.
    let mut placements: Vec<(u32, u32, u32)> = Vec::new();

    let mut instance_names = Vec::with_capacity(inv.instances.len());
    let mut instance_values = Vec::with_capacity(inv.instances.len());
    for (ii, inst) in inv.instances.iter().enumerate() {
        let mut role_names = Vec::with_capacity(inst.roles.len());
        let mut role_values = Vec::with_capacity(inst.roles.len());
        for (ri, role) in inst.roles.iter().enumerate() {
            let role_members = role_members(role, tag_members, scratch)?;
            h.check_interrupt(1 + role_members.len())?;
            reserve(&mut placements, role_members.len())?;
            // shared entries: keyed by the sources, as plain integers when there are < 64 tags
            let mut small_entries: FxHashMap<(Option<u32>, u64), H::Value> = FxHashMap::default();
            let mut entries: FxHashMap<&Member, H::Value> = FxHashMap::default();
            let mut names = with_capacity(role_members.len())?;
            let mut values = with_capacity(role_members.len())?;
            for (m, member) in &role_members {
                let m = *m;
                let cached = if member.more_tags.is_empty() {
                    small_entries.get(&(member.explicit, member.tags))
                } else {
                    entries.get(member)
                };
                let entry = match cached {
                    Some(e) => e.clone(),
                    None => {
                        let e = member_entry(h, &mut out, role, member, &empty_set, &mut empty_entries)?;
                        if member.more_tags.is_empty() {
                            small_entries.insert((member.explicit, member.tags), e.clone());
                        } else {
                            entries.insert(member, e.clone());
                        }
                        e
                    }
                };
                names.push(machine_names[m].clone());
                values.push(entry);
                placements.push((m as u32, ii as u32, ri as u32));
            }
            let machines = h.make_attrs(&names, &values)?;
            role_names.push(out.name(h, &role.name)?);
            role_values.push(role_value(h, &mut out, role, machines, &empty_set, &empty_list)?);
        }
        instance_names.push(out.name(h, &inst.name)?);
        instance_values.push(instance_value(h, &mut out, inst, &role_names, &role_values, &null)?);
    }
    let instances = h.make_attrs(&instance_names, &instance_values)?;

    // modules
    let mut by_module: BTreeMap<&[u8], Vec<&[u8]>> = BTreeMap::new();
    for inst in &inv.instances {
        by_module.entry(&inst.module_id).or_default().push(&inst.name);
    }
    let mut module_names = Vec::with_capacity(by_module.len());
    let mut module_values = Vec::with_capacity(by_module.len());
    for (id, names) in by_module {
        let items = names.iter().map(|n| out.string(h, n)).collect::<Result<Vec<_>>>()?;
        module_names.push(out.name(h, id)?);
        module_values.push(h.make_list(&items)?);
    }
    let modules = h.make_attrs(&module_names, &module_values)?;

    // machines: effective tags and instances, shared by content
    let mut machine_tags: Vec<Vec<&[u8]>> = vec![Vec::new(); inv.machines.len()];
    for (tag, ms) in tag_members {
        for &m in ms {
            machine_tags[m].push(tag);
        }
    }
    let placements = group_by_machine(placements, inv.machines.len())?;
    let mut role_indices: Vec<u32> = with_capacity(placements.len())?;
    role_indices.extend(placements.iter().map(|p| p.2));
    let mut tag_lists: FxHashMap<&[&[u8]], H::Value> = FxHashMap::default();
    let mut role_lists: FxHashMap<(u32, &[u32]), H::Value> = FxHashMap::default();
    let mut small_role_lists: FxHashMap<(u32, u64), H::Value> = FxHashMap::default();
    let mut machine_values = Vec::with_capacity(inv.machines.len());
    let mut next = 0;
    for m in 0..inv.machines.len() {
        h.check_interrupt(1 + machine_tags[m].len())?;
        let tags = match tag_lists.get(machine_tags[m].as_slice()) {
            Some(v) => v.clone(),
            None => {
                let items = machine_tags[m].iter().map(|t| out.string(h, t)).collect::<Result<Vec<_>>>()?;
                let v = h.make_list(&items)?;
                tag_lists.insert(&machine_tags[m], v.clone());
                v
            }
        };
        let mut names = Vec::new();
        let mut values = Vec::new();
        // this machine's placements, one group per instance
        while next < placements.len() && placements[next].0 as usize == m {
            let ii = placements[next].1;
            let start = next;
            while next < placements.len() && placements[next].0 as usize == m && placements[next].1 == ii {
                next += 1;
            }
            let roles = &role_indices[start..next];
            h.check_interrupt(roles.len())?;
            // the role set as bits when the instance has < 64 roles: a cheap key
            let mask = roles.iter().all(|&r| r < 64).then(|| roles.iter().fold(0u64, |m, &r| m | 1 << r));
            let cached = match mask {
                Some(mask) => small_role_lists.get(&(ii, mask)),
                None => role_lists.get(&(ii, roles)),
            };
            let v = match cached {
                Some(v) => v.clone(),
                None => {
                    let inst = &inv.instances[ii as usize];
                    let items =
                        roles.iter().map(|&r| out.string(h, &inst.roles[r as usize].name)).collect::<Result<Vec<_>>>()?;
                    let list = h.make_list(&items)?;
                    let v = out.attrs(h, &[(b"roles", list)])?;
                    match mask {
                        Some(mask) => small_role_lists.insert((ii, mask), v.clone()),
                        None => role_lists.insert((ii, roles), v.clone()),
                    };
                    v
                }
            };
            names.push(instance_names[ii as usize].clone());
            values.push(v);
        }
        let insts = h.make_attrs(&names, &values)?;
        machine_values.push(out.attrs(h, &[(b"tags", tags), (b"instances", insts)])?);
    }
    let machines = h.make_attrs(&machine_names, &machine_values)?;

    let mut tag_names = Vec::with_capacity(tag_members.len());
    let mut tag_values = Vec::with_capacity(tag_members.len());
    for (tag, ms) in tag_members {
        h.check_interrupt(1 + ms.len())?;
        let items = ms.iter().map(|&m| out.string(h, &inv.machines[m].name)).collect::<Result<Vec<_>>>()?;
        tag_names.push(out.name(h, tag)?);
        tag_values.push(h.make_list(&items)?);
    }
    let tags = h.make_attrs(&tag_names, &tag_values)?;

    let warning_items = warnings.iter().map(|w| h.make_string(&crate::text::to_bytes(w))).collect::<Result<Vec<_>, _>>()?;
    let warnings = h.make_list(&warning_items)?;

    out.attrs(
        h,
        &[(b"instances", instances), (b"modules", modules), (b"machines", machines), (b"tags", tags), (b"warnings", warnings)],
    )
}

/// `(machine, instance, role)` triples made in (instance, role) order, reordered by machine
/// with that order kept: a counting sort, linear in their number.
fn group_by_machine(placements: Vec<(u32, u32, u32)>, machines: usize) -> Result<Vec<(u32, u32, u32)>> {
    let mut starts = vec![0usize; machines + 1];
    for p in &placements {
        starts[p.0 as usize + 1] += 1;
    }
    for m in 0..machines {
        starts[m + 1] += starts[m];
    }
    let mut out = with_capacity(placements.len())?;
    out.resize(placements.len(), (0, 0, 0));
    for p in placements {
        let at = &mut starts[p.0 as usize];
        out[*at] = p;
        *at += 1;
    }
    Ok(out)
}

/// `{ settings = { imports = [ <explicit or { }> <tag settings or { }>… ]; }; }`
/// A role's output: its members' entries, its settings and extraModules (`{ }` and `[ ]` unset).
pub(super) fn role_value<H: Host>(
    h: &mut H,
    out: &mut Output<H>,
    role: &Role<H::Value>,
    machines: H::Value,
    empty_set: &H::Value,
    empty_list: &H::Value,
) -> Result<H::Value> {
    out.attrs(
        h,
        &[
            (b"machines", machines),
            (b"settings", role.settings.clone().unwrap_or_else(|| empty_set.clone())),
            (b"extraModules", role.extra_modules.clone().unwrap_or_else(|| empty_list.clone())),
        ],
    )
}

/// An instance's output: its module reference, module id and roles.
pub(super) fn instance_value<H: Host>(
    h: &mut H,
    out: &mut Output<H>,
    inst: &Instance<H::Value>,
    role_names: &[H::Name],
    role_values: &[H::Value],
    null: &H::Value,
) -> Result<H::Value> {
    let module_name = out.string(h, &inst.module_name)?;
    let input = match &inst.module_input {
        Some(i) => out.string(h, i)?,
        None => null.clone(),
    };
    let module = out.attrs(h, &[(b"name", module_name), (b"input", input)])?;
    let module_id = out.string(h, &inst.module_id)?;
    let roles = h.make_attrs(role_names, role_values)?;
    out.attrs(h, &[(b"module", module), (b"moduleId", module_id), (b"roles", roles)])
}

pub(super) fn member_entry<H: Host>(
    h: &mut H,
    out: &mut Output<H>,
    role: &Role<H::Value>,
    member: &Member,
    empty_set: &H::Value,
    empty_entries: &mut FxHashMap<usize, H::Value>,
) -> Result<H::Value> {
    let explicit = member.explicit.and_then(|k| role.machines[k as usize].settings.clone());
    let tag_settings: Vec<Option<H::Value>> = member.tag_indices().map(|k| role.tags[k as usize].1.clone()).collect();
    let all_empty = explicit.is_none() && tag_settings.iter().all(Option::is_none);
    if all_empty {
        if let Some(e) = empty_entries.get(&tag_settings.len()) {
            return Ok(e.clone());
        }
    }
    let mut imports = Vec::with_capacity(1 + tag_settings.len());
    imports.push(explicit.unwrap_or_else(|| empty_set.clone()));
    imports.extend(tag_settings.into_iter().map(|s| s.unwrap_or_else(|| empty_set.clone())));
    let list = h.make_list(&imports)?;
    let settings = out.attrs(h, &[(b"imports", list)])?;
    let entry = out.attrs(h, &[(b"settings", settings)])?;
    if all_empty {
        empty_entries.insert(imports.len() - 1, entry.clone());
    }
    Ok(entry)
}
