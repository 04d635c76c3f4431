//! Inventories kept in Nix: `--flake REF[#ATTR]` and `--file FILE.nix [--attr PATH]`.
//!
//! One `nix` process per command, the user's own (their nix.conf; the plugin is not needed),
//! evaluates nix_source.nix: it finds the inventory, reads only its structure (settings and
//! `extraModules` stay unevaluated unless `expand` shows them, with `<function>`, `<path …>`,
//! `<derivation …>` markers), and returns it as JSON with the position of every attribute
//! (`builtins.unsafeGetAttrPos`). Here that JSON is written out again as the text every
//! subcommand reads ([`Source::text`]), remembering for each key and value written where Nix
//! says the attribute is defined; findings and `explain` lines then point into the `.nix`
//! files ([`NixOrigin::render`], [`NixOrigin::position`]), or name the attribute path where
//! Nix knows no position.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path as FsPath, PathBuf};
use std::process::Command;

use nix_instances_core::json_text::{JsonText, Span};
use nix_instances_core::path::{Path, Segment};
use nix_instances_core::text::visible;
use serde_json::{json, Value as Json};

use crate::args::NixArgs;
use crate::output::{emit_finding, Finding, Lines};
use crate::source::Source;
use crate::Failure;

/// The expression nix evaluates (a function of the target, see the file's header).
const WALKER: &str = include_str!("nix_source.nix");

