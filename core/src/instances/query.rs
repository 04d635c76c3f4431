//! What tools ask of an inventory besides its expansion: who is in which role and why, for
//! all machines or a few, without building the expansion (`nix-instances explain` and
//! `graph`). Linear in the inventory's structure plus the memberships asked for.

use super::membership::{role_members, tag_members, Scratch};
use super::{read, validate, Class, Report};
use crate::error::Result;
use crate::host::Host;
use crate::read::Name;

/// The inventory as tools see it: the check's findings, every machine with its effective
/// tags, every instance with its roles and the memberships asked for.
#[derive(Debug, Clone, Default)]
pub struct Overview {
    /// What [`super::check`] reports. The rest is meaningful only when `errors` is empty.
    pub report: Report,
    /// In name order.
    pub machines: Vec<MachineView>,
    /// In name order.
    pub instances: Vec<InstanceView>,
}

#[derive(Debug, Clone)]
pub struct MachineView {
    pub name: Name,
    pub darwin: bool,
    /// Effective tags (own, static, computed), sorted.
    pub tags: Vec<Name>,
}

#[derive(Debug, Clone)]
pub struct InstanceView {
    pub name: Name,
    pub module_name: Name,
    pub module_input: Option<Name>,
    pub module_id: Name,
    /// In name order.
    pub roles: Vec<RoleView>,
}

#[derive(Debug, Clone)]
pub struct RoleView {
    pub name: Name,
    /// The role's tags, in name order (a list's duplicates removed).
    pub tags: Vec<Name>,
    /// The members asked for, by machine index, ascending.
    pub members: Vec<MemberView>,
}

#[derive(Debug, Clone)]
pub struct MemberView {
    /// Index into [`Overview::machines`].
    pub machine: usize,
    /// The role lists the machine under `machines`.
    pub listed: bool,
    /// The role's tags (indices into [`RoleView::tags`]) the machine carries, ascending.
    pub tags: Vec<u32>,
}

/// The [`Overview`] of an inventory. With `only`, memberships of those machines alone (names
/// that are not machines are ignored): each role answers in time logarithmic in its size;
/// without, every membership. With `instances`, memberships in those instances alone (the
/// others are listed with their roles, without members). Errors as [`super::check`].
pub fn overview<H: Host>(
    h: &mut H,
    arg: &H::Value,
    only: Option<&[&[u8]]>,
    instances_only: Option<&[&[u8]]>,
) -> Result<Overview> {
    let inv = read::inventory(h, arg)?;
    let tag_members = tag_members(&inv);
    let mut scratch = Scratch::new(inv.machines.len());
    let report = validate::validate(h, &inv, &tag_members, &mut scratch)?;
    if !report.errors.is_empty() {
        return Ok(Overview { report, ..Overview::default() });
    }
    let mut tags: Vec<Vec<Name>> = vec![Vec::new(); inv.machines.len()];
    for (t, ms) in &tag_members {
        h.check_interrupt(ms.len())?;
        for &m in ms {
            tags[m].push(t.clone());
        }
    }
    let machines: Vec<MachineView> = inv
        .machines
        .iter()
        .zip(tags)
        .map(|(m, tags)| MachineView { name: m.name.clone(), darwin: m.class == Class::Darwin, tags })
        .collect();
    let wanted: Option<Vec<usize>> = only.map(|names| {
        let mut w: Vec<usize> =
            names.iter().filter_map(|n| machines.binary_search_by(|m| m.name.as_slice().cmp(n)).ok()).collect();
        w.sort_unstable();
        w.dedup();
        w
    });
    let mut instances = Vec::with_capacity(inv.instances.len());
    for inst in &inv.instances {
        let mut roles = Vec::with_capacity(inst.roles.len());
        let skipped = instances_only.is_some_and(|is| !is.contains(&inst.name.as_slice()));
        for role in &inst.roles {
            if skipped {
                roles.push(RoleView { name: role.name.clone(), tags: role.tags.iter().map(|(t, _)| t.clone()).collect(), members: Vec::new() });
                continue;
            }
            let listed = |m: usize| role.machines.binary_search_by(|e| e.machine.0.as_slice().cmp(&machines[m].name)).is_ok();
            let members = match &wanted {
                Some(w) => w
                    .iter()
                    .filter_map(|&m| {
                        let carried: Vec<u32> = (0..role.tags.len() as u32)
                            .filter(|&k| tag_members.get(&role.tags[k as usize].0).is_some_and(|ms| ms.binary_search(&m).is_ok()))
                            .collect();
                        let listed = listed(m);
                        (listed || !carried.is_empty()).then_some(MemberView { machine: m, listed, tags: carried })
                    })
                    .collect(),
                None => {
                    let members = role_members(role, &tag_members, &mut scratch)?;
                    h.check_interrupt(members.len())?;
                    members
                        .into_iter()
                        .map(|(m, member)| MemberView { machine: m, listed: listed(m), tags: member.tag_indices().collect() })
                        .collect()
                }
            };
            roles.push(RoleView { name: role.name.clone(), tags: role.tags.iter().map(|(t, _)| t.clone()).collect(), members });
        }
        instances.push(InstanceView {
            name: inst.name.clone(),
            module_name: inst.module_name.clone(),
            module_input: inst.module_input.clone(),
            module_id: inst.module_id.clone(),
            roles,
        });
    }
    Ok(Overview { report, machines, instances })
}

