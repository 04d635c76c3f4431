//! `graph`: machines, instances and roles as a graph, cut down by `--machine`, `--instance`
//! and `--tag`; written as DOT, JSON, or SVG (svg.rs).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use nix_instances_core::json_text::Value;
use serde_json::json;

use crate::args::{Format, GraphArgs};
use crate::expand::{self, unknown};
use crate::output::print_json;
use crate::reasons::{self, Membership};
use crate::source::Source;
use crate::Failure;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeKind {
    Instance,
    Role,
    Machine,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Node {
    pub kind: NodeKind,
    /// Unique: `instance:<i>`, `role:<i>/<r>`, `machine:<m>`.
    pub id: String,
    pub label: String,
}

#[derive(Debug, Clone)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// Empty for instance → role; `explicit`, `tag web`, … for role → machine.
    pub label: String,
    pub explicit: bool,
}

/// The picture: nodes (instances, then roles, then machines, each by name) and edges.
#[derive(Debug, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// What to keep: all of a kind when its list is empty. Filters of different kinds all apply.
pub struct Filter<'a> {
    pub machines: &'a [String],
    pub instances: &'a [String],
    pub tags: &'a [String],
}

fn machine_id(m: &str) -> String {
    format!("machine:{m}")
}
fn instance_id(i: &str) -> String {
    format!("instance:{i}")
}
fn role_id(i: &str, r: &str) -> String {
    format!("role:{i}/{r}")
}

/// The graph of an expansion, cut down by `filter`.
pub fn build(members: &[Membership], out: &Value, filter: &Filter) -> Graph {
    let carries = |m: &str| {
        filter.tags.is_empty() || {
            let tags = reasons::machine_tags(out, m);
            filter.tags.iter().any(|t| tags.contains(t))
        }
    };
    let keep_machine = |m: &str| (filter.machines.is_empty() || filter.machines.iter().any(|x| x == m)) && carries(m);
    let keep_instance = |i: &str| filter.instances.is_empty() || filter.instances.iter().any(|x| x == i);

    let mut nodes = BTreeSet::new();
    let mut edges = Vec::new();
    let mut role_edges = BTreeSet::new();
    let module_of = |i: &str| {
        out.get("instances").and_then(|x| x.get(i)).and_then(|x| x.get("module")).and_then(|m| m.get("name")).and_then(Value::str).unwrap_or(i).to_string()
    };
    let add_instance = |nodes: &mut BTreeSet<Node>, i: &str| {
        let module = module_of(i);
        let label = if module == i { i.to_string() } else { format!("{i} ({module})") };
        nodes.insert(Node { kind: NodeKind::Instance, id: instance_id(i), label });
    };
    // every role of a kept instance when instances are asked for by name
    if !filter.instances.is_empty() && filter.machines.is_empty() && filter.tags.is_empty() {
        for (i, inst) in out.get("instances").map(Value::entries).unwrap_or_default() {
            if !keep_instance(i) {
                continue;
            }
            add_instance(&mut nodes, i);
            for (r, _) in inst.get("roles").map(Value::entries).unwrap_or_default() {
                nodes.insert(Node { kind: NodeKind::Role, id: role_id(i, r), label: r.to_string() });
                role_edges.insert((instance_id(i), role_id(i, r)));
            }
        }
    }
    // the whole inventory shows every machine, even one in no role
    if filter.machines.is_empty() && filter.instances.is_empty() && filter.tags.is_empty() {
        for (m, _) in out.get("machines").map(Value::entries).unwrap_or_default() {
            nodes.insert(Node { kind: NodeKind::Machine, id: machine_id(m), label: m.to_string() });
        }
    }
    // machines asked for by name show even when they are in no role
    for m in filter.machines {
        if carries(m) {
            nodes.insert(Node { kind: NodeKind::Machine, id: machine_id(m), label: m.clone() });
        }
    }
    for mb in members {
        if !keep_machine(&mb.machine) || !keep_instance(&mb.instance) {
            continue;
        }
        add_instance(&mut nodes, &mb.instance);
        nodes.insert(Node { kind: NodeKind::Role, id: role_id(&mb.instance, &mb.role), label: mb.role.clone() });
        nodes.insert(Node { kind: NodeKind::Machine, id: machine_id(&mb.machine), label: mb.machine.clone() });
        role_edges.insert((instance_id(&mb.instance), role_id(&mb.instance, &mb.role)));
        let mut why = Vec::new();
        if mb.explicit.is_some() {
            why.push("explicit".to_string());
        }
        why.extend(mb.tags.iter().map(|t| format!("tag {t}")));
        edges.push(Edge {
            from: role_id(&mb.instance, &mb.role),
            to: machine_id(&mb.machine),
            label: why.join(", "),
            explicit: mb.explicit.is_some(),
        });
    }
    let mut all: Vec<Edge> =
        role_edges.into_iter().map(|(from, to)| Edge { from, to, label: String::new(), explicit: false }).collect();
    all.extend(edges);
    Graph { nodes: nodes.into_iter().collect(), edges: all }
}

