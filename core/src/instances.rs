//! `expandInstances`: clan-style `inventory.instances` expansion (docs/contract.md).
//!
//! Reading and checking follow the contract's order, so the first failure is the error the
//! pure-Nix twin reports too. Settings and extraModules are never forced: they travel as the
//! very input values into the output.

use std::collections::{BTreeMap, HashMap};

use rustc_hash::FxHashMap;

use crate::error::{reserve, with_capacity, Error, Result};
use crate::host::{Host, Kind};
use crate::output::Output;
use crate::path;
use crate::path::Path;
use crate::read::{self, Name};
use crate::suggest::{did_you_mean, join_names};

/// The tags computed from the machines when the `tags` argument does not give them.
const COMPUTED_TAGS: [&[u8]; 3] = [b"all", b"darwin", b"nixos"];

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

struct Constraint {
    role: Name,
    min: Option<i64>,
    max: Option<i64>,
}

struct Module {
    /// Sorted, unique.
    roles: Option<Vec<Name>>,
    max_instances: Option<i64>,
    constraints: Vec<Constraint>,
}

struct Role<V> {
    name: Name,
    /// Explicit members (machine index) with their `settings`, if given.
    machines: Vec<(usize, Option<V>)>,
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
    roles: Vec<Role<V>>,
}

/// One machine's place in one role: where its settings imports come from. Members with the
/// same sources share one output value.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Member {
    /// Index into the role's `machines` when the machine is listed with `settings`.
    explicit: Option<u32>,
    /// The role's tags (by index, tag-name order) the machine carries: the first 64 as bits,
    /// any further ones listed.
    tags: u64,
    more_tags: Vec<u32>,
}

impl Member {
    fn add_tag(&mut self, k: u32) {
        if k < 64 {
            self.tags |= 1 << k;
        } else {
            self.more_tags.push(k);
        }
    }

    /// The carried tags' indices, ascending.
    fn tag_indices(&self) -> impl Iterator<Item = u32> + '_ {
        (0..64u32).filter(|k| self.tags & (1 << k) != 0).chain(self.more_tags.iter().copied())
    }
}

/// The members of one role, by machine index, ascending.
type Members = Vec<(usize, Member)>;

struct Inventory<V> {
    machines: Vec<Machine>,
    machine_index: HashMap<Name, usize>,
    static_tags: Vec<(Name, Vec<usize>)>,
    modules: BTreeMap<Name, Module>,
    instances: Vec<Instance<V>>,
}

/// Expands an inventory: `builtins.expandInstances`.
pub fn expand<H: Host>(h: &mut H, arg: &H::Value) -> Result<H::Value> {
    let inv = read_inventory(h, arg)?;
    let tag_members = tag_members(&inv);
    let mut scratch = Scratch::new(inv.machines.len());
    check_max_instances(&inv)?;
    check_constraints(h, &inv, &tag_members, &mut scratch)?;
    let warnings = unmatched_tag_warnings(&inv, &tag_members);
    for w in &warnings {
        h.warn(w);
    }
    render(h, &inv, &tag_members, &mut scratch, &warnings)
}

// ---------------------------------------------------------------------------------------------
// Reading (contract checks 1–5)

fn read_inventory<H: Host>(h: &mut H, arg: &H::Value) -> Result<Inventory<H::Value>> {
    let root = Path::root();
    read::expect(h, arg, &root, Kind::Attrs, "a set")?;
    let machines_v = read::required(h, arg, "machines", &root)?;
    let instances_v = read::required(h, arg, "instances", &root)?;

    let machines = read_machines(h, &machines_v)?;
    let mut machine_index: HashMap<Name, usize> = HashMap::new();
    machine_index.try_reserve(machines.len()).map_err(|_| Error::OutOfMemory)?;
    machine_index.extend(machines.iter().enumerate().map(|(i, m)| (m.name.clone(), i)));
    let tags_v = read::field(h, arg, "tags")?;
    let static_tags = read_static_tags(h, tags_v.as_ref(), &machines, &machine_index)?;
    let modules_v = read::field(h, arg, "modules")?;
    let modules = read_modules(h, modules_v.as_ref())?;
    let mut inv = Inventory { machines, machine_index, static_tags, modules, instances: Vec::new() };
    inv.instances = read_instances(h, &instances_v, &inv)?;
    Ok(inv)
}

