//! `explain MACHINE`: each role the machine is in and why (listed, or which tags and where
//! they come from), the order its settings apply, and roles a tag nearly put it in.


use nix_instances_core::instances::query::Overview;
use nix_instances_core::json_text::{JsonText, Span};
use nix_instances_core::suggest::closest;
use serde_json::{json, Value as Json};

use crate::args::ExplainArgs;
use crate::expand::unknown_of;
use crate::output::{print_json, Report};
use crate::reasons::{self, find, role_span, role_tags, show, tag_sources, text as name, TagSource};
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

/// One role the machine is in, and why.
struct Membership {
    instance: String,
    role: String,
    /// The instance's module: name and input.
    module: (String, Option<String>),
    module_id: String,
    /// `instances.<i>.roles.<r>.machines.<m>` is written (its key's span).
    explicit: Option<Span>,
    /// The role's tags the machine carries, tag-name order.
    tags: Vec<String>,
}

struct Explanation {
    machine: String,
    class: String,
    tags: Vec<(String, Vec<TagSource>)>,
    roles: Vec<(Membership, Vec<Layer>)>,
    near: Vec<NearMiss>,
}

/// The explanation of machine `m` (an index into `o.machines`): every part is read from the
/// overview (memberships of this machine only) and looked up in the document's index.
fn explain(doc: &JsonText, o: &Overview, m: usize) -> Explanation {
    let mv = &o.machines[m];
    let machine = name(&mv.name);
    let class = if mv.darwin { "darwin" } else { "nixos" }.to_string();
    let carried: Vec<String> = mv.tags.iter().map(|t| name(t)).collect();
    let sources = tag_sources(doc, &machine, &carried);
    let tags = carried.iter().cloned().zip(sources).collect();

    let mut roles = Vec::new();
    let mut near = Vec::new();
    for inst in &o.instances {
        let i = name(&inst.name);
        for role in &inst.roles {
            let r = name(&role.name);
            let role_in = role_span(doc, &i, &r);
            let Some(member) = role.members.iter().find(|x| x.machine == m) else {
                // not a member: a role tag close to one of the machine's tags is a near miss
                let Some(role_in) = role_in else { continue };
                for (t, at) in role_tags(doc, role_in) {
                    if carried.binary_search(&t).is_ok() {
                        continue;
                    }
                    if let Some(c) = closest(t.as_bytes(), carried.iter().map(|c| c.as_bytes())) {
                        near.push(NearMiss { instance: i.clone(), role: r.clone(), tag: t, at, suggestion: name(c) });
                    }
                }
                continue;
            };
            let at = |names: &[&str]| role_in.and_then(|s| find(doc, s, names)).map(|e| e.key);
            let explicit = if member.listed { at(&["machines", &machine]) } else { None };
            let mb = Membership {
                instance: i.clone(),
                role: r.clone(),
                module: (name(&inst.module_name), inst.module_input.as_deref().map(name)),
                module_id: name(&inst.module_id),
                explicit,
                tags: member.tags.iter().map(|&k| name(&role.tags[k as usize])).collect(),
            };
            let base = format!("instances.{}.roles.{}", show(&i), show(&r));
            let mut layers = vec![Layer { what: "role settings".into(), path: format!("{base}.settings"), at: at(&["settings"]) }];
            layers.push(Layer {
                what: if member.listed { "this machine's entry".into() } else { "this machine's entry (not listed)".into() },
                path: format!("{base}.machines.{}.settings", show(&machine)),
                at: at(&["machines", &machine, "settings"]),
            });
            let listed_tags = role_in
                .and_then(|s| find(doc, s, &["tags"]))
                .is_some_and(|t| doc.kind(t.value) == nix_instances_core::host::Kind::List);
            for t in &mb.tags {
                layers.push(Layer {
                    what: if listed_tags { format!("tag {t} (tags given as a list: none)") } else { format!("tag {t}") },
                    path: format!("{base}.tags.{}.settings", show(t)),
                    at: at(&["tags", t, "settings"]),
                });
            }
            roles.push((mb, layers));
        }
    }
    Explanation { machine, class, tags, roles, near }
}

