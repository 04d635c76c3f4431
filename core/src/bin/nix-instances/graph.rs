//! `graph`: machines, instances and roles as a graph, cut down by `--machine`, `--instance`
//! and `--tag`; written as DOT, JSON, or SVG (svg.rs).

use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use std::io::Write as _;

use nix_instances_core::instances::query::Overview;
use serde_json::json;

use crate::args::{Format, GraphArgs};
use crate::expand::unknown_of;
use crate::output::print_json;
use crate::picture::{write_dot, Edge, Graph, Node, NodeKind};
use crate::reasons::{self, text as name};
use crate::source::Source;
use nix_instances_core::json_text::JsonText;
use crate::Failure;

/// What to keep: all of a kind when its list is empty. Filters of different kinds all apply.
pub struct Filter<'a> {
    pub machines: &'a [String],
    pub instances: &'a [String],
    pub tags: &'a [String],
}

/// A name as part of a node id: `\\` and `/` escaped, so that ids are unique whatever the
/// names hold (`a/b` with role `c` and `a` with role `b/c` are two roles).
fn id_part(out: &mut String, s: &str) {
    for c in s.chars() {
        if matches!(c, '\\' | '/') {
            out.push('\\');
        }
        out.push(c);
    }
}

fn machine_id(m: &str) -> String {
    let mut id = String::from("machine:");
    id_part(&mut id, m);
    id
}
fn instance_id(i: &str) -> String {
    let mut id = String::from("instance:");
    id_part(&mut id, i);
    id
}
fn role_id(i: &str, r: &str) -> String {
    let mut id = String::from("role:");
    id_part(&mut id, i);
    id.push('/');
    id_part(&mut id, r);
    id
}

/// The graph of an inventory's overview, cut down by `filter`. Linear in the memberships.
pub fn build(o: &Overview, filter: &Filter) -> Graph {
    let names: Vec<String> = o.machines.iter().map(|m| name(&m.name)).collect();
    let mut machine_ids: Vec<Option<Rc<str>>> = vec![None; names.len()];
    let carries = |m: usize| {
        filter.tags.is_empty() || filter.tags.iter().any(|t| o.machines[m].tags.binary_search(&t.as_bytes().to_vec()).is_ok())
    };
    let wanted_machines: std::collections::HashSet<&str> = filter.machines.iter().map(String::as_str).collect();
    let wanted_instances: std::collections::HashSet<&str> = filter.instances.iter().map(String::as_str).collect();
    let keep_machine = |m: usize| (wanted_machines.is_empty() || wanted_machines.contains(names[m].as_str())) && carries(m);
    let keep_instance = |i: &str| wanted_instances.is_empty() || wanted_instances.contains(i);

    let mut nodes = BTreeSet::new();
    let mut edges = Vec::new();
    let mut role_edges = BTreeSet::new();
    let add_instance = |nodes: &mut BTreeSet<Node>, i: &str, module: &str| {
        let label = if module == i { i.to_string() } else { format!("{i} ({module})") };
        nodes.insert(Node { kind: NodeKind::Instance, id: instance_id(i), label });
    };
    let by_name = filter.machines.is_empty() && filter.tags.is_empty();
    for inst in &o.instances {
        let i = name(&inst.name);
        if !keep_instance(&i) {
            continue;
        }
        let module = name(&inst.module_name);
        // every role of a kept instance when instances are asked for by name
        if !filter.instances.is_empty() && by_name {
            add_instance(&mut nodes, &i, &module);
            for role in &inst.roles {
                let r = name(&role.name);
                nodes.insert(Node { kind: NodeKind::Role, id: role_id(&i, &r), label: r.clone() });
                role_edges.insert((instance_id(&i), role_id(&i, &r)));
            }
        }
        for role in &inst.roles {
            let r = name(&role.name);
            let rid: Rc<str> = Rc::from(role_id(&i, &r));
            // labels by their sources: (listed, the role's tags carried)
            let mut labels: HashMap<(bool, &[u32]), Rc<str>> = HashMap::new();
            let mut any = false;
            for mb in &role.members {
                if !keep_machine(mb.machine) {
                    continue;
                }
                any = true;
                let to = match &machine_ids[mb.machine] {
                    Some(id) => id.clone(),
                    None => {
                        let m = &names[mb.machine];
                        nodes.insert(Node { kind: NodeKind::Machine, id: machine_id(m), label: m.clone() });
                        machine_ids[mb.machine].insert(Rc::from(machine_id(m))).clone()
                    }
                };
                let label = labels
                    .entry((mb.listed, &mb.tags))
                    .or_insert_with(|| {
                        let mut why = Vec::new();
                        if mb.listed {
                            why.push("explicit".to_string());
                        }
                        why.extend(mb.tags.iter().map(|&k| format!("tag {}", name(&role.tags[k as usize]))));
                        Rc::from(why.join(", "))
                    })
                    .clone();
                edges.push(Edge { from: rid.clone(), to, label, explicit: mb.listed });
            }
            if any {
                add_instance(&mut nodes, &i, &module);
                nodes.insert(Node { kind: NodeKind::Role, id: role_id(&i, &r), label: r.clone() });
                role_edges.insert((instance_id(&i), role_id(&i, &r)));
            }
        }
    }
    // the whole inventory shows every machine, even one in no role
    if filter.machines.is_empty() && filter.instances.is_empty() && filter.tags.is_empty() {
        for m in &names {
            nodes.insert(Node { kind: NodeKind::Machine, id: machine_id(m), label: m.clone() });
        }
    }
    // machines asked for by name show even when they are in no role
    for (k, m) in names.iter().enumerate() {
        if wanted_machines.contains(m.as_str()) && carries(k) {
            nodes.insert(Node { kind: NodeKind::Machine, id: machine_id(m), label: m.clone() });
        }
    }
    let mut all: Vec<Edge> =
        role_edges.into_iter().map(|(from, to)| Edge { from: from.into(), to: to.into(), label: "".into(), explicit: false }).collect();
    all.extend(edges);
    Graph { nodes: nodes.into_iter().collect(), edges: all }
}

