//! `explain MACHINE`: each role the machine is in and why (listed, or which tags and where
//! they come from), the order its settings apply, and roles a tag nearly put it in.

use std::fmt::Write as _;

use nix_instances_core::json_text::{JsonText, Span, Value};
use nix_instances_core::suggest::closest;
use serde_json::{json, Value as Json};

use crate::args::ExplainArgs;
use crate::expand::{self, unknown};
use crate::output::{print_json, Report};
use crate::reasons::{self, find, tag_sources, Membership, TagSource};
use crate::source::Source;
use crate::Failure;

/// One settings layer of a membership, in the order they apply.
struct Layer {
    what: String,
    path: String,
    /// The `settings` key, when it is written.
    at: Option<Span>,
}

/// A role tag that did not match the machine but is close to one of its tags.
struct NearMiss {
    instance: String,
    role: String,
    tag: String,
    at: Span,
    suggestion: String,
}

struct Explanation {
    machine: String,
    class: String,
    tags: Vec<(String, Vec<TagSource>)>,
    roles: Vec<(Membership, Vec<Layer>)>,
    near: Vec<NearMiss>,
}

fn explain(doc: &JsonText, out: &Value, machine: &str) -> Explanation {
    let root = doc.root();
    let class = find(doc, root, &["machines", machine, "machineClass"])
        .and_then(|e| doc.string(e.value).ok())
        .unwrap_or_else(|| "nixos".into());
    let carried = reasons::machine_tags(out, machine);
    let tags = carried.iter().map(|t| (t.clone(), tag_sources(doc, machine, t))).collect();

    let spans = reasons::role_spans(doc);
    let mut roles = Vec::new();
    for m in reasons::memberships(doc, out, Some(machine)) {
        let base = format!("instances.{}.roles.{}", show(&m.instance), show(&m.role));
        let role_in = spans.get(&(m.instance.clone(), m.role.clone())).copied();
        let at = |names: &[&str]| role_in.and_then(|r| find(doc, r, names)).map(|e| e.key);
        let mut layers = vec![Layer { what: "role settings".into(), path: format!("{base}.settings"), at: at(&["settings"]) }];
        layers.push(Layer {
            what: if m.explicit.is_some() { "this machine's entry".into() } else { "this machine's entry (not listed)".into() },
            path: format!("{base}.machines.{}.settings", show(machine)),
            at: at(&["machines", machine, "settings"]),
        });
        let listed_tags = role_in
            .and_then(|r| find(doc, r, &["tags"]))
            .is_some_and(|t| doc.kind(t.value) == nix_instances_core::host::Kind::List);
        for t in &m.tags {
            layers.push(Layer {
                what: if listed_tags { format!("tag {t} (tags given as a list: none)") } else { format!("tag {t}") },
                path: format!("{base}.tags.{}.settings", show(t)),
                at: at(&["tags", t, "settings"]),
            });
        }
        roles.push((m, layers));
    }

    let mut near = Vec::new();
    for (i, inst) in out.get("instances").map(Value::entries).unwrap_or_default() {
        for (r, role) in inst.get("roles").map(Value::entries).unwrap_or_default() {
            if role.get("machines").and_then(|ms| ms.get(machine)).is_some() {
                continue;
            }
            let Some(&role_in) = spans.get(&(i.to_string(), r.to_string())) else { continue };
            for (t, at) in reasons::role_tags(doc, role_in) {
                if carried.contains(&t) {
                    continue;
                }
                if let Some(c) = closest(t.as_bytes(), carried.iter().map(|c| c.as_bytes())) {
                    let suggestion = String::from_utf8_lossy(c).into_owned();
                    near.push(NearMiss { instance: i.to_string(), role: r.to_string(), tag: t, at, suggestion });
                }
            }
        }
    }
    Explanation { machine: machine.to_string(), class, tags, roles, near }
}

fn show(name: &str) -> String {
    nix_instances_core::path::show_name(name.as_bytes())
}

fn module_of(out: &Value, instance: &str) -> String {
    let module = out.get("instances").and_then(|is| is.get(instance)).and_then(|i| i.get("module"));
    let name = module.and_then(|m| m.get("name")).and_then(Value::str).unwrap_or(instance);
    match module.and_then(|m| m.get("input")).and_then(Value::str) {
        Some(input) => format!("module {name} from input {input}"),
        None => format!("module {name}"),
    }
}

