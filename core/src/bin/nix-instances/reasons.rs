//! Why a machine is in a role: the core's [`Overview`] (who is a member, through which tags,
//! each machine's effective tags) and the input text (what is written where, from the
//! document's index). Used by `explain` and `graph`.

use std::collections::HashSet;

use nix_instances_core::host::Kind;
use nix_instances_core::instances::query::{self, Overview};
use nix_instances_core::json_text::{Entry, JsonText, Span, TextHost};
use nix_instances_core::{Error, Host};

use crate::source::Source;
use crate::Failure;

/// The tags `all`, `nixos` and `darwin`, computed from the machines unless `tags` sets them.
pub const COMPUTED: [&str; 3] = ["all", "darwin", "nixos"];

/// The input entry at `names` below `span`, if every name is there (and each parent an
/// object). Each step is a lookup in the document's index.
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
        .map(|items| items.iter().filter(|s| doc.kind(**s) == Kind::String).filter_map(|s| doc.string(*s).ok()).collect())
        .unwrap_or_default()
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
            TagSource::Own(_) => format!("the machine's own tags (machines.{}.tags)", show(machine)),
            TagSource::Static(_) => format!("the static tag list tags.{}", show(tag)),
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

/// An attribute name as a path segment: quoted when it is not an identifier.
pub fn show(name: &str) -> String {
    nix_instances_core::path::show_name(name.as_bytes())
}

/// Every source of each of `tags` for `machine` (a tag can be both a machine's own and in a
/// list): the machine's own list is read once, each static list once.
pub fn tag_sources(doc: &JsonText, machine: &str, tags: &[String]) -> Vec<Vec<TagSource>> {
    let root = doc.root();
    let own = find(doc, root, &["machines", machine, "tags"]);
    let own_set: HashSet<String> = own.as_ref().map(|e| strings(doc, e.value).into_iter().collect()).unwrap_or_default();
    let statics = find(doc, root, &["tags"]).filter(|e| doc.kind(e.value) == Kind::Attrs);
    tags.iter()
        .map(|tag| {
            let mut out = Vec::new();
            if let Some(own) = &own {
                if own_set.contains(tag) {
                    out.push(TagSource::Own(own.value));
                }
            }
            let listed = statics.as_ref().and_then(|s| doc.attribute(s.value, tag).ok().flatten());
            if let Some(list) = &listed {
                if strings(doc, list.value).iter().any(|m| m == machine) {
                    out.push(TagSource::Static(list.value));
                }
            }
            if listed.is_none() && COMPUTED.contains(&tag.as_str()) {
                out.push(TagSource::Computed);
            }
            out
        })
        .collect()
}

/// A role's tags as written: name and the span of its key (object form) or list item
/// (the first of a name), sorted by name.
pub fn role_tags(doc: &JsonText, role: Span) -> Vec<(String, Span)> {
    let Some(tags) = find(doc, role, &["tags"]) else { return Vec::new() };
    let mut out: Vec<(String, Span)> = match doc.kind(tags.value) {
        Kind::Attrs => doc.attributes(tags.value).map(|a| a.iter().map(|e| (e.name.clone(), e.key)).collect()).unwrap_or_default(),
        Kind::List => doc
            .items(tags.value)
            .map(|items| {
                items.iter().filter(|s| doc.kind(**s) == Kind::String).filter_map(|s| doc.string(*s).ok().map(|t| (t, *s))).collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// `instances.<i>.roles.<r>` in the text.
pub fn role_span(doc: &JsonText, instance: &str, role: &str) -> Option<Span> {
    find(doc, doc.root(), &["instances", instance, "roles", role]).map(|e| e.value)
}

/// A name of the core as text (JSON names are UTF-8).
pub fn text(name: &[u8]) -> String {
    String::from_utf8_lossy(name).into_owned()
}

/// The inventory's [`Overview`] (memberships of `only` these machines, and in these
/// `instances`, if given); an invalid
/// inventory fails as `expand` does (exit 1, the primop's message, the hint to `check`).
/// Warnings go to standard error when `warn`.
pub fn overview(
    source: &Source,
    doc: &JsonText,
    only: Option<&[String]>,
    instances: Option<&[String]>,
    warn: bool,
) -> Result<Overview, Failure> {
    let mut host = TextHost::new(doc.clone());
    let root = host.root();
    let only: Option<Vec<&[u8]>> = only.map(|o| o.iter().map(|s| s.as_bytes()).collect());
    let instances: Option<Vec<&[u8]>> = instances.map(|o| o.iter().map(|s| s.as_bytes()).collect());
    let result = query::overview(&mut host, &root, only.as_deref(), instances.as_deref()).and_then(|o| {
        if o.report.errors.is_empty() {
            Ok(o)
        } else {
            Err(Error::Diagnostics(o.report.errors))
        }
    });
    match result {
        Ok(o) => {
            crate::expand::refuse_nul(source, doc, true)?;
            if warn {
                for w in &o.report.warnings {
                    host.warn(&w.to_string());
                }
                crate::expand::print_warnings(&host.warnings);
            }
            Ok(o)
        }
        Err(e) => Err(crate::expand::failure(source, &host, e, true)),
    }
}
