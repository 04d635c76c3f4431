//! Why a machine is in a role: read off the expansion (who is a member, a machine's
//! effective tags) and the input text (what is written where). Used by `explain` and `graph`.

use std::collections::{BTreeSet, HashMap};

use nix_instances_core::host::Kind;
use nix_instances_core::json_text::{Entry, JsonText, Span, Value};

/// The tags `all`, `nixos` and `darwin`, computed from the machines unless `tags` sets them.
pub const COMPUTED: [&str; 3] = ["all", "darwin", "nixos"];

/// The input entry at `names` below `span`, if every name is there (and each parent an
/// object).
pub fn find(doc: &JsonText, span: Span, names: &[&str]) -> Option<Entry> {
    let mut here: Option<Entry> = None;
    let mut at = span;
    for n in names {
        if doc.kind(at) != Kind::Attrs {
            return None;
        }
        let e = doc.attribute(at, n).ok().flatten()?;
        at = e.value;
        here = Some(e);
    }
    here
}

/// The strings of a list value (other items skipped).
pub fn strings(doc: &JsonText, span: Span) -> Vec<String> {
    if doc.kind(span) != Kind::List {
        return Vec::new();
    }
    doc.items(span)
        .unwrap_or_default()
        .into_iter()
        .filter(|s| doc.kind(*s) == Kind::String)
        .filter_map(|s| doc.string(s).ok())
        .collect()
}

/// Where a machine's tag comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagSource {
    /// Listed in `machines.<m>.tags` (the span of that list).
    Own(Span),
    /// The machine is in the static list `tags.<t>` (its span).
    Static(Span),
    /// Computed: `all`, or the machine's class.
    Computed,
}

impl TagSource {
    pub fn describe(&self, machine: &str, tag: &str) -> String {
        match self {
            TagSource::Own(_) => format!("the machine's own tags (machines.{machine}.tags)"),
            TagSource::Static(_) => format!("the static tag list tags.{tag}"),
            TagSource::Computed if tag == "all" => "computed: every machine".into(),
            TagSource::Computed => format!("computed: machineClass is {tag}"),
        }
    }

    pub fn word(&self) -> &'static str {
        match self {
            TagSource::Own(_) => "own",
            TagSource::Static(_) => "static",
            TagSource::Computed => "computed",
        }
    }

    pub fn span(&self) -> Option<Span> {
        match self {
            TagSource::Own(s) | TagSource::Static(s) => Some(*s),
            TagSource::Computed => None,
        }
    }
}

/// Every source of `tag` for `machine` (a tag can be both a machine's own and in a list).
pub fn tag_sources(doc: &JsonText, machine: &str, tag: &str) -> Vec<TagSource> {
    let root = doc.root();
    let mut out = Vec::new();
    if let Some(own) = find(doc, root, &["machines", machine, "tags"]) {
        if strings(doc, own.value).iter().any(|t| t == tag) {
            out.push(TagSource::Own(own.value));
        }
    }
    let listed = find(doc, root, &["tags", tag]);
    if let Some(list) = &listed {
        if strings(doc, list.value).iter().any(|m| m == machine) {
            out.push(TagSource::Static(list.value));
        }
    }
    if listed.is_none() && COMPUTED.contains(&tag) {
        out.push(TagSource::Computed);
    }
    out
}

/// A role's tags as written: name and the span of its key (object form) or list item.
pub fn role_tags(doc: &JsonText, role: Span) -> Vec<(String, Span)> {
    let Some(tags) = find(doc, role, &["tags"]) else { return Vec::new() };
    let mut out: Vec<(String, Span)> = match doc.kind(tags.value) {
        Kind::Attrs => doc.attributes(tags.value).unwrap_or_default().into_iter().map(|e| (e.name, e.key)).collect(),
        Kind::List => doc
            .items(tags.value)
            .unwrap_or_default()
            .into_iter()
            .filter(|s| doc.kind(*s) == Kind::String)
            .filter_map(|s| doc.string(s).ok().map(|t| (t, s)))
            .collect(),
        _ => Vec::new(),
    };
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// One machine in one role, and why.
#[derive(Debug, Clone)]
pub struct Membership {
    pub instance: String,
    pub role: String,
    pub machine: String,
    /// `instances.<i>.roles.<r>.machines.<m>` is written (its key's span).
    pub explicit: Option<Span>,
    /// The role's tags the machine carries, tag-name order.
    pub tags: Vec<String>,
}

/// A machine's effective tags, from the expansion.
pub fn machine_tags(out: &Value, machine: &str) -> BTreeSet<String> {
    out.get("machines")
        .and_then(|ms| ms.get(machine))
        .and_then(|m| m.get("tags"))
        .map(Value::list)
        .unwrap_or_default()
        .iter()
        .filter_map(|t| t.str().map(str::to_string))
        .collect()
}

/// Where each role is written: `instances.<i>.roles.<r>` by (instance, role), read in one
/// pass (looking each up from the root would scan the whole text once per role).
pub fn role_spans(doc: &JsonText) -> HashMap<(String, String), Span> {
    let mut out = HashMap::new();
    let Some(instances) = find(doc, doc.root(), &["instances"]) else { return out };
    if doc.kind(instances.value) != Kind::Attrs {
        return out;
    }
    for inst in doc.attributes(instances.value).unwrap_or_default() {
        let Some(roles) = find(doc, inst.value, &["roles"]) else { continue };
        if doc.kind(roles.value) != Kind::Attrs {
            continue;
        }
        for role in doc.attributes(roles.value).unwrap_or_default() {
            out.insert((inst.name.clone(), role.name), role.value);
        }
    }
    out
}

/// Every membership of the expansion (of `only` this machine, if given), in instance, role,
/// machine order, with its reasons.
pub fn memberships(doc: &JsonText, out: &Value, only: Option<&str>) -> Vec<Membership> {
    let spans = role_spans(doc);
    let mut result = Vec::new();
    for (i, inst) in out.get("instances").map(Value::entries).unwrap_or_default() {
        for (r, role) in inst.get("roles").map(Value::entries).unwrap_or_default() {
            let role_in = spans.get(&(i.to_string(), r.to_string())).map(|&value| Entry { name: r.to_string(), key: value, value });
            let written_tags = role_in.as_ref().map(|e| role_tags(doc, e.value)).unwrap_or_default();
            let explicit = role_in
                .as_ref()
                .and_then(|e| find(doc, e.value, &["machines"]))
                .filter(|e| doc.kind(e.value) == Kind::Attrs)
                .map(|e| doc.attributes(e.value).unwrap_or_default())
                .unwrap_or_default();
            for (m, _) in role.get("machines").map(Value::entries).unwrap_or_default() {
                if only.is_some_and(|o| o != m.as_ref()) {
                    continue;
                }
                let carried = machine_tags(out, m);
                result.push(Membership {
                    instance: i.to_string(),
                    role: r.to_string(),
                    machine: m.to_string(),
                    explicit: explicit.iter().find(|e| e.name == m.as_ref()).map(|e| e.key),
                    tags: written_tags.iter().filter(|(t, _)| carried.contains(t)).map(|(t, _)| t.clone()).collect(),
                });
            }
        }
    }
    result
}