fn read_machines<H: Host>(h: &mut H, v: &H::Value) -> Result<Vec<Machine>> {
    let entries = read::attrs(h, v, &path!["machines"])?;
    let mut out = with_capacity(entries.len())?;
    for (name, m) in entries {
        h.check_interrupt(1)?;
        let p = path!["machines", &name];
        read::expect(h, &m, &p, Kind::Attrs, "a set")?;
        let own_tags = match read::field(h, &m, "tags")? {
            Some(t) => read::name_list(h, &t, &p.attr("tags"))?,
            None => Vec::new(),
        };
        let class = match read::field(h, &m, "machineClass")? {
            None => Class::Nixos,
            Some(c) => {
                let cp = p.attr("machineClass");
                match read::string(h, &c, &cp)?.as_slice() {
                    b"nixos" => Class::Nixos,
                    b"darwin" => Class::Darwin,
                    other => {
                        let got = crate::text::show(other);
                        return Err(Error::invalid(cp, format!("expected \"nixos\" or \"darwin\", got \"{got}\"")));
                    }
                }
            }
        };
        out.push(Machine { name, class, own_tags });
    }
    Ok(out)
}

fn unknown_machine(path: Path, name: &[u8], machines: &[Machine]) -> Error {
    let hint = did_you_mean(name, machines.iter().map(|m| m.name.as_slice()));
    Error::invalid(path, format!("no machine named '{}'{hint}", crate::text::show(name)))
}

fn read_static_tags<H: Host>(
    h: &mut H,
    v: Option<&H::Value>,
    machines: &[Machine],
    index: &HashMap<Name, usize>,
) -> Result<Vec<(Name, Vec<usize>)>> {
    let mut out = Vec::new();
    for (tag, list) in read::attrs_or_empty(h, v, &path!["tags"])? {
        let p = path!["tags", &tag];
        let names = read::name_list(h, &list, &p)?;
        h.check_interrupt(1 + names.len())?;
        let mut members = Vec::with_capacity(names.len());
        for (j, name) in names.iter().enumerate() {
            match index.get(name) {
                Some(&m) => members.push(m),
                None => return Err(unknown_machine(p.index(j), name, machines)),
            }
        }
        out.push((tag, members));
    }
    Ok(out)
}

fn read_modules<H: Host>(h: &mut H, v: Option<&H::Value>) -> Result<BTreeMap<Name, Module>> {
    let mut out = BTreeMap::new();
    for (id, m) in read::attrs_or_empty(h, v, &path!["modules"])? {
        h.check_interrupt(1)?;
        let p = path!["modules", &id];
        read::expect(h, &m, &p, Kind::Attrs, "a set")?;
        let roles = match read::field(h, &m, "roles")? {
            None => None,
            Some(r) => match h.kind(&r)? {
                Kind::Null => None,
                _ => {
                    // sorted: roles are looked up in it by binary search
                    let mut roles = read::name_list(h, &r, &p.attr("roles"))?;
                    roles.sort_unstable();
                    roles.dedup();
                    Some(roles)
                }
            },
        };
        let max_instances = match read::field(h, &m, "maxInstances")? {
            None => None,
            Some(n) => read::int_or_null(h, &n, &p.attr("maxInstances"))?,
        };
        let constraints_v = read::field(h, &m, "constraints")?;
        let mut constraints = Vec::new();
        for (role, c) in read::attrs_or_empty(h, constraints_v.as_ref(), &p.attr("constraints"))? {
            let cp = p.attr("constraints").attr(&role);
            read::expect(h, &c, &cp, Kind::Attrs, "a set")?;
            let mut bound = |name: &str| -> Result<Option<i64>> {
                match read::field(h, &c, name)? {
                    None => Ok(None),
                    Some(n) => read::int_or_null(h, &n, &cp.attr(name)),
                }
            };
            let min = bound("minMachines")?;
            let max = bound("maxMachines")?;
            constraints.push(Constraint { role, min, max });
        }
        out.insert(id, Module { roles, max_instances, constraints });
    }
    Ok(out)
}

