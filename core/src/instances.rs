//! `expandInstances`: clan-style `inventory.instances` expansion (docs/contract.md).
//!
//! Reading and checking follow the contract's order, so the first failure is the error the
//! pure-Nix twin reports too. Settings and extraModules are never forced: they travel as the
//! very input values into the output.

use std::collections::{BTreeMap, HashMap};

use crate::error::{Error, Result};
use crate::host::{Host, Kind};
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

/// One machine's place in one role: the settings it imports, in order.
struct Member<V> {
    explicit: Option<V>,
    tag_settings: Vec<Option<V>>,
}

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
    let members: Vec<Vec<BTreeMap<usize, Member<H::Value>>>> =
        inv.instances.iter().map(|i| i.roles.iter().map(|r| role_members(r, &tag_members)).collect()).collect();
    check_max_instances(&inv)?;
    check_constraints(&inv, &members)?;
    let warnings = unmatched_tag_warnings(&inv, &tag_members);
    for w in &warnings {
        h.warn(w);
    }
    render(h, &inv, &tag_members, &members, &warnings)
}

// ---------------------------------------------------------------------------------------------
// Reading (contract checks 1–5)

fn read_inventory<H: Host>(h: &mut H, arg: &H::Value) -> Result<Inventory<H::Value>> {
    let root = Path::root();
    read::expect(h, arg, &root, Kind::Attrs, "a set")?;
    let machines_v = read::required(h, arg, "machines", &root)?;
    let instances_v = read::required(h, arg, "instances", &root)?;

    let machines = read_machines(h, &machines_v)?;
    let machine_index: HashMap<Name, usize> =
        machines.iter().enumerate().map(|(i, m)| (m.name.clone(), i)).collect();
    let tags_v = read::field(h, arg, "tags")?;
    let static_tags = read_static_tags(h, tags_v.as_ref(), &machines, &machine_index)?;
    let modules_v = read::field(h, arg, "modules")?;
    let modules = read_modules(h, modules_v.as_ref())?;
    let mut inv = Inventory { machines, machine_index, static_tags, modules, instances: Vec::new() };
    inv.instances = read_instances(h, &instances_v, &inv)?;
    Ok(inv)
}