/// Which leaves (settings, `extraModules`) the subcommand prints, so Nix evaluates them: none
/// (check, explain, graph), all (expand), or only those `expand --machine` / `--instance` can.
#[derive(Debug, Clone, Copy)]
pub enum Show<'a> {
    Nothing,
    All,
    Machine(&'a str),
    Instance(&'a str),
}

/// Which Nix input the command line names.
#[derive(Debug, Clone)]
pub enum NixInput {
    /// `--flake REF[#ATTR]`
    Flake { reference: String, attr: Option<String> },
    /// `--file FILE.nix [--attr PATH]`
    File { file: PathBuf, attr: Option<String> },
}

impl NixInput {
    /// The Nix input of the command line, if it names one.
    pub fn of(input: &NixArgs) -> Option<NixInput> {
        if let Some(f) = &input.flake {
            // `REF#` is REF: the inventory is looked for, as `nix eval REF` looks for a default
            let (reference, attr) = match f.split_once('#') {
                Some((r, a)) if !a.is_empty() => (r.to_string(), Some(a.to_string())),
                Some((r, _)) => (r.to_string(), None),
                None => (f.clone(), None),
            };
            return Some(NixInput::Flake { reference, attr });
        }
        input.nix_file.as_ref().map(|f| NixInput::File { file: f.clone(), attr: input.attr.clone() })
    }
}

/// Where an attribute is defined: a file, line and column (1-based, as Nix counts them), or
/// nothing known; and its attribute path in the inventory.
#[derive(Debug, Clone)]
pub struct Loc {
    file: Option<u32>,
    line: usize,
    column: usize,
    path: String,
    /// An attribute Nix knows no position of, placed at its nearest ancestor's (for findings
    /// only: `explain` names the attribute path).
    inherited: bool,
}

struct SourceFile {
    /// As Nix names it (a store path for a flake).
    real: String,
    /// As shown: the user's checkout when the store copy is of it, relative to the working
    /// directory when under it.
    shown: String,
    text: OnceCell<Option<(Lines, String)>>,
}

/// The positions of an inventory read from Nix.
pub struct NixOrigin {
    locs: Vec<Loc>,
    /// Offset of a key or value in the written text -> its attribute's position.
    at: HashMap<usize, u32>,
    /// Offset of a placeholder (a value JSON cannot hold, where the structure needs one) -> what
    /// it is (`a function`).
    kinds: HashMap<usize, &'static str>,
    files: Vec<SourceFile>,
    /// The input as command-line arguments, for hints.
    pub argument: String,
}

/// A Nix string literal of `s`.
fn nix_string(s: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An attribute path as written on the command line (`a.b."c.d"`) as its names.
fn split_attr(path: &str) -> Result<Vec<String>, Failure> {
    let mut names = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' if quoted => cur.extend(chars.next()),
            '.' if !quoted => names.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    if quoted {
        return Err(Failure::io(format!("attribute path '{path}': unterminated quote")));
    }
    names.push(cur);
    if names.iter().any(String::is_empty) {
        return Err(Failure::io(format!("attribute path '{path}': empty attribute name")));
    }
    Ok(names)
}

/// The directory of the checkout a flake in `dir` is copied from: the Git work tree it is in
/// (Nix copies the whole repository), else the directory itself.
fn checkout_root(dir: &FsPath, explicit_path: bool) -> PathBuf {
    if !explicit_path {
        for d in dir.ancestors() {
            if d.join(".git").exists() {
                return d.to_path_buf();
            }
        }
    }
    dir.to_path_buf()
}

/// What `nix` gave back, and how to show its file names.
struct Evaluated {
    out: Json,
    name: String,
    argument: String,
    /// The store copy and the checkout it is a copy of.
    store_to_local: Option<(String, PathBuf)>,
    detected: bool,
}

fn run_nix(mut cmd: Command, program: &str) -> Result<Vec<u8>, Failure> {
    let out = cmd.output().map_err(|e| Failure::io(format!("cannot run {program}: {e} (Nix must be installed and on PATH)")))?;
    // Nix's messages quote the input (a `throw`'s text, names): escaped as every text output
    let stderr = crate::output::safe_lines(&String::from_utf8_lossy(&out.stderr)).into_owned();
    if !out.status.success() {
        // Nix's own message; a name the command line gave that is not there is a usage error
        let usage = stderr.contains("nix-instances: the flake has no attribute")
            || stderr.contains("nix-instances: the file has no attribute")
            || stderr.contains("nix-instances: no inventory found")
            || stderr.contains("nix-instances: a flake has no standard attribute");
        // Nix 2.8 prints the message first, later versions after the trace: shown whole
        let mut message = stderr;
        if !message.ends_with('\n') {
            message.push('\n');
        }
        if message.contains("requires lock file changes") {
            // builtins.getFlake reads a flake as it is locked
            message.push_str("hint: lock the flake first: nix flake lock REF\n");
        }
        return Err(Failure { code: if usage { 2 } else { 1 }, message });
    }
    // warnings (a dirty Git tree, …) as Nix printed them
    let _ = std::io::stderr().write_all(stderr.as_bytes());
    Ok(out.stdout)
}

fn evaluate(input: &NixInput, show: Show, services: bool) -> Result<Evaluated, Failure> {
    let only = match show {
        Show::Machine(m) => format!("{{ machine = {}; }}", nix_string(m)),
        Show::Instance(i) => format!("{{ instance = {}; }}", nix_string(i)),
        Show::Nothing | Show::All => "{ }".to_string(),
    };
    let show = !matches!(show, Show::Nothing);
    let call = |target: &str, attr: &Option<String>, root: &str, is_flake: bool| -> Result<String, Failure> {
        let attr_path = match attr {
            None => "null".to_string(),
            Some(a) if a.is_empty() => "[ ]".to_string(),
            Some(a) => format!("[ {} ]", split_attr(a)?.iter().map(|n| nix_string(n)).collect::<Vec<_>>().join(" ")),
        };
        Ok(format!(
            "({WALKER}) {{ target = {target}; attrPath = {attr_path}; show = {show}; only = {only}; root = {root}; isFlake = {is_flake}; services = {services}; }}"
        ))
    };
    match input {
        NixInput::File { file, attr } => {
            let abs = std::path::absolute(file).map_err(|e| Failure::io(format!("{}: {e}", file.display())))?;
            if !abs.exists() {
                return Err(Failure::io(format!("{}: no such file", file.display())));
            }
            let abs_s = abs.to_string_lossy().into_owned();
            let dir = if abs.is_dir() { abs.clone() } else { abs.parent().map(FsPath::to_path_buf).unwrap_or_default() };
            let target = format!("import (/. + {})", nix_string(&abs_s));
            let expr = call(&target, attr, &nix_string(&dir.to_string_lossy()), false)?;
            // `nix eval`, not `nix-instantiate --eval`: that one cannot copy a path into the
            // store when the inventory interpolates one (clan-core's `directory`)
            let out = parse(run_nix(nix_eval(&expr), "nix")?)?;
            let used = out["attr"].as_str().unwrap_or_default().to_string();
            let shown = file.display().to_string();
            let (name, argument) = if used.is_empty() {
                (shown.clone(), format!("--file {shown}"))
            } else {
                (format!("{shown}, attribute {used}"), format!("--file {shown} --attr {used}"))
            };
            Ok(Evaluated { out, name, argument, store_to_local: None, detected: attr.is_none() && !used.is_empty() })
        }
        NixInput::Flake { reference, attr } => {
            // a local flake by its absolute path: builtins.getFlake takes no relative ones
            let explicit_path = reference.starts_with("path:");
            let local = reference.strip_prefix("path:").unwrap_or(reference);
            // `./dir?dir=sub`: the path, and the query as it is
            let (local, query) = match local.split_once('?') {
                Some((l, q)) => (l, format!("?{q}")),
                None => (local, String::new()),
            };
            let local_dir = (local.starts_with('.') || local.starts_with('/') || FsPath::new(local).is_dir())
                .then(|| std::path::absolute(local).ok())
                .flatten();
            let resolved = match &local_dir {
                Some(d) if !d.exists() => return Err(Failure::io(format!("{local}: no such directory"))),
                Some(d) => format!("{}{}{query}", if explicit_path { "path:" } else { "" }, d.display()),
                None => reference.clone(),
            };
            let target = format!("builtins.getFlake {}", nix_string(&resolved));
            let expr = call("flake", attr, "(toString (flake.sourceInfo.outPath or flake.outPath))", true)?;
            let expr = format!(
                "let flake = {target}; in {{ store = toString (flake.sourceInfo.outPath or flake.outPath); result = {expr}; }}"
            );
            let mut out = parse(run_nix(nix_eval(&expr), "nix")?)?;
            let store = out["store"].as_str().unwrap_or_default().to_string();
            let out = out.get_mut("result").map(Json::take).unwrap_or(Json::Null);
            let used = out["attr"].as_str().unwrap_or_default().to_string();
            let store_to_local = local_dir.map(|d| (store, checkout_root(&d, explicit_path)));
            Ok(Evaluated {
                name: format!("{reference}#{used}"),
                argument: format!("--flake {reference}#{used}"),
                out,
                store_to_local,
                detected: attr.is_none(),
            })
        }
    }
}

/// `nix eval --json --impure --expr EXPR` (impure: a local flake by its path, a file by its
/// absolute path), the same on Nix 2.8 and later.
fn nix_eval(expr: &str) -> Command {
    let mut cmd = Command::new("nix");
    cmd.args(["--extra-experimental-features", "nix-command flakes", "eval", "--json", "--impure", "--expr", expr]);
    cmd
}

fn parse(stdout: Vec<u8>) -> Result<Json, Failure> {
    serde_json::from_slice(&stdout).map_err(|e| match e.classify() {
        // serde_json's nesting limit: only shown values (settings, for expand) nest that deep
        serde_json::error::Category::Syntax if e.to_string().contains("recursion limit") => Failure::io(format!(
            "a value nested more than 128 levels deep cannot be shown from Nix ({e}); check, explain and graph do not read it"
        )),
        _ => Failure::io(format!("nix printed something that is not JSON: {e}")),
    })
}

/// Reads the inventory `input` names with `nix`: the [`Source`] every subcommand reads, its
/// text written from what nix returned, with the positions. `show`: which settings and other
/// leaves are evaluated and shown (`expand`).
pub fn load(input: &NixInput, show: Show) -> Result<Source, Failure> {
    load_as(input, show, false)
}

/// A services-flake multiService file (`multi-service`), everything shown.
pub fn load_services(input: &NixInput) -> Result<Source, Failure> {
    load_as(input, Show::All, true)
}

fn load_as(input: &NixInput, show: Show, services: bool) -> Result<Source, Failure> {
    let e = evaluate(input, show, services)?;
    if e.detected {
        eprintln!("nix-instances: reading the inventory at {}", e.name);
    }
    let cwd = std::env::current_dir().ok();
    let mut b = Builder::new(e.store_to_local, cwd);
    let empty = Json::Null;
    b.value(&e.out["doc"], e.out.get("pos").unwrap_or(&empty), None, &Path::root());
    let origin = NixOrigin { locs: b.locs, at: b.at, kinds: b.kinds, files: b.files, argument: e.argument };
    Ok(Source { name: e.name, text: b.text, nix: Some(origin) })
}

struct Builder {
    text: String,
    locs: Vec<Loc>,
    at: HashMap<usize, u32>,
    kinds: HashMap<usize, &'static str>,
    files: Vec<SourceFile>,
    file_ids: HashMap<String, u32>,
    store_to_local: Option<(String, PathBuf)>,
    cwd: Option<PathBuf>,
}

fn kind_phrase(t: &str) -> &'static str {
    match t {
        "lambda" => "a function",
        "path" => "a path",
        "set" => "a set",
        "external" => "an external value",
        _ => "a value JSON cannot hold",
    }
}

impl Builder {
    fn new(store_to_local: Option<(String, PathBuf)>, cwd: Option<PathBuf>) -> Builder {
        Builder {
            text: String::new(),
            locs: Vec::new(),
            at: HashMap::new(),
            kinds: HashMap::new(),
            files: Vec::new(),
            file_ids: HashMap::new(),
            store_to_local,
            cwd,
        }
    }

    fn file(&mut self, real: &str) -> u32 {
        if let Some(&id) = self.file_ids.get(real) {
            return id;
        }
        let mut local = PathBuf::from(real);
        if let Some((store, checkout)) = &self.store_to_local {
            // (a store with another root, `local?root=…`, names its files by their real path)
            let in_store = real.find(store.as_str()).filter(|&i| i == 0 || real.as_bytes()[i - 1] == b'/' || store.starts_with('/'));
            if let Some(rest) = in_store.and_then(|i| real[i + store.len()..].strip_prefix('/')) {
                local = checkout.join(rest);
            }
        }
        // escaped where it is shown as text (the JSON output has it as it is)
        let shown = match self.cwd.as_ref().and_then(|c| local.strip_prefix(c).ok()) {
            Some(rel) => rel.display().to_string(),
            None => local.display().to_string(),
        };
        let id = self.files.len() as u32;
        // the text is read from the checkout when it is there (what the user edits), else
        // from where Nix read it
        let real_read = if local.exists() { local.display().to_string() } else { real.to_string() };
        self.files.push(SourceFile { real: real_read, shown, text: OnceCell::new() });
        self.file_ids.insert(real.to_string(), id);
        id
    }

    /// A position from `at` (`[line, column, file]`, `[line, column]` in the file of the
    /// `inherit`ed one, or null) for `path`; none known: the `inherit`ed one (a list item's is
    /// its list's).
    fn loc(&mut self, at: Option<&Json>, path: &Path, inherit: Option<u32>, item: bool) -> u32 {
        let given = at.and_then(Json::as_array).and_then(|a| {
            let file = match a.get(2).and_then(Json::as_str) {
                Some(f) => Some(self.file(f)),
                None => inherit.and_then(|i| self.locs[i as usize].file),
            };
            Some((file?, a.first()?.as_u64()? as usize, a.get(1)?.as_u64()? as usize))
        });
        let loc = match given {
            Some((f, line, column)) => Loc { file: Some(f), line, column, path: path.to_string(), inherited: false },
            None => match inherit.map(|i| self.locs[i as usize].clone()) {
                Some(l) => Loc { path: path.to_string(), inherited: l.inherited || !item, ..l },
                None => Loc { file: None, line: 0, column: 0, path: path.to_string(), inherited: false },
            },
        };
        self.locs.push(loc);
        (self.locs.len() - 1) as u32
    }

    /// Writes `v` (compact JSON); `pos` is its position node (see nix_source.nix), `loc` its
    /// attribute's position.
    fn value(&mut self, v: &Json, pos: &Json, loc: Option<u32>, path: &Path) {
        let start = self.text.len();
        if let Some(l) = loc {
            self.at.insert(start, l);
        }
        match v {
            Json::Object(map) => {
                self.text.push('{');
                for (k, (name, child)) in map.iter().enumerate() {
                    if k > 0 {
                        self.text.push(',');
                    }
                    let node = pos.get(name);
                    let child_path = path.attr(name);
                    let l = self.loc(node.and_then(|n| n.get("at")), &child_path, loc, false);
                    self.at.insert(self.text.len(), l);
                    self.text.push_str(&Json::String(name.clone()).to_string());
                    self.text.push(':');
                    let empty = Json::Null;
                    self.value(child, node.and_then(|n| n.get("c")).unwrap_or(&empty), Some(l), &child_path);
                }
                self.text.push('}');
            }
            Json::Array(items) => {
                self.text.push('[');
                for (k, item) in items.iter().enumerate() {
                    if k > 0 {
                        self.text.push(',');
                    }
                    let item_path = path.index(k);
                    let l = self.loc(None, &item_path, loc, true);
                    let empty = Json::Null;
                    self.value(item, pos.get(k).unwrap_or(&empty), Some(l), &item_path);
                }
                self.text.push(']');
            }
            other => {
                if let Some(t) = pos.get("k").and_then(Json::as_str) {
                    self.kinds.insert(start, kind_phrase(t));
                }
                self.text.push_str(&other.to_string());
            }
        }
    }
}

/// Byte offset of 1-based `line` and `column` in `text` (clamped to the text).
fn offset(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line.max(1) {
        match text[start..].find('\n') {
            Some(n) => start += n + 1,
            None => return text.len(),
        }
    }
    let line_end = text[start..].find('\n').map_or(text.len(), |n| start + n);
    let mut at = (start + column.saturating_sub(1)).min(line_end);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The attribute name (or whatever token) starting at `at`: an identifier, a quoted name, or
/// one character.
fn token(text: &str, at: usize) -> Span {
    let rest = &text[at..];
    let len = if let Some(quoted) = rest.strip_prefix('"') {
        let mut escaped = false;
        quoted
            .char_indices()
            .find(|&(_, c)| {
                let end = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                end || c == '\n'
            })
            .map_or(rest.len(), |(i, _)| i + 2)
    } else {
        let n = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '\'')).unwrap_or(rest.len());
        if n == 0 {
            rest.chars().next().map_or(0, char::len_utf8)
        } else {
            n
        }
    };
    Span { start: at, end: at + len }
}