fn module_id(name: &[u8], input: Option<&[u8]>) -> Name {
    let mut id = input.unwrap_or(b"<clan-core>").to_vec();
    id.push(b'-');
    id.extend_from_slice(name);
    id
}

fn read_instances<H: Host>(h: &mut H, v: &H::Value, inv: &Inventory<H::Value>) -> Result<Vec<Instance<H::Value>>> {
    let entries = read::attrs(h, v, &path!["instances"])?;
    let mut out = with_capacity(entries.len())?;
    for (name, i) in entries {
        h.check_interrupt(1)?;
        let p = path!["instances", &name];
        read::expect(h, &i, &p, Kind::Attrs, "a set")?;
        let (module_name, module_input) = match read::field(h, &i, "module")? {
            None => (name.clone(), None),
            Some(m) => {
                let mp = p.attr("module");
                read::expect(h, &m, &mp, Kind::Attrs, "a set")?;
                let module_name = match read::field(h, &m, "name")? {
                    None => name.clone(),
                    Some(n) => read::name(h, &n, &mp.attr("name"))?,
                };
                let input = match read::field(h, &m, "input")? {
                    None => None,
                    Some(n) => read::name_or_null(h, &n, &mp.attr("input"))?,
                };
                (module_name, input)
            }
        };
        let module_id = module_id(&module_name, module_input.as_deref());
        let module = inv.modules.get(&module_id);
        let roles_v = read::field(h, &i, "roles")?;
        let mut roles = Vec::new();
        for (role, r) in read::attrs_or_empty(h, roles_v.as_ref(), &p.attr("roles"))? {
            roles.push(read_role(h, &p.attr("roles").attr(&role), role, &r, &module_id, module, inv)?);
        }
        out.push(Instance { name, module_name, module_input, module_id, roles });
    }
    Ok(out)
}

fn read_role<H: Host>(
    h: &mut H,
    p: &Path,
    name: Name,
    r: &H::Value,
    module_id: &[u8],
    module: Option<&Module>,
    inv: &Inventory<H::Value>,
) -> Result<Role<H::Value>> {
    read::expect(h, r, p, Kind::Attrs, "a set")?;
    if let Some(known) = module.and_then(|m| m.roles.as_ref()) {
        if known.binary_search(&name).is_err() {
            let hint = did_you_mean(&name, known.iter().map(Vec::as_slice));
            return Err(Error::invalid(
                p.clone(),
                format!(
                    "module '{}' has no role '{}'{hint}; its roles: {}",
                    crate::text::show(module_id),
                    crate::text::show(&name),
                    join_names(known.iter().map(Vec::as_slice))
                ),
            ));
        }
    }

    let machines_v = read::field(h, r, "machines")?;
    let mut machines = Vec::new();
    for (m, entry) in read::attrs_or_empty(h, machines_v.as_ref(), &p.attr("machines"))? {
        h.check_interrupt(1)?;
        let mp = p.attr("machines").attr(&m);
        read::expect(h, &entry, &mp, Kind::Attrs, "a set")?;
        let idx = match inv.machine_index.get(&m) {
            Some(&idx) => idx,
            None => return Err(unknown_machine(mp, &m, &inv.machines)),
        };
        machines.push((idx, read::field(h, &entry, "settings")?));
    }

    let mut tags = Vec::new();
    if let Some(t) = read::field(h, r, "tags")? {
        let tp = p.attr("tags");
        match h.kind(&t)? {
            Kind::Attrs => {
                for (tag, entry) in read::attrs(h, &t, &tp)? {
                    h.check_interrupt(1)?;
                    read::expect(h, &entry, &tp.attr(&tag), Kind::Attrs, "a set")?;
                    let settings = read::field(h, &entry, "settings")?;
                    tags.push((tag, settings));
                }
            }
            Kind::List => {
                let mut names = read::name_list(h, &t, &tp)?;
                names.sort_unstable();
                names.dedup();
                tags.extend(names.into_iter().map(|n| (n, None)));
            }
            got => return Err(read::wrong_type(&tp, "a set or a list of tag names", got)),
        }
    }

    Ok(Role {
        name,
        machines,
        tags,
        settings: read::field(h, r, "settings")?,
        extra_modules: read::field(h, r, "extraModules")?,
    })
}