fn to_json(g: &Graph) -> serde_json::Value {
    let kind = |k: NodeKind| match k {
        NodeKind::Instance => "instance",
        NodeKind::Role => "role",
        NodeKind::Machine => "machine",
    };
    json!({
        "nodes": g.nodes.iter().map(|n| json!({ "id": n.id, "kind": kind(n.kind), "label": n.label })).collect::<Vec<_>>(),
        "edges": g.edges.iter().map(|e| json!({ "from": e.from.as_ref(), "to": e.to.as_ref(), "label": e.label.as_ref(), "explicit": e.explicit })).collect::<Vec<_>>(),
    })
}

pub fn run(a: &GraphArgs) -> Result<u8, Failure> {
    let json = a.json || a.format == Format::Json;
    crate::check::with_input(a.input.file.as_deref(), &a.input.nix, crate::nix_source::Show::Nothing, json, |source, doc| {
        run_on(a, source, &doc).inspect_err(|f| {
            if json {
                let _ = print_json(&crate::check::json_failure(source, &doc, f));
            }
        })
    })
}

fn run_on(a: &GraphArgs, source: &Source, doc: &JsonText) -> Result<u8, Failure> {
    // memberships of the machines and instances asked for only, when they are asked for by name
    let only = (!a.machine.is_empty()).then_some(a.machine.as_slice());
    let instances = (!a.instance.is_empty()).then_some(a.instance.as_slice());
    let o = reasons::overview(source, doc, only, instances, true)?;
    let known = |m: &str| o.machines.binary_search_by(|x| x.name.as_slice().cmp(m.as_bytes())).is_ok();
    for m in &a.machine {
        if !known(m) {
            return Err(unknown_of("machine", m, o.machines.iter().map(|m| m.name.as_slice())));
        }
    }
    for i in &a.instance {
        if o.instances.binary_search_by(|x| x.name.as_slice().cmp(i.as_bytes())).is_err() {
            return Err(unknown_of("instance", i, o.instances.iter().map(|i| i.name.as_slice())));
        }
    }
    let tags: BTreeSet<&[u8]> = o.machines.iter().flat_map(|m| m.tags.iter().map(Vec::as_slice)).collect();
    for t in &a.tag {
        if !tags.contains(t.as_bytes()) {
            return Err(unknown_of("tag", t, tags.iter().copied()));
        }
    }
    let g = build(&o, &Filter { machines: &a.machine, instances: &a.instance, tags: &a.tag });
    let format = if a.json { Format::Json } else { a.format };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        Format::Dot => write_dot(&g, &mut out)?,
        Format::Json => {
            drop(out);
            print_json(&to_json(&g))?;
            return Ok(0);
        }
        Format::Svg => out.write_all(crate::svg::render(&g, a.layout)?.as_bytes())?,
    }
    out.flush()?;
    Ok(0)
}