/// A DOT string literal.
fn quote(s: &str) -> String {
    let mut q = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                q.push('\\');
                q.push(c);
            }
            '\n' => q.push_str("\\n"),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// Graphviz DOT: instances as rounded boxes, roles as ellipses, machines as boxes; edges
/// from a role to a machine are solid when the machine is listed, dashed when only a tag
/// brings it in.
pub fn dot(g: &Graph) -> String {
    let mut s = String::from("digraph inventory {\n  rankdir=LR;\n  node [fontname=\"sans-serif\"];\n  edge [fontname=\"sans-serif\", fontsize=10];\n");
    for n in &g.nodes {
        let attrs = match n.kind {
            NodeKind::Instance => "shape=box, style=\"rounded,filled\", fillcolor=\"#dbe8f6\"",
            NodeKind::Role => "shape=ellipse, style=filled, fillcolor=\"#fdf1d6\"",
            NodeKind::Machine => "shape=box, style=filled, fillcolor=\"#e3f2e1\"",
        };
        let _ = writeln!(s, "  {} [label={}, {attrs}];", quote(&n.id), quote(&n.label));
    }
    for e in &g.edges {
        let style = match (e.label.is_empty(), e.explicit) {
            (true, _) => String::new(),
            (false, true) => format!(" [label={}]", quote(&e.label)),
            (false, false) => format!(" [label={}, style=dashed]", quote(&e.label)),
        };
        let _ = writeln!(s, "  {} -> {}{style};", quote(&e.from), quote(&e.to));
    }
    s.push_str("}\n");
    s
}

fn to_json(g: &Graph) -> serde_json::Value {
    let kind = |k: NodeKind| match k {
        NodeKind::Instance => "instance",
        NodeKind::Role => "role",
        NodeKind::Machine => "machine",
    };
    json!({
        "nodes": g.nodes.iter().map(|n| json!({ "id": n.id, "kind": kind(n.kind), "label": n.label })).collect::<Vec<_>>(),
        "edges": g.edges.iter().map(|e| json!({ "from": e.from, "to": e.to, "label": e.label, "explicit": e.explicit })).collect::<Vec<_>>(),
    })
}

pub fn run(a: &GraphArgs) -> Result<u8, Failure> {
    let source = Source::load(&a.input, crate::nix_source::Show::Nothing)?;
    let doc = source.json()?;
    let x = expand::inventory(&source, doc)?;
    expand::print_warnings(&x.warnings);
    let machines = x.out.get("machines").cloned().unwrap_or(Value::Null);
    let instances = x.out.get("instances").cloned().unwrap_or(Value::Null);
    let tags = x.out.get("tags").cloned().unwrap_or(Value::Null);
    for m in &a.machine {
        machines.get(m).ok_or_else(|| unknown("machine", m, &machines))?;
    }
    for i in &a.instance {
        instances.get(i).ok_or_else(|| unknown("instance", i, &instances))?;
    }
    for t in &a.tag {
        tags.get(t).ok_or_else(|| unknown("tag", t, &tags))?;
    }
    let members = reasons::memberships(&doc, &x.out, None);
    let g = build(&members, &x.out, &Filter { machines: &a.machine, instances: &a.instance, tags: &a.tag });
    let format = if a.json { Format::Json } else { a.format };
    match format {
        Format::Dot => print!("{}", dot(&g)),
        Format::Json => print_json(&to_json(&g))?,
        Format::Svg => print!("{}", crate::svg::render(&g, a.layout)?),
    }
    Ok(0)
}