impl NixOrigin {
    /// The position of the attribute whose key or value starts at `span`.
    pub fn locate(&self, span: Span) -> Option<&Loc> {
        self.at.get(&span.start).map(|&i| &self.locs[i as usize])
    }

    /// The file's text and its lines, for snippets (escaped when shown, as the JSON input's).
    fn text(&self, file: u32) -> Option<(&str, &Lines)> {
        let f = &self.files[file as usize];
        f.text.get_or_init(|| std::fs::read_to_string(&f.real).ok().map(|t| (Lines::new(&t), t))).as_ref().map(|(l, t)| (t.as_str(), l))
    }

    /// `file:line:column`, or the attribute path where Nix knows no position.
    pub fn position(&self, span: Span) -> String {
        match self.locate(span) {
            Some(Loc { file: Some(f), line, column, inherited: false, .. }) => format!("{}:{line}:{column}", self.files[*f as usize].shown),
            Some(l) => l.path.clone(),
            None => String::new(),
        }
    }

    /// `{ file, line, column }` (null where Nix knows no position).
    pub fn position_json(&self, span: Span) -> Json {
        match self.locate(span) {
            Some(Loc { file: Some(f), line, column, inherited: false, .. }) => {
                json!({ "file": self.files[*f as usize].shown, "line": line, "column": column })
            }
            _ => Json::Null,
        }
    }