/// `builtins.expandInstances`'s result cut down to what machine `machine` gets, built without
/// the rest: the instances and roles it is in (each role with only its own member entry, its
/// settings imports in order), its entry in `machines`, its tags with their members, and the
/// warnings. `Ok(None)` when the inventory is valid but has no such machine. Errors and
/// warnings as [`super::expand`]. Linear in the inventory's structure and the machine's tags'
/// members.
pub fn expand_machine<H: Host>(h: &mut H, arg: &H::Value, machine: &[u8]) -> Result<Option<H::Value>> {
    use crate::output::Output;

    let super::Valid { inv, tag_members, warnings, .. } = super::valid(h, arg)?;
    let Ok(m) = inv.machines.binary_search_by(|x| x.name.as_slice().cmp(machine)) else { return Ok(None) };
    let mut out = Output::<H>::new();
    let empty_set = h.make_attrs(&[], &[])?;
    let empty_list = h.make_list(&[])?;
    let null = h.make_null()?;
    let carries = |t: &[u8]| tag_members.get(t).is_some_and(|ms| ms.binary_search(&m).is_ok());

    let mut instance_names = Vec::new();
    let mut instance_values = Vec::new();
    let mut placements = Vec::new();
    for inst in &inv.instances {
        let mut role_names = Vec::new();
        let mut role_values = Vec::new();
        let mut roles_in = Vec::new();
        for role in &inst.roles {
            h.check_interrupt(1 + role.tags.len())?;
            let listed = role.machines.binary_search_by(|e| e.machine.0.as_slice().cmp(machine)).ok();
            let tags: Vec<usize> = (0..role.tags.len()).filter(|&k| carries(&role.tags[k].0)).collect();
            if listed.is_none() && tags.is_empty() {
                continue;
            }
            let explicit = listed.and_then(|k| role.machines[k].settings.clone());
            let mut imports = vec![explicit.unwrap_or_else(|| empty_set.clone())];
            imports.extend(tags.iter().map(|&k| role.tags[k].1.clone().unwrap_or_else(|| empty_set.clone())));
            let list = h.make_list(&imports)?;
            let settings = out.attrs(h, &[(b"imports", list)])?;
            let entry = out.attrs(h, &[(b"settings", settings)])?;
            let name = out.name(h, machine)?;
            let machines = h.make_attrs(&[name], &[entry])?;
            role_names.push(out.name(h, &role.name)?);
            role_values.push(super::render::role_value(h, &mut out, role, machines, &empty_set, &empty_list)?);
            roles_in.push(out.string(h, &role.name)?);
        }
        if role_names.is_empty() {
            continue;
        }
        instance_names.push(out.name(h, &inst.name)?);
        instance_values.push(super::render::instance_value(h, &mut out, inst, &role_names, &role_values, &null)?);
        let list = h.make_list(&roles_in)?;
        placements.push(out.attrs(h, &[(b"roles", list)])?);
    }
    let instances = h.make_attrs(&instance_names, &instance_values)?;

    let mut tag_names = Vec::new();
    let mut tag_values = Vec::new();
    let mut own_tags = Vec::new();
    for (tag, ms) in &tag_members {
        if ms.binary_search(&m).is_err() {
            continue;
        }
        h.check_interrupt(1 + ms.len())?;
        let items = ms.iter().map(|&k| out.string(h, &inv.machines[k].name)).collect::<Result<Vec<_>>>()?;
        tag_names.push(out.name(h, tag)?);
        tag_values.push(h.make_list(&items)?);
        own_tags.push(out.string(h, tag)?);
    }
    let tags = h.make_attrs(&tag_names, &tag_values)?;
    let tag_list = h.make_list(&own_tags)?;
    let insts = h.make_attrs(&instance_names, &placements)?;
    let entry = out.attrs(h, &[(b"tags", tag_list), (b"instances", insts)])?;
    let name = out.name(h, machine)?;
    let machines = h.make_attrs(&[name], &[entry])?;
    let warning_items = warnings.iter().map(|w| h.make_string(&crate::text::to_bytes(w))).collect::<Result<Vec<_>, _>>()?;
    let warnings = h.make_list(&warning_items)?;
    Ok(Some(out.attrs(h, &[(b"instances", instances), (b"machines", machines), (b"tags", tags), (b"warnings", warnings)])?))
}

