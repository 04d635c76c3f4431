//! The graph as SVG: laid out by layout-rs, or by Graphviz `dot` when asked for (or, with
//! `--layout auto`, when it is on PATH).

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};

use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::render::get_shape_size;
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;

use nix_instances_core::text::visible;

use crate::args::Layout;
use crate::picture::{dot, Graph, NodeKind};
use crate::Failure;

/// The most nodes and edges the built-in layout takes: its time grows with the cube of the
/// graph (layout-rs), so a larger graph is refused with a pointer to Graphviz and to the
/// filters rather than left to run for minutes.
pub const BUILTIN_LIMIT: usize = 300;

pub fn render(g: &Graph, layout: Layout) -> Result<String, Failure> {
    match layout {
        Layout::Builtin => builtin(g),
        Layout::Graphviz => graphviz(g)?.ok_or_else(|| Failure::io("cannot run Graphviz `dot`: it is not on PATH; use --layout builtin")),
        Layout::Auto => match graphviz(g)? {
            Some(svg) => Ok(svg),
            None => builtin(g),
        },
    }
}

/// `dot -Tsvg` on the DOT text; `None` when there is no `dot` on PATH.
fn graphviz(g: &Graph) -> Result<Option<String>, Failure> {
    let child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Failure::io(format!("cannot run Graphviz `dot` ({e}); use --layout builtin"))),
    };
    let text = dot(g);
    let mut stdin = child.stdin.take().expect("piped");
    // written from a thread: `dot` may fill its stdout before it has read all its input
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let out = child.wait_with_output()?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(Failure::io(format!("Graphviz `dot` failed ({})", out.status)));
    }
    String::from_utf8(out.stdout).map(Some).map_err(|_| Failure::io("Graphviz `dot` wrote non-UTF-8 output"))
}

/// layout-rs: left to right, instances → roles → machines; labels with unsafe characters
/// escaped visibly (XML 1.0 forbids most controls and U+FFFE/U+FFFF, even as references).
fn builtin(g: &Graph) -> Result<String, Failure> {
    let size = g.nodes.len() + g.edges.len();
    if size > BUILTIN_LIMIT {
        return Err(Failure::io(format!(
            "the graph has {} nodes and {} edges, too many for the built-in layout (at most {BUILTIN_LIMIT} together): \
             install Graphviz and use --layout dot, or draw part of it with --machine, --instance or --tag",
            g.nodes.len(),
            g.edges.len()
        )));
    }
    let mut vg = VisualGraph::new(Orientation::LeftToRight);
    let dir = Orientation::LeftToRight;
    let mut handles = HashMap::new();
    for n in &g.nodes {
        let (shape, fill, rounded) = match n.kind {
            NodeKind::Instance => (ShapeKind::new_box(&visible(&n.label)), "#dbe8f6", 12),
            NodeKind::Role => (ShapeKind::new_circle(&visible(&n.label)), "#fdf1d6", 0),
            NodeKind::Machine => (ShapeKind::new_box(&visible(&n.label)), "#e3f2e1", 0),
        };
        let look = StyleAttr::new(Color::fast("black"), 1, Some(Color::fast(fill)), rounded, 14);
        let size = get_shape_size(dir, &shape, look.font_size, false);
        handles.insert(n.id.as_str(), vg.add_node(Element::create(shape, look, dir, size)));
    }
    if g.nodes.is_empty() {
        let shape = ShapeKind::new_box("nothing matches");
        let look = StyleAttr::simple();
        let size = get_shape_size(dir, &shape, look.font_size, false);
        vg.add_node(Element::create(shape, look, dir, size));
    }
    for e in &g.edges {
        let (Some(&from), Some(&to)) = (handles.get(e.from.as_ref()), handles.get(e.to.as_ref())) else { continue };
        let style = if e.label.is_empty() || e.explicit { LineStyleKind::Normal } else { LineStyleKind::Dashed };
        let look = StyleAttr::new(Color::fast("black"), 1, None, 0, 11);
        let arrow = Arrow::new(LineEndKind::None, LineEndKind::Arrow, style, &visible(&e.label), &look, &None, &None);
        vg.add_edge(arrow, from, to);
    }
    let mut svg = SVGWriter::new();
    vg.do_it(false, false, false, &mut svg);
    Ok(svg.finalize())
}