    /// A finding's place as JSON fields: file, line, column and byte span in that file.
    pub fn finding_json(&self, f: &Finding) -> (Json, Json, Json, Json) {
        match f.span.and_then(|s| self.locate(s)) {
            Some(Loc { file: Some(id), line, column, .. }) => {
                let span = self.text(*id).map(|(t, _)| token(t, offset(t, *line, *column)));
                (
                    json!(self.files[*id as usize].shown),
                    json!(line),
                    json!(column),
                    span.map_or(Json::Null, |s| json!({ "start": s.start, "end": s.end })),
                )
            }
            _ => (Json::Null, Json::Null, Json::Null, Json::Null),
        }
    }

    /// A message about the value at `path` that calls a placeholder "a float" names what the
    /// value is (`expected a set, got a function`).
    pub fn retype(&self, doc: &JsonText, path: &Path, message: String) -> String {
        let mut here = doc.locate(path);
        if let (false, [Segment::Attr(top), _, rest @ ..]) = (here.complete, path.segments()) {
            // multi-service names an instance `services.<service>.<instance>`
            if top == b"services" {
                let mut p = Path::root().attr("instances");
                for s in rest {
                    p = match s {
                        Segment::Attr(n) => p.attr(n),
                        Segment::Index(i) => p.index(*i),
                    };
                }
                here = doc.locate(&p);
            }
        }
        match self.kinds.get(&here.value.start) {
            Some(kind) if here.complete => message.replace("got a float", &format!("got {kind}")),
            _ => message,
        }
    }