/// `builtins.expandInstances`'s result cut down to instance `instance`, built without the
/// rest: its entry, its module's entry in `modules`, and the machines in it with their tags
/// and the roles they have there. `Ok(None)` when the inventory is valid but has no such
/// instance. Errors and warnings as [`super::expand`].
pub fn expand_instance<H: Host>(h: &mut H, arg: &H::Value, instance: &[u8]) -> Result<Option<H::Value>> {
    use std::collections::BTreeMap;

    use crate::output::Output;
    use rustc_hash::FxHashMap;

    let super::Valid { inv, tag_members, mut scratch, warnings } = super::valid(h, arg)?;
    let Ok(ii) = inv.instances.binary_search_by(|x| x.name.as_slice().cmp(instance)) else { return Ok(None) };
    let inst = &inv.instances[ii];
    let mut out = Output::<H>::new();
    let empty_set = h.make_attrs(&[], &[])?;
    let empty_list = h.make_list(&[])?;
    let null = h.make_null()?;
    let mut empty_entries = FxHashMap::default();
    // machine → the roles it has here, in role order
    let mut roles_of: BTreeMap<usize, Vec<H::Value>> = BTreeMap::new();
    let mut role_names = Vec::with_capacity(inst.roles.len());
    let mut role_values = Vec::with_capacity(inst.roles.len());
    for role in &inst.roles {
        let members = role_members(role, &tag_members, &mut scratch)?;
        h.check_interrupt(1 + members.len())?;
        let role_name = out.string(h, &role.name)?;
        let mut names = Vec::with_capacity(members.len());
        let mut values = Vec::with_capacity(members.len());
        for (m, member) in &members {
            names.push(out.name(h, &inv.machines[*m].name)?);
            values.push(super::render::member_entry(h, &mut out, role, member, &empty_set, &mut empty_entries)?);
            roles_of.entry(*m).or_default().push(role_name.clone());
        }
        let machines = h.make_attrs(&names, &values)?;
        role_names.push(out.name(h, &role.name)?);
        role_values.push(super::render::role_value(h, &mut out, role, machines, &empty_set, &empty_list)?);
    }
    let inst_name = out.name(h, &inst.name)?;
    let inst_value = super::render::instance_value(h, &mut out, inst, &role_names, &role_values, &null)?;
    let instances = h.make_attrs(std::slice::from_ref(&inst_name), &[inst_value])?;

    // the tags of the machines in it
    let mut tags_of: BTreeMap<usize, Vec<H::Value>> = roles_of.keys().map(|&m| (m, Vec::new())).collect();
    for (tag, ms) in &tag_members {
        h.check_interrupt(ms.len())?;
        for m in ms {
            if let Some(list) = tags_of.get_mut(m) {
                list.push(out.string(h, tag)?);
            }
        }
    }
    let mut machine_names = Vec::with_capacity(roles_of.len());
    let mut machine_values = Vec::with_capacity(roles_of.len());
    for (m, roles) in roles_of {
        let list = h.make_list(&roles)?;
        let placement = out.attrs(h, &[(b"roles", list)])?;
        let insts = h.make_attrs(std::slice::from_ref(&inst_name), &[placement])?;
        let tags = h.make_list(&tags_of[&m])?;
        machine_names.push(out.name(h, &inv.machines[m].name)?);
        machine_values.push(out.attrs(h, &[(b"tags", tags), (b"instances", insts)])?);
    }
    let machines = h.make_attrs(&machine_names, &machine_values)?;
    let users = inv.instances.iter().filter(|i| i.module_id == inst.module_id).map(|i| out.string(h, &i.name)).collect::<Result<Vec<_>>>()?;
    let users = h.make_list(&users)?;
    let module_key = out.name(h, &inst.module_id)?;
    let modules = h.make_attrs(&[module_key], &[users])?;
    let warning_items = warnings.iter().map(|w| h.make_string(&crate::text::to_bytes(w))).collect::<Result<Vec<_>, _>>()?;
    let warnings = h.make_list(&warning_items)?;
    Ok(Some(out.attrs(h, &[(b"instances", instances), (b"machines", machines), (b"modules", modules), (b"warnings", warnings)])?))
}
