//! Reading the inventory (contract checks 1–5): every structural value is forced and
//! type-checked in the contract's order; the first type error stops. Names are only looked up
//! here, never judged: an unknown machine is kept as such for [`super::validate`].

use std::collections::{BTreeMap, HashMap};

use super::{Class, Constraint, Explicit, Instance, Inventory, Machine, MachineRef, Module, Role, StaticTag};
use crate::error::{with_capacity, Error, Result};
use crate::host::{Host, Kind};
use crate::path;
use crate::path::Path;
use crate::read::{self, Name};

pub(super) fn inventory<H: Host>(h: &mut H, arg: &H::Value) -> Result<Inventory<H::Value>> {
    let root = Path::root();
    read::expect(h, arg, &root, Kind::Attrs, "a set")?;
    // both optional, as in clan (`inventory.machines` and `inventory.instances` default to { })
    let machines_v = read::field(h, arg, "machines")?;
    let instances_v = read::field(h, arg, "instances")?;

    let machines = machines(h, machines_v.as_ref())?;
    let mut index: HashMap<&[u8], usize> = HashMap::new();
    index.try_reserve(machines.len()).map_err(|_| Error::OutOfMemory)?;
    index.extend(machines.iter().enumerate().map(|(i, m)| (m.name.as_slice(), i)));
    let lookup = |name: Name| -> MachineRef {
        let i = index.get(name.as_slice()).copied();
        (name, i)
    };
    let tags_v = read::field(h, arg, "tags")?;
    let static_tags = static_tags(h, tags_v.as_ref(), &lookup)?;
    let modules_v = read::field(h, arg, "modules")?;
    let modules = modules(h, modules_v.as_ref())?;
    let instances = instances(h, instances_v.as_ref(), &lookup)?;
    Ok(Inventory { machines, static_tags, modules, instances })
}

fn machines<H: Host>(h: &mut H, v: Option<&H::Value>) -> Result<Vec<Machine>> {
    let entries = read::attrs_or_empty(h, v, &path!["machines"])?;
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

fn static_tags<H: Host>(h: &mut H, v: Option<&H::Value>, lookup: &impl Fn(Name) -> MachineRef) -> Result<Vec<StaticTag>> {
    let mut out = Vec::new();
    for (name, list) in read::attrs_or_empty(h, v, &path!["tags"])? {
        let names = read::name_list(h, &list, &path!["tags", &name])?;
        h.check_interrupt(1 + names.len())?;
        out.push(StaticTag { name, machines: names.into_iter().map(lookup).collect() });
    }
    Ok(out)
}

/// `null` or an integer of at least `least` (clan's `nullOr ints.unsigned` for 0,
/// `nullOr ints.positive` for 1).
fn limit<H: Host>(h: &mut H, set: &H::Value, name: &str, path: &Path, least: i64) -> Result<Option<i64>> {
    let expected = if least == 0 { "a non-negative integer or null" } else { "a positive integer or null" };
    let Some(v) = read::field(h, set, name)? else { return Ok(None) };
    let p = path.attr(name);
    match h.kind(&v)? {
        Kind::Null => Ok(None),
        Kind::Int => match h.int(&v)? {
            n if n >= least => Ok(Some(n)),
            n => Err(Error::invalid(p, format!("expected {expected}, got {n}"))),
        },
        got => Err(read::wrong_type(&p, expected, got)),
    }
}

fn modules<H: Host>(h: &mut H, v: Option<&H::Value>) -> Result<BTreeMap<Name, Module>> {
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
        let max_instances = limit(h, &m, "maxInstances", &p, 1)?;
        let constraints_v = read::field(h, &m, "constraints")?;
        let mut constraints = Vec::new();
        for (role, c) in read::attrs_or_empty(h, constraints_v.as_ref(), &p.attr("constraints"))? {
            h.check_interrupt(1)?;
            let cp = p.attr("constraints").attr(&role);
            read::expect(h, &c, &cp, Kind::Attrs, "a set")?;
            let min = limit(h, &c, "minMachines", &cp, 0)?;
            let max = limit(h, &c, "maxMachines", &cp, 1)?;
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

fn instances<H: Host>(
    h: &mut H,
    v: Option<&H::Value>,
    lookup: &impl Fn(Name) -> MachineRef,
) -> Result<Vec<Instance<H::Value>>> {
    let entries = read::attrs_or_empty(h, v, &path!["instances"])?;
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
        let roles_v = read::field(h, &i, "roles")?;
        let mut roles = Vec::new();
        for (role, r) in read::attrs_or_empty(h, roles_v.as_ref(), &p.attr("roles"))? {
            roles.push(self::role(h, &p.attr("roles").attr(&role), role, &r, lookup)?);
        }
        out.push(Instance { name, module_name, module_input, module_id, roles });
    }
    Ok(out)
}

fn role<H: Host>(h: &mut H, p: &Path, name: Name, r: &H::Value, lookup: &impl Fn(Name) -> MachineRef) -> Result<Role<H::Value>> {
    read::expect(h, r, p, Kind::Attrs, "a set")?;

    let machines_v = read::field(h, r, "machines")?;
    let mut machines = Vec::new();
    for (m, entry) in read::attrs_or_empty(h, machines_v.as_ref(), &p.attr("machines"))? {
        h.check_interrupt(1)?;
        read::expect(h, &entry, &p.attr("machines").attr(&m), Kind::Attrs, "a set")?;
        machines.push(Explicit { machine: lookup(m), settings: read::field(h, &entry, "settings")? });
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