fn module_of(m: &Membership) -> String {
    match &m.module.1 {
        Some(input) => format!("module {} from input {input}", m.module.0),
        None => format!("module {}", m.module.0),
    }
}

/// Appends one line of text output, escaped whole ([`visible`]): a name's line break or
/// escape sequence shows as `\n`, `\u001b`.
fn push_line(s: &mut String, line: String) {
    s.push_str(&nix_instances_core::text::visible(&line));
    s.push('\n');
}

fn text(e: &Explanation, report: &Report) -> String {
    let pos = |s: Span| report.position(s);
    let mut s = String::new();
    push_line(&mut s, format!("{} ({} machine)", e.machine, e.class));
    push_line(&mut s, "  tags:".into());
    let width = e.tags.iter().map(|(t, _)| t.len()).max().unwrap_or(0);
    for (t, sources) in &e.tags {
        for (k, src) in sources.iter().enumerate() {
            let name = if k == 0 { t.as_str() } else { "" };
            let at = src.span().map(|sp| format!("  {}", pos(sp))).unwrap_or_default();
            push_line(&mut s, format!("    {name:width$}  {}{at}", src.describe(&e.machine, t)));
        }
    }
    if e.roles.is_empty() {
        push_line(&mut s, "  in no role".into());
    }
    for (m, layers) in &e.roles {
        push_line(&mut s, format!("  {}.{} ({})", m.instance, m.role, module_of(m)));
        if let Some(at) = m.explicit {
            push_line(&mut s, format!("    listed: instances.{}.roles.{}.machines.{}  {}", show(&m.instance), show(&m.role), show(&e.machine), pos(at)));
        }
        for t in &m.tags {
            let from: Vec<String> = e
                .tags
                .binary_search_by(|(x, _)| x.cmp(t))
                .ok()
                .map(|k| &e.tags[k])
                .map(|(_, srcs)| srcs.iter().map(|src| src.word().to_string()).collect())
                .unwrap_or_default();
            push_line(&mut s, format!("    tag {t} ({})", from.join(", ")));
        }
        push_line(&mut s, "    settings, applied in this order:".into());
        for (k, l) in layers.iter().enumerate() {
            let at = l.at.map(pos).unwrap_or_else(|| "not set".into());
            push_line(&mut s, format!("      {}. {}: {}  {at}", k + 1, l.what, l.path));
        }
    }
    if !e.near.is_empty() {
        push_line(&mut s, "  not in, though a tag nearly matched:".into());
        for n in &e.near {
            push_line(
                &mut s,
                format!(
                "    {}.{}: role tag '{}' ({}) is not a tag of {} (did you mean '{}'?)",
                n.instance,
                n.role,
                n.tag,
                pos(n.at),
                e.machine,
                n.suggestion
            ));
        }
    }
    s
}

fn to_json(e: &Explanation, report: &Report) -> Json {
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
            let module = &m.module_id;
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
    crate::check::with_input(file.as_deref(), &a.nix, crate::nix_source::Show::Nothing, a.json, |source, doc| {
        run_on(a, machine, source, &doc).inspect_err(|f| {
            if a.json {
                let _ = print_json(&crate::check::json_failure(source, &doc, f));
            }
        })
    })
}

fn run_on(a: &ExplainArgs, machine: &str, source: &Source, doc: &JsonText) -> Result<u8, Failure> {
    let o = reasons::overview(source, doc, Some(&[machine.to_string()]), None, false)?;
    let Ok(m) = o.machines.binary_search_by(|m| m.name.as_slice().cmp(machine.as_bytes())) else {
        return Err(unknown_of("machine", machine, o.machines.iter().map(|m| m.name.as_slice())));
    };
    let e = explain(doc, &o, m);
    let report = Report::new(source, Vec::new());
    if a.json {
        print_json(&to_json(&e, &report))?;
    } else {
        print!("{}", text(&e, &report));
    }
    Ok(0)
}
