//! The picture of an inventory: nodes and edges, and how they are written as Graphviz DOT.
//! `graph` builds it, `svg` lays it out.

use std::rc::Rc;

use nix_instances_core::text::{is_unsafe, push_visible};

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
/// Ids and labels are shared (a fleet's picture has millions of edges and few distinct ones).
pub struct Edge {
    pub from: Rc<str>,
    pub to: Rc<str>,
    /// Empty for instance → role; `explicit`, `tag web`, … for role → machine.
    pub label: Rc<str>,
    pub explicit: bool,
}

/// The picture: nodes (instances, then roles, then machines, each by name) and edges.
#[derive(Debug, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// A DOT string literal. A character that must not reach a terminal or an SVG file is
/// written visibly (`\u001b`, [`push_visible`]), its backslash escaped so that Graphviz shows
/// it as it is; distinct strings stay distinct.
fn quote(s: &str) -> String {
    let mut q = String::from("\"");
    let mut one = String::new();
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                q.push('\\');
                q.push(c);
            }
            // Graphviz reads entities in labels (`&#1;` would reach the SVG as a character
            // reference XML forbids): an ampersand is written as the entity for itself
            '&' => q.push_str("&amp;"),
            c if is_unsafe(c) => {
                one.clear();
                push_visible(&mut one, c);
                q.push_str(&one.replace('\\', "\\\\"));
            }
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
    let mut out = Vec::new();
    write_dot(g, &mut out).expect("writing to memory");
    String::from_utf8(out).expect("DOT is UTF-8")
}

/// [`dot`], written as it is made (the DOT of a whole fleet is hundreds of megabytes).
pub fn write_dot(g: &Graph, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    out.write_all(b"digraph inventory {\n  rankdir=LR;\n  node [fontname=\"sans-serif\"];\n  edge [fontname=\"sans-serif\", fontsize=10];\n")?;
    for n in &g.nodes {
        let attrs = match n.kind {
            NodeKind::Instance => "shape=box, style=\"rounded,filled\", fillcolor=\"#dbe8f6\"",
            NodeKind::Role => "shape=ellipse, style=filled, fillcolor=\"#fdf1d6\"",
            NodeKind::Machine => "shape=box, style=filled, fillcolor=\"#e3f2e1\"",
        };
        writeln!(out, "  {} [label={}, {attrs}];", quote(&n.id), quote(&n.label))?;
    }
    for e in &g.edges {
        let style = match (e.label.is_empty(), e.explicit) {
            (true, _) => String::new(),
            (false, true) => format!(" [label={}]", quote(&e.label)),
            (false, false) => format!(" [label={}, style=dashed]", quote(&e.label)),
        };
        writeln!(out, "  {} -> {}{style};", quote(&e.from), quote(&e.to))?;
    }
    out.write_all(b"}\n")
}
