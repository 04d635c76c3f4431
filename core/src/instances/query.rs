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
/// without, every membership. Errors as [`super::check`].
pub fn overview<H: Host>(h: &mut H, arg: &H::Value, only: Option<&[&[u8]]>) -> Result<Overview> {
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
        for role in &inst.roles {
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