    /// Every finding, rendered for people as [`Report::render`](crate::output::Report::render)
    /// renders them (the span's line, a window of it when it is long, everything from the
    /// input escaped), with the lines of the .nix files; the attribute path where Nix knows no
    /// position.
    pub fn render(&self, findings: &[Finding], out: &mut dyn Write, color: bool) -> std::io::Result<()> {
        for f in findings {
            let mut notes = Vec::new();
            let mut place = None;
            match f.span.and_then(|s| self.locate(s)) {
                Some(Loc { file: Some(id), line, column, path, .. }) => match self.text(*id) {
                    Some((text, lines)) => place = Some((*id, text, lines, token(text, offset(text, *line, *column)))),
                    None => notes.push(format!("at {}:{line}:{column} ({path})", self.files[*id as usize].shown)),
                },
                Some(l) => notes.push(format!("at {} (Nix knows no position)", l.path)),
                None => {
                    if let Some(p) = &f.path {
                        notes.push(format!("at {p}"));
                    }
                }
            }
            match place {
                Some((id, text, lines, span)) => {
                    let name = visible(&self.files[id as usize].shown);
                    emit_finding(out, color, &name, Some((text, lines, span)), f, notes)?;
                }
                None => emit_finding(out, color, "", None, f, notes)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_paths_split_on_dots_outside_quotes() {
        assert_eq!(split_attr("a.b").unwrap(), ["a", "b"]);
        assert_eq!(split_attr(r#"fleet."prod.eu"."x\"y""#).unwrap(), ["fleet", "prod.eu", "x\"y"]);
        assert!(split_attr("a..b").is_err());
        assert!(split_attr("a.\"b").is_err());
    }

    #[test]
    fn snippets_escape_terminal_controls_and_cut_long_lines() {
        let dir = std::env::temp_dir().join(format!("nix-instances-render-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("inv\x1b[2J.nix");
        let long = "x".repeat(5000);
        let text = format!("{{\n  a = \"\x1b[31m\u{202e}\"; b = \"{long}\"; wbe1 = {{ }}; c = \"{long}\";\n}}\n");
        std::fs::write(&file, &text).unwrap();
        let column = text.lines().nth(1).unwrap().find("wbe1").unwrap() + 1;
        let mut b = Builder::new(None, None);
        let at = json!({ "wbe1": { "at": [2, column, file.display().to_string()] } });
        b.value(&json!({ "wbe1": {} }), &at, None, &Path::root());
        let origin = NixOrigin { locs: b.locs, at: b.at, kinds: b.kinds, files: b.files, argument: String::new() };
        let finding = Finding {
            severity: crate::output::Severity::Error,
            message: "no machine named 'wbe1'\x1b[0m".into(),
            path: Some(Path::root().attr("wbe1")),
            span: Some(Span { start: 1, end: 7 }),
            label: "wbe1".into(),
            notes: vec!["help: \x1b]0;x\x07".into()],
            suggestion: None,
        };
        let mut out = Vec::new();
        origin.render(&[finding], &mut out, false).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out}");
        assert!(out.contains("\\u001b[2J.nix:2:"), "{out}");
        assert!(out.contains("wbe1 = { }"), "{out}");
        assert!(out.contains('…'), "{out}");
        assert!(out.len() < 2000, "{out}");
    }

    #[test]
    fn nix_strings_escape_what_nix_interprets() {
        assert_eq!(nix_string("a\"b\\c${d}$e\n"), r#""a\"b\\c\${d}$e\n""#);
    }

    #[test]
    fn positions_become_byte_spans_of_the_name() {
        let text = "{\n  wbe1 = { };\n  \"a b\" = 1;\n  é.x = 2;\n}\n";
        let at = offset(text, 2, 3);
        assert_eq!(&text[token(text, at).start..token(text, at).end], "wbe1");
        let at = offset(text, 3, 3);
        assert_eq!(&text[token(text, at).start..token(text, at).end], "\"a b\"");
        // a column past the end of its line, a line past the end: clamped, never a panic
        assert_eq!(offset(text, 2, 99), text.find(" = { };").unwrap() + 7);
        assert_eq!(offset(text, 99, 1), text.len());
        let at = offset(text, 4, 4);
        assert!(text.is_char_boundary(at));
        let _ = token(text, at);
        let _ = token(text, text.len());
    }
}