// ---------------------------------------------------------------------------------------------
// Semantics

/// Effective membership of every tag: sorted, unique machine indices.
fn tag_members<V>(inv: &Inventory<V>) -> BTreeMap<Name, Vec<usize>> {
    let mut tags: BTreeMap<Name, Vec<usize>> = BTreeMap::new();
    for (i, m) in inv.machines.iter().enumerate() {
        for t in &m.own_tags {
            tags.entry(t.clone()).or_default().push(i);
        }
    }
    for (t, ms) in &inv.static_tags {
        tags.entry(t.clone()).or_default().extend(ms);
    }
    for computed in COMPUTED_TAGS {
        if inv.static_tags.iter().any(|(t, _)| t == computed) {
            continue;
        }
        let entry = tags.entry(computed.to_vec()).or_default();
        for (i, m) in inv.machines.iter().enumerate() {
            let carries = match computed {
                b"all" => true,
                b"nixos" => m.class == Class::Nixos,
                _ => m.class == Class::Darwin,
            };
            if carries {
                entry.push(i);
            }
        }
    }
    for ms in tags.values_mut() {
        ms.sort_unstable();
        ms.dedup();
    }
    tags
}

/// Scratch space for [`role_members`], reused across roles: one slot and one bit per machine.
struct Scratch {
    slots: Vec<u32>,
    marks: Vec<u64>,
}

impl Scratch {
    fn new(machines: usize) -> Scratch {
        Scratch { slots: vec![u32::MAX; machines], marks: vec![0; machines.div_ceil(64)] }
    }
}

fn role_members<V>(role: &Role<V>, tag_members: &BTreeMap<Name, Vec<usize>>, scratch: &mut Scratch) -> Result<Members> {
    let Scratch { slots, marks } = scratch;
    // at most every machine once: room for all of them, or for the explicit ones and tag
    // members, whichever is fewer
    let bound = role.machines.len()
        + role.tags.iter().map(|(t, _)| tag_members.get(t).map_or(0, Vec::len)).sum::<usize>();
    let mut members: Members = with_capacity(bound.min(slots.len()))?;
    let mut slot_of = |m: usize, members: &mut Members| -> usize {
        if slots[m] == u32::MAX {
            slots[m] = members.len() as u32;
            marks[m / 64] |= 1 << (m % 64);
            members.push((m, Member { explicit: None, tags: 0, more_tags: Vec::new() }));
        }
        slots[m] as usize
    };
    for (k, (m, settings)) in role.machines.iter().enumerate() {
        let i = slot_of(*m, &mut members);
        members[i].1.explicit = settings.as_ref().map(|_| k as u32);
    }
    for (k, (tag, _)) in role.tags.iter().enumerate() {
        for &m in tag_members.get(tag).map(Vec::as_slice).unwrap_or_default() {
            let i = slot_of(m, &mut members);
            members[i].1.add_tag(k as u32);
        }
    }
    // machine order, read off the marks; the scratch space is left clean
    let mut sorted = with_capacity(members.len())?;
    let mut slots_taken: Vec<Option<(usize, Member)>> = members.into_iter().map(Some).collect();
    for (w, word) in marks.iter_mut().enumerate() {
        let mut bits = std::mem::take(word);
        while bits != 0 {
            let m = w * 64 + bits.trailing_zeros() as usize;
            bits &= bits - 1;
            sorted.push(slots_taken[slots[m] as usize].take().expect("each machine once"));
            slots[m] = u32::MAX;
        }
    }
    Ok(sorted)
}