fn text(e: &Explanation, out: &Value, report: &Report) -> String {
    let pos = |s: Span| report.position(s);
    let mut s = String::new();
    let _ = writeln!(s, "{} ({} machine)", e.machine, e.class);
    let _ = writeln!(s, "  tags:");
    let width = e.tags.iter().map(|(t, _)| t.len()).max().unwrap_or(0);
    for (t, sources) in &e.tags {
        for (k, src) in sources.iter().enumerate() {
            let name = if k == 0 { t.as_str() } else { "" };
            let at = src.span().map(|sp| format!("  {}", pos(sp))).unwrap_or_default();
            let _ = writeln!(s, "    {name:width$}  {}{at}", src.describe(&e.machine, t));
        }
    }
    if e.roles.is_empty() {
        let _ = writeln!(s, "  in no role");
    }
    for (m, layers) in &e.roles {
        let _ = writeln!(s, "  {}.{} ({})", m.instance, m.role, module_of(out, &m.instance));
        if let Some(at) = m.explicit {
            let _ = writeln!(s, "    listed: instances.{}.roles.{}.machines.{}  {}", show(&m.instance), show(&m.role), show(&m.machine), pos(at));
        }
        for t in &m.tags {
            let from: Vec<String> = e
                .tags
                .iter()
                .find(|(x, _)| x == t)
                .map(|(_, srcs)| srcs.iter().map(|src| src.word().to_string()).collect())
                .unwrap_or_default();
            let _ = writeln!(s, "    tag {t} ({})", from.join(", "));
        }
        let _ = writeln!(s, "    settings, applied in this order:");
        for (k, l) in layers.iter().enumerate() {
            let at = l.at.map(pos).unwrap_or_else(|| "not set".into());
            let _ = writeln!(s, "      {}. {}: {}  {at}", k + 1, l.what, l.path);
        }
    }
    if !e.near.is_empty() {
        let _ = writeln!(s, "  not in, though a tag nearly matched:");
        for n in &e.near {
            let _ = writeln!(
                s,
                "    {}.{}: role tag '{}' ({}) is not a tag of {} (did you mean '{}'?)",
                n.instance,
                n.role,
                n.tag,
                pos(n.at),
                e.machine,
                n.suggestion
            );
        }
    }
    s
}

fn to_json(e: &Explanation, out: &Value, report: &Report) -> Json {
    let at = |s: Option<Span>| s.map(|s| report.position_json(s));
    let tags: Vec<Json> = e
        .tags
        .iter()
        .map(|(t, srcs)| {
            let sources: Vec<Json> = srcs.iter().map(|s| json!({ "kind": s.word(), "at": at(s.span()) })).collect();
            json!({ "tag": t, "sources": sources })
        })
        .collect();
    let roles: Vec<Json> = e
        .roles
        .iter()
        .map(|(m, layers)| {
            let module = out.get("instances").and_then(|i| i.get(&m.instance)).and_then(|i| i.get("moduleId")).and_then(Value::str);
            let layers: Vec<Json> =
                layers.iter().map(|l| json!({ "layer": l.what, "path": l.path, "set": l.at.is_some(), "at": at(l.at) })).collect();
            json!({
                "instance": m.instance,
                "role": m.role,
                "moduleId": module,
                "explicit": m.explicit.is_some(),
                "explicitAt": at(m.explicit),
                "tags": m.tags,
                "settings": layers,
            })
        })
        .collect();
    let near: Vec<Json> = e
        .near
        .iter()
        .map(|n| json!({ "instance": n.instance, "role": n.role, "tag": n.tag, "at": at(Some(n.at)), "didYouMean": n.suggestion }))
        .collect();
    json!({ "machine": e.machine, "class": e.class, "tags": tags, "roles": roles, "nearMisses": near })
}

pub fn run(a: &ExplainArgs) -> Result<u8, Failure> {
    let (file, machine) = a.input_and_machine().map_err(Failure::io)?;
    let source = Source::load_from(file.as_deref(), &a.nix, crate::nix_source::Show::Nothing)?;
    let doc = source.json()?;
    let x = expand::inventory(&source, doc)?;
    let machines = x.out.get("machines").cloned().unwrap_or(Value::Null);
    if machines.get(machine).is_none() {
        return Err(unknown("machine", machine, &machines));
    }
    let e = explain(&doc, &x.out, machine);
    let report = Report::new(&source, Vec::new());
    if a.json {
        print_json(&to_json(&e, &x.out, &report))?;
    } else {
        print!("{}", text(&e, &x.out, &report));
    }
    Ok(0)
}