fn read_machines<H: Host>(h: &mut H, v: &H::Value) -> Result<Vec<Machine>> {
    let mut out = Vec::new();
    for (name, m) in read::attrs(h, v, &path!["machines"])? {
        let p = path!["machines", &name];
        read::expect(h, &m, &p, Kind::Attrs, "a set")?;
        let own_tags = match read::field(h, &m, "tags")? {
            Some(t) => read::string_list(h, &t, &p.attr("tags"))?,
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
                        let got = String::from_utf8_lossy(other);
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
    Error::invalid(path, format!("no machine named '{}'{hint}", String::from_utf8_lossy(name)))
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
        let names = read::string_list(h, &list, &p)?;
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
        let p = path!["modules", &id];
        read::expect(h, &m, &p, Kind::Attrs, "a set")?;
        let roles = match read::field(h, &m, "roles")? {
            None => None,
            Some(r) => match h.kind(&r)? {
                Kind::Null => None,
                _ => Some(read::string_list(h, &r, &p.attr("roles"))?),
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
    let mut out = Vec::new();
    for (name, i) in read::attrs(h, v, &path!["instances"])? {
        let p = path!["instances", &name];
        read::expect(h, &i, &p, Kind::Attrs, "a set")?;
        let (module_name, module_input) = match read::field(h, &i, "module")? {
            None => (name.clone(), None),
            Some(m) => {
                let mp = p.attr("module");
                read::expect(h, &m, &mp, Kind::Attrs, "a set")?;
                let module_name = match read::field(h, &m, "name")? {
                    None => name.clone(),
                    Some(n) => read::string(h, &n, &mp.attr("name"))?,
                };
                let input = match read::field(h, &m, "input")? {
                    None => None,
                    Some(n) => read::string_or_null(h, &n, &mp.attr("input"))?,
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
        if !known.contains(&name) {
            let hint = did_you_mean(&name, known.iter().map(Vec::as_slice));
            return Err(Error::invalid(
                p.clone(),
                format!(
                    "module '{}' has no role '{}'{hint}; its roles: {}",
                    String::from_utf8_lossy(module_id),
                    String::from_utf8_lossy(&name),
                    join_names(known.iter().map(Vec::as_slice))
                ),
            ));
        }
    }

    let machines_v = read::field(h, r, "machines")?;
    let mut machines = Vec::new();
    for (m, entry) in read::attrs_or_empty(h, machines_v.as_ref(), &p.attr("machines"))? {
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
                    read::expect(h, &entry, &tp.attr(&tag), Kind::Attrs, "a set")?;
                    let settings = read::field(h, &entry, "settings")?;
                    tags.push((tag, settings));
                }
            }
            Kind::List => {
                let mut names = read::string_list(h, &t, &tp)?;
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

fn role_members<V: Clone>(role: &Role<V>, tag_members: &BTreeMap<Name, Vec<usize>>) -> BTreeMap<usize, Member<V>> {
    let mut members: BTreeMap<usize, Member<V>> = BTreeMap::new();
    for (m, settings) in &role.machines {
        members.insert(*m, Member { explicit: settings.clone(), tag_settings: Vec::new() });
    }
    for (tag, settings) in &role.tags {
        for &m in tag_members.get(tag).map(Vec::as_slice).unwrap_or_default() {
            members
                .entry(m)
                .or_insert_with(|| Member { explicit: None, tag_settings: Vec::new() })
                .tag_settings
                .push(settings.clone());
        }
    }
    members
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
                    String::from_utf8_lossy(id),
                    join_names(users.iter().copied())
                ),
            ));
        }
    }
    Ok(())
}

fn check_constraints<V>(inv: &Inventory<V>, members: &[Vec<BTreeMap<usize, Member<V>>>]) -> Result<()> {
    for (inst, inst_members) in inv.instances.iter().zip(members) {
        let Some(module) = inv.modules.get(&inst.module_id) else { continue };
        for c in &module.constraints {
            let count = inst
                .roles
                .iter()
                .position(|r| r.name == c.role)
                .map_or(0, |k| inst_members[k].len()) as i64;
            let (bound, word) = match (c.min, c.max) {
                (Some(min), _) if count < min => (min, "least"),
                (_, Some(max)) if count > max => (max, "most"),
                _ => continue,
            };
            return Err(Error::invalid(
                path!["instances", &inst.name, "roles", &c.role],
                format!(
                    "module '{}' needs at {word} {bound} machines in role '{}', got {count}",
                    String::from_utf8_lossy(&inst.module_id),
                    String::from_utf8_lossy(&c.role)
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
                    String::from_utf8_lossy(tag),
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

/// Output strings made once and shared: machine names appear in many places.
struct Strings<V> {
    cache: HashMap<Vec<u8>, V>,
}

impl<V: Clone> Strings<V> {
    fn get<H: Host<Value = V>>(&mut self, h: &mut H, s: &[u8]) -> Result<V> {
        if let Some(v) = self.cache.get(s) {
            return Ok(v.clone());
        }
        let v = h.make_string(s)?;
        self.cache.insert(s.to_vec(), v.clone());
        Ok(v)
    }
}

fn render<H: Host>(
    h: &mut H,
    inv: &Inventory<H::Value>,
    tag_members: &BTreeMap<Name, Vec<usize>>,
    members: &[Vec<BTreeMap<usize, Member<H::Value>>>],
    warnings: &[String],
) -> Result<H::Value> {
    let mut strings = Strings { cache: HashMap::new() };
    let empty_set = h.make_attrs(Vec::new())?;
    let empty_list = h.make_list(Vec::new())?;
    let null = h.make_null()?;

    // instances, and at the same time each machine's instances and roles
    let mut machine_roles: Vec<Vec<(usize, Vec<&[u8]>)>> = vec![Vec::new(); inv.machines.len()];
    let mut instances_out = Vec::with_capacity(inv.instances.len());
    for (ii, (inst, inst_members)) in inv.instances.iter().zip(members).enumerate() {
        let mut roles_out = Vec::with_capacity(inst.roles.len());
        for (role, role_members) in inst.roles.iter().zip(inst_members) {
            let mut machines_out = Vec::with_capacity(role_members.len());
            for (&m, member) in role_members {
                let mut imports = Vec::with_capacity(1 + member.tag_settings.len());
                imports.push(member.explicit.clone().unwrap_or_else(|| empty_set.clone()));
                for s in &member.tag_settings {
                    imports.push(s.clone().unwrap_or_else(|| empty_set.clone()));
                }
                let imports = h.make_list(imports)?;
                let settings = h.make_attrs(vec![(b"imports", imports)])?;
                let entry = h.make_attrs(vec![(b"settings", settings)])?;
                machines_out.push((inv.machines[m].name.as_slice(), entry));

                let roles = &mut machine_roles[m];
                match roles.last_mut() {
                    Some((i, rs)) if *i == ii => rs.push(&role.name),
                    _ => roles.push((ii, vec![&role.name])),
                }
            }
            let machines = h.make_attrs(machines_out)?;
            let role_out = h.make_attrs(vec![
                (b"machines", machines),
                (b"settings", role.settings.clone().unwrap_or_else(|| empty_set.clone())),
                (b"extraModules", role.extra_modules.clone().unwrap_or_else(|| empty_list.clone())),
            ])?;
            roles_out.push((role.name.as_slice(), role_out));
        }
        let module_name = strings.get(h, &inst.module_name)?;
        let input = match &inst.module_input {
            Some(i) => strings.get(h, i)?,
            None => null.clone(),
        };
        let module = h.make_attrs(vec![(b"name", module_name), (b"input", input)])?;
        let module_id = strings.get(h, &inst.module_id)?;
        let roles = h.make_attrs(roles_out)?;
        let inst_out = h.make_attrs(vec![(b"module", module), (b"moduleId", module_id), (b"roles", roles)])?;
        instances_out.push((inst.name.as_slice(), inst_out));
    }
    let instances = h.make_attrs(instances_out)?;

    // modules
    let mut by_module: BTreeMap<&[u8], Vec<&[u8]>> = BTreeMap::new();
    for inst in &inv.instances {
        by_module.entry(&inst.module_id).or_default().push(&inst.name);
    }
    let mut modules_out = Vec::with_capacity(by_module.len());
    for (id, names) in by_module {
        let mut items = Vec::with_capacity(names.len());
        for n in names {
            items.push(strings.get(h, n)?);
        }
        modules_out.push((id, h.make_list(items)?));
    }
    let modules = h.make_attrs(modules_out)?;

    // each machine's effective tags
    let mut machine_tags: Vec<Vec<&[u8]>> = vec![Vec::new(); inv.machines.len()];
    for (tag, ms) in tag_members {
        for &m in ms {
            machine_tags[m].push(tag);
        }
    }
    let mut machines_out = Vec::with_capacity(inv.machines.len());
    for (m, machine) in inv.machines.iter().enumerate() {
        let mut tags = Vec::with_capacity(machine_tags[m].len());
        for t in &machine_tags[m] {
            tags.push(strings.get(h, t)?);
        }
        let tags = h.make_list(tags)?;
        let mut insts = Vec::with_capacity(machine_roles[m].len());
        for (ii, roles) in &machine_roles[m] {
            let mut items = Vec::with_capacity(roles.len());
            for r in roles {
                items.push(strings.get(h, r)?);
            }
            let roles = h.make_list(items)?;
            insts.push((inv.instances[*ii].name.as_slice(), h.make_attrs(vec![(b"roles", roles)])?));
        }
        let insts = h.make_attrs(insts)?;
        machines_out.push((machine.name.as_slice(), h.make_attrs(vec![(b"tags", tags), (b"instances", insts)])?));
    }
    let machines = h.make_attrs(machines_out)?;

    let mut tags_out = Vec::with_capacity(tag_members.len());
    for (tag, ms) in tag_members {
        let mut items = Vec::with_capacity(ms.len());
        for &m in ms {
            items.push(strings.get(h, &inv.machines[m].name)?);
        }
        tags_out.push((tag.as_slice(), h.make_list(items)?));
    }
    let tags = h.make_attrs(tags_out)?;

    let mut warning_items = Vec::with_capacity(warnings.len());
    for w in warnings {
        warning_items.push(h.make_string(w.as_bytes())?);
    }
    let warnings = h.make_list(warning_items)?;

    Ok(h.make_attrs(vec![
        (b"instances", instances),
        (b"modules", modules),
        (b"machines", machines),
        (b"tags", tags),
        (b"warnings", warnings),
    ])?)
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