fn instances_of_module<'a, V>(inv: &'a Inventory<V>, id: &[u8]) -> Vec<&'a [u8]> {
    inv.instances.iter().filter(|i| i.module_id == id).map(|i| i.name.as_slice()).collect()
}

fn check_max_instances<V>(inv: &Inventory<V>) -> Result<()> {
    for (id, module) in &inv.modules {
        let Some(max) = module.max_instances else { continue };
        let users = instances_of_module(inv, id);
        if !users.is_empty() && (users.len() as i64) > max {
            let first_over = users[max.max(0) as usize];
            return Err(Error::invalid(
                path!["instances", first_over],
                format!(
                    "module '{}' allows at most {max} instances; used by {}",
                    crate::text::show(id),
                    join_names(users.iter().copied())
                ),
            ));
        }
    }
    Ok(())
}

fn check_constraints<H: Host>(
    h: &mut H,
    inv: &Inventory<H::Value>,
    tag_members: &BTreeMap<Name, Vec<usize>>,
    scratch: &mut Scratch,
) -> Result<()> {
    for inst in &inv.instances {
        let Some(module) = inv.modules.get(&inst.module_id) else { continue };
        for c in &module.constraints {
            // roles are in name order
            let count = match inst.roles.binary_search_by(|r| r.name.cmp(&c.role)) {
                Ok(k) => role_members(&inst.roles[k], tag_members, scratch)?.len(),
                Err(_) => 0,
            };
            h.check_interrupt(1 + count)?;
            let count = count as i64;
            let (bound, word) = match (c.min, c.max) {
                (Some(min), _) if count < min => (min, "least"),
                (_, Some(max)) if count > max => (max, "most"),
                _ => continue,
            };
            return Err(Error::invalid(
                path!["instances", &inst.name, "roles", &c.role],
                format!(
                    "module '{}' needs at {word} {bound} machines in role '{}', got {count}",
                    crate::text::show(&inst.module_id),
                    crate::text::show(&c.role)
                ),
            ));
        }
    }
    Ok(())
}

fn unmatched_tag_warnings<V>(inv: &Inventory<V>, tag_members: &BTreeMap<Name, Vec<usize>>) -> Vec<String> {
    let in_use = || tag_members.iter().filter(|(_, ms)| !ms.is_empty()).map(|(t, _)| t.as_slice());
    let mut warnings = Vec::new();
    for inst in &inv.instances {
        for role in &inst.roles {
            for (tag, _) in &role.tags {
                if tag_members.get(tag).is_some_and(|ms| !ms.is_empty()) {
                    continue;
                }
                let p = path!["instances", &inst.name, "roles", &role.name, "tags", tag];
                warnings.push(format!(
                    "{p}: tag '{}' matches no machine{}; tags in use: {}",
                    crate::text::show(tag),
                    did_you_mean(tag, in_use()),
                    join_names(in_use())
                ));
            }
        }
    }
    warnings
}

// ---------------------------------------------------------------------------------------------
// Output
//
// Output values are shared wherever they are equal: a member entry per distinct source of
// settings, a `{ roles = [ … ]; }` per distinct role list, a tag list per distinct tag set, a
// string per distinct name. Values are immutable, so sharing is invisible to Nix code; it
// keeps a large expansion from allocating millions of identical values.

fn render<H: Host>(
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
            let role_out = out.attrs(
                h,
                &[
                    (b"machines", machines),
                    (b"settings", role.settings.clone().unwrap_or_else(|| empty_set.clone())),
                    (b"extraModules", role.extra_modules.clone().unwrap_or_else(|| empty_list.clone())),
                ],
            )?;
            role_names.push(out.name(h, &role.name)?);
            role_values.push(role_out);
        }
        let module_name = out.string(h, &inst.module_name)?;
        let input = match &inst.module_input {
            Some(i) => out.string(h, i)?,
            None => null.clone(),
        };
        let module = out.attrs(h, &[(b"name", module_name), (b"input", input)])?;
        let module_id = out.string(h, &inst.module_id)?;
        let roles = h.make_attrs(&role_names, &role_values)?;
        instance_names.push(out.name(h, &inst.name)?);
        instance_values.push(out.attrs(h, &[(b"module", module), (b"moduleId", module_id), (b"roles", roles)])?);
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
fn member_entry<H: Host>(
    h: &mut H,
    out: &mut Output<H>,
    role: &Role<H::Value>,
    member: &Member,
    empty_set: &H::Value,
    empty_entries: &mut FxHashMap<usize, H::Value>,
) -> Result<H::Value> {
    let explicit = member.explicit.and_then(|k| role.machines[k as usize].1.clone());
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

#[cfg(test)]
mod tests {
    use super::expand;
    use crate::json::JsonHost;
    use serde_json::{json, Value};

    fn run(input: Value) -> (Result<Value, String>, Vec<String>) {
        let mut h = JsonHost::default();
        let r = expand(&mut h, &input).map_err(|e| e.to_string());
        (r, h.warnings)
    }

    fn ok(input: Value) -> Value {
        run(input).0.unwrap()
    }

    #[test]
    fn effective_tags_combine_own_static_and_computed() {
        let out = ok(json!({
            "machines": { "a": { "tags": ["web", "web"] }, "b": { "machineClass": "darwin" } },
            "tags": { "backup": ["b", "a"] },
            "instances": {}
        }));
        assert_eq!(out["machines"]["a"]["tags"], json!(["all", "backup", "nixos", "web"]));
        assert_eq!(out["machines"]["b"]["tags"], json!(["all", "backup", "darwin"]));
        assert_eq!(out["tags"], json!({ "all": ["a", "b"], "backup": ["a", "b"], "darwin": ["b"], "nixos": ["a"], "web": ["a"] }));
    }

    #[test]
    fn a_given_computed_tag_replaces_the_computed_one() {
        let out = ok(json!({ "machines": { "a": {}, "b": {} }, "tags": { "all": ["b"] }, "instances": {} }));
        assert_eq!(out["tags"]["all"], json!(["b"]));
        assert_eq!(out["machines"]["a"]["tags"], json!(["nixos"]));
    }

    #[test]
    fn members_import_explicit_then_tag_settings_in_tag_order() {
        let out = ok(json!({
            "machines": { "a": { "tags": ["x", "y"] }, "b": { "tags": ["y"] } },
            "instances": { "i": { "roles": { "r": {
                "machines": { "a": { "settings": "A" } },
                "tags": { "y": { "settings": "Y" }, "x": {} },
                "settings": "R"
            } } } }
        }));
        let r = &out["instances"]["i"]["roles"]["r"];
        assert_eq!(r["machines"]["a"]["settings"]["imports"], json!(["A", {}, "Y"]));
        assert_eq!(r["machines"]["b"]["settings"]["imports"], json!([{}, "Y"]));
        assert_eq!(r["settings"], json!("R"));
        assert_eq!(r["extraModules"], json!([]));
        assert_eq!(out["instances"]["i"]["moduleId"], json!("<clan-core>-i"));
        assert_eq!(out["modules"], json!({ "<clan-core>-i": ["i"] }));
        assert_eq!(out["machines"]["b"]["instances"], json!({ "i": { "roles": ["r"] } }));
    }

    #[test]
    fn unknown_machines_get_a_suggestion() {
        let (r, _) = run(json!({ "machines": { "db1": {} }, "instances": { "web": { "roles": { "server": { "machines": { "db2": {} } } } } } }));
        assert_eq!(r.unwrap_err(), "instances.web.roles.server.machines.db2: no machine named 'db2' (did you mean 'db1'?)");
    }

    #[test]
    fn unmatched_role_tags_warn() {
        let (r, w) = run(json!({ "machines": { "a": { "tags": ["web"] } }, "instances": { "i": { "roles": { "r": { "tags": ["wbe"] } } } } }));
        assert_eq!(r.unwrap()["warnings"], json!(w));
        assert_eq!(w, vec!["instances.i.roles.r.tags.wbe: tag 'wbe' matches no machine (did you mean 'web'?); tags in use: all, nixos, web"]);
    }

    #[test]
    fn module_validation() {
        let base = |modules: Value, roles: Value| json!({
            "machines": { "a": {}, "b": {} },
            "instances": { "i": { "module": { "name": "m" }, "roles": roles }, "j": { "module": { "name": "m" } } },
            "modules": { "<clan-core>-m": modules }
        });
        let err = |v| run(v).0.unwrap_err();
        assert_eq!(
            err(base(json!({ "roles": ["server", "client"] }), json!({ "sever": {} }))),
            "instances.i.roles.sever: module '<clan-core>-m' has no role 'sever' (did you mean 'server'?); its roles: client, server"
        );
        assert_eq!(
            err(base(json!({ "maxInstances": 1 }), json!({}))),
            "instances.j: module '<clan-core>-m' allows at most 1 instances; used by i, j"
        );
        assert_eq!(
            err(base(json!({ "constraints": { "server": { "maxMachines": 1 } } }), json!({ "server": { "tags": ["all"] } }))),
            "instances.i.roles.server: module '<clan-core>-m' needs at most 1 machines in role 'server', got 2"
        );
        assert_eq!(
            err(base(json!({ "constraints": { "server": { "minMachines": 1 } } }), json!({}))),
            "instances.i.roles.server: module '<clan-core>-m' needs at least 1 machines in role 'server', got 0"
        );
        // no instance uses a module with a negative limit: nothing to complain about
        assert!(run(json!({ "machines": {}, "instances": {}, "modules": { "x": { "maxInstances": -1 } } })).0.is_ok());
    }

    #[test]
    fn type_errors_name_the_path() {
        let err = |v| run(v).0.unwrap_err();
        assert_eq!(err(json!([])), "expected a set, got a list");
        assert_eq!(err(json!({ "instances": {} })), "machines: missing required attribute");
        assert_eq!(err(json!({ "machines": { "a": { "tags": "web" } }, "instances": {} })), "machines.a.tags: expected a list, got a string");
        assert_eq!(err(json!({ "machines": { "a": { "tags": [1] } }, "instances": {} })), "machines.a.tags[0]: expected a string, got an integer");
        assert_eq!(
            err(json!({ "machines": { "a": { "machineClass": "linux" } }, "instances": {} })),
            "machines.a.machineClass: expected \"nixos\" or \"darwin\", got \"linux\""
        );
        assert_eq!(
            err(json!({ "machines": {}, "instances": { "my i": { "roles": { "r": { "tags": 3 } } } } })),
            "instances.\"my i\".roles.r.tags: expected a set or a list of tag names, got an integer"
        );
    }

    #[test]
    fn output_does_not_depend_on_tag_list_order() {
        let a = ok(json!({ "machines": { "a": { "tags": ["x", "y", "x"] } }, "instances": { "i": { "roles": { "r": { "tags": ["y", "x"] } } } } }));
        let b = ok(json!({ "machines": { "a": { "tags": ["y", "x"] } }, "instances": { "i": { "roles": { "r": { "tags": ["x", "y", "y"] } } } } }));
        assert_eq!(a, b);
    }
}
