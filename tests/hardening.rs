//! Bad and unusual inputs, position by position, against a real `nix` with the plugin:
//!
//! - a wrong type at every structural position: a Nix error naming the path, the twin's message;
//! - a throwing thunk at every lazy position: never forced (the result forced structurally);
//! - a throwing thunk at every forced position: the user's error, unchanged;
//! - attribute names that are not UTF-8; 10^5 machines; settings nested 10^4 deep;
//! - `pure-eval` and `restrict-eval`; independence of attribute and list order;
//! - a quick differential fuzz (scripts/fuzz.py --quick).
//!
//! Run: cargo test --workspace --features nix-instances/test-hooks --test hardening

mod common;
use common::{nix, nix_string, repo, twin_i, twin_s, PRIMOP_I, PRIMOP_S};

use serde_json::{json, Value};

// ---- inputs as JSON, rendered to Nix with substitutions ----------------------------------------

/// How a set or list is written: plainly, in reverse order, or assembled with `//` / listToAttrs.
#[derive(Clone, Copy, PartialEq)]
enum Style {
    Plain,
    /// Attributes in reverse order, and every list outside settings reversed (the lists of
    /// names an input holds mean the same in any order).
    Reversed,
    /// Each set built as `{ a = …; } // { b = …; }`.
    Merged,
    /// Each set built by `builtins.listToAttrs` from a reversed list.
    ListToAttrs,
}

/// `v` as a Nix expression; the value at `path` ("a/b/0", list items by index) is written as
/// the raw Nix text `subst` instead.
fn render(v: &Value, style: Style, subst: Option<(&str, &str)>) -> String {
    fn go(v: &Value, path: &str, style: Style, subst: Option<(&str, &str)>, in_settings: bool) -> String {
        if let Some((p, text)) = subst {
            if p == path {
                return format!("({text})");
            }
        }
        let child = |k: &str| if path.is_empty() { k.to_string() } else { format!("{path}/{k}") };
        match v {
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) if n.as_i64().is_some_and(|i| i < 0) => format!("({n})"),
            Value::Number(n) => n.to_string(),
            Value::String(s) => string(s),
            Value::Array(items) => {
                let mut parts: Vec<String> = items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| go(x, &child(&i.to_string()), style, subst, in_settings))
                    .collect();
                if style == Style::Reversed && !in_settings {
                    parts.reverse();
                }
                format!("[ {} ]", parts.join(" "))
            }
            Value::Object(m) => {
                let mut entries: Vec<(String, String)> = m
                    .iter()
                    .map(|(k, x)| {
                        let settings = in_settings || k == "settings" || k == "extraModules";
                        (k.clone(), go(x, &child(k), style, subst, settings))
                    })
                    .collect();
                if style != Style::Plain {
                    entries.reverse();
                }
                match style {
                    Style::Merged if entries.len() > 1 => format!(
                        "({})",
                        entries.iter().map(|(k, x)| format!("{{ {} = {x}; }}", string(k))).collect::<Vec<_>>().join(" // ")
                    ),
                    Style::ListToAttrs => format!(
                        "(builtins.listToAttrs [ {} ])",
                        entries.iter().map(|(k, x)| format!("{{ name = {}; value = {x}; }}", string(k))).collect::<Vec<_>>().join(" ")
                    ),
                    _ => format!(
                        "{{ {} }}",
                        entries.iter().map(|(k, x)| format!("{} = {x};", string(k))).collect::<Vec<_>>().join(" ")
                    ),
                }
            }
        }
    }
    format!("({})", go(v, "", style, subst, false))
}

/// A Nix string; the marker `<nonutf8>` becomes a byte that is not UTF-8 on its own.
fn string(s: &str) -> String {
    nix_string(s).replace("<nonutf8>", r#"${builtins.substring 0 1 "é"}"#)
}


/// An inventory with every structural position present, and a plain value at every lazy one.
fn inventory() -> Value {
    json!({
        "meta": "m",
        "machines": {
            "web1": { "tags": ["web", "edge"], "machineClass": "nixos", "deploy": "d" },
            "web2": { "tags": ["web"], "machineClass": "darwin" },
            "db1": { }
        },
        "tags": { "backup": ["db1", "web2"] },
        "instances": {
            "i": {
                "foo": "f",
                "module": { "name": "srv", "input": null, "bar": "b" },
                "roles": {
                    "server": {
                        "machines": { "web1": { "settings": { "a": 1 }, "other": "o" } },
                        "tags": { "web": { "settings": { "t": 1 }, "other": "o" }, "backup": { } },
                        "settings": { "port": 1 },
                        "extraModules": [ { "e": 1 } ],
                        "unknown": "u"
                    },
                    "client": { "tags": ["web", "backup"] }
                }
            },
            "j": { "module": { "name": "other", "input": "my-flake" }, "roles": { "peer": { "machines": { "db1": { } } } } }
        },
        "modules": {
            "<clan-core>-srv": {
                "roles": ["server", "client"],
                "maxInstances": 3,
                "constraints": { "server": { "minMachines": 1, "maxMachines": 5, "foo": "f" } },
                "description": "d"
            }
        }
    })
}

/// A multi-instance service with every structural position present.
fn service(by_module: bool) -> Value {
    let mut v = json!({
        "meta": "m",
        "instances": {
            "a": {
                "enable": true,
                "namespace": "ns",
                "dataDir": "/d",
                "extra": "x",
                "outputs": {
                    "other": "o",
                    "settings": { "other": "o", "processes": { "a-web": { "command": "web" }, "a-db": { "command": "db" } } }
                }
            },
            "b": { "enable": false, "outputs": { "settings": { "processes": { "a-web": { } } } } }
        }
    });
    if by_module {
        v["module"] = json!("hello.nix");
    } else {
        v["service"] = json!("hello");
        v["module"] = json!("ignored.nix");
    }
    v
}

/// Forces the whole structure of an expandInstances result (every name, list spine and
/// string outside settings) and nothing of settings, extraModules or settings.imports items.
const WALK_I: &str = r#"(r: let
    inherit (builtins) attrValues catAttrs concatLists concatMap deepSeq length;
    instances = attrValues r.instances;
    roles = concatMap attrValues (catAttrs "roles" instances);
    entries = concatMap attrValues (catAttrs "machines" roles);
    imports = concatLists (catAttrs "imports" (catAttrs "settings" entries));
  in deepSeq [ r.modules r.machines r.tags r.warnings (catAttrs "module" instances) (catAttrs "moduleId" instances) ]
    (length roles + length entries + length imports))"#;

/// The same for expandMultiService: namespace and dataDir are the user's values, passed through.
const WALK_S: &str = r#"(r: builtins.deepSeq [ r.service r.enabled r.processes
    (builtins.mapAttrs (n: i: [ i.name i.enable ]) r.instances) ] (builtins.length r.settings))"#;

/// Runs `f` over `items` on a few threads (each item starts nix processes).
fn par<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let chunks = items.len().div_ceil(4).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = items.chunks(chunks).map(|c| s.spawn(|| c.iter().map(&f).collect::<Vec<R>>())).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    })
}

// ---- wrong types --------------------------------------------------------------------------------

/// (Nix text, `builtins.typeOf`, the phrase in messages)
const WRONG: &[(&str, &str, &str)] = &[
    ("7", "int", "an integer"),
    ("\"x\"", "string", "a string"),
    ("[ ]", "list", "a list"),
    ("{ }", "set", "a set"),
    ("true", "bool", "a Boolean"),
    ("1.5", "float", "a float"),
    ("null", "null", "null"),
    ("(x: x)", "lambda", "a function"),
    ("/no/such/path", "path", "a path"),
];

/// A structural position: where (render path), as messages show it, what it must be, and the
/// kinds that are accepted there (or lead to a different error) and so are not tried.
struct Position {
    at: &'static str,
    shown: &'static str,
    expected: &'static str,
    skip: &'static [&'static str],
}

const INSTANCE_POSITIONS: &[Position] = &[
    Position { at: "", shown: "", expected: "a set", skip: &["set"] },
    Position { at: "machines", shown: "machines", expected: "a set", skip: &["set"] },
    Position { at: "machines/web1", shown: "machines.web1", expected: "a set", skip: &["set"] },
    Position { at: "machines/web1/tags", shown: "machines.web1.tags", expected: "a list", skip: &["list"] },
    Position { at: "machines/web1/tags/1", shown: "machines.web1.tags[1]", expected: "a string", skip: &["string"] },
    Position { at: "machines/web2/machineClass", shown: "machines.web2.machineClass", expected: "a string", skip: &["string"] },
    Position { at: "tags", shown: "tags", expected: "a set", skip: &["set"] },
    Position { at: "tags/backup", shown: "tags.backup", expected: "a list", skip: &["list"] },
    Position { at: "tags/backup/1", shown: "tags.backup[1]", expected: "a string", skip: &["string"] },
    Position { at: "modules", shown: "modules", expected: "a set", skip: &["set"] },
    Position { at: "modules/<clan-core>-srv", shown: "modules.\"<clan-core>-srv\"", expected: "a set", skip: &["set"] },
    Position { at: "modules/<clan-core>-srv/roles", shown: "modules.\"<clan-core>-srv\".roles", expected: "a list", skip: &["list", "null"] },
    Position { at: "modules/<clan-core>-srv/roles/1", shown: "modules.\"<clan-core>-srv\".roles[1]", expected: "a string", skip: &["string"] },
    Position { at: "modules/<clan-core>-srv/maxInstances", shown: "modules.\"<clan-core>-srv\".maxInstances", expected: "a positive integer or null", skip: &["int", "null"] },
    Position { at: "modules/<clan-core>-srv/constraints", shown: "modules.\"<clan-core>-srv\".constraints", expected: "a set", skip: &["set"] },
    Position { at: "modules/<clan-core>-srv/constraints/server", shown: "modules.\"<clan-core>-srv\".constraints.server", expected: "a set", skip: &["set"] },
    Position { at: "modules/<clan-core>-srv/constraints/server/minMachines", shown: "modules.\"<clan-core>-srv\".constraints.server.minMachines", expected: "a non-negative integer or null", skip: &["int", "null"] },
    Position { at: "modules/<clan-core>-srv/constraints/server/maxMachines", shown: "modules.\"<clan-core>-srv\".constraints.server.maxMachines", expected: "a positive integer or null", skip: &["int", "null"] },
    Position { at: "instances", shown: "instances", expected: "a set", skip: &["set"] },
    Position { at: "instances/i", shown: "instances.i", expected: "a set", skip: &["set"] },
    Position { at: "instances/i/module", shown: "instances.i.module", expected: "a set", skip: &["set"] },
    Position { at: "instances/i/module/name", shown: "instances.i.module.name", expected: "a string", skip: &["string"] },
    Position { at: "instances/j/module/input", shown: "instances.j.module.input", expected: "a string or null", skip: &["string", "null"] },
    Position { at: "instances/i/roles", shown: "instances.i.roles", expected: "a set", skip: &["set"] },
    Position { at: "instances/i/roles/server", shown: "instances.i.roles.server", expected: "a set", skip: &["set"] },
    Position { at: "instances/i/roles/server/machines", shown: "instances.i.roles.server.machines", expected: "a set", skip: &["set"] },
    Position { at: "instances/i/roles/server/machines/web1", shown: "instances.i.roles.server.machines.web1", expected: "a set", skip: &["set"] },
    Position { at: "instances/i/roles/server/tags", shown: "instances.i.roles.server.tags", expected: "a set or a list of tag names", skip: &["set", "list"] },
    Position { at: "instances/i/roles/server/tags/web", shown: "instances.i.roles.server.tags.web", expected: "a set", skip: &["set"] },
    Position { at: "instances/i/roles/client/tags", shown: "instances.i.roles.client.tags", expected: "a set or a list of tag names", skip: &["set", "list"] },
    Position { at: "instances/i/roles/client/tags/1", shown: "instances.i.roles.client.tags[1]", expected: "a string", skip: &["string"] },
];

/// (by module?, position). Instance paths read `services.hello.…`.
const SERVICE_POSITIONS: &[(bool, Position)] = &[
    (false, Position { at: "", shown: "", expected: "a set", skip: &["set"] }),
    (false, Position { at: "service", shown: "service", expected: "a string or null", skip: &["string", "null"] }),
    (true, Position { at: "module", shown: "module", expected: "a path or a string", skip: &["string", "path", "null"] }),
    (false, Position { at: "instances", shown: "instances", expected: "a set", skip: &["set"] }),
    (true, Position { at: "instances", shown: "instances", expected: "a set", skip: &["set"] }),
    (false, Position { at: "instances/a", shown: "services.hello.a", expected: "a set", skip: &["set"] }),
    (false, Position { at: "instances/a/enable", shown: "services.hello.a.enable", expected: "a Boolean", skip: &["bool"] }),
    (false, Position { at: "instances/b/enable", shown: "services.hello.b.enable", expected: "a Boolean", skip: &["bool"] }),
    (false, Position { at: "instances/a/outputs", shown: "services.hello.a.outputs", expected: "a set", skip: &["set"] }),
    (false, Position { at: "instances/a/outputs/settings", shown: "services.hello.a.outputs.settings", expected: "a set", skip: &["set"] }),
    (true, Position { at: "instances/a/outputs/settings/processes", shown: "services.hello.a.outputs.settings.processes", expected: "a set", skip: &["set"] }),
];

fn expected_message(p: &Position, actual: &str) -> String {
    if p.shown.is_empty() {
        format!("expected {}, got {actual}", p.expected)
    } else {
        format!("{}: expected {}, got {actual}", p.shown, p.expected)
    }
}

/// Every wrong type at every position: primop and twin fail with the same, expected message,
/// catchable by tryEval.
fn check_wrong_types(cases: Vec<(String, String, String, String)>) {
    // (label, primop expr, twin expr, expected message)
    let failures: Vec<String> = par(&cases, |(label, primop, twin, expected)| {
        let mut out = Vec::new();
        let p = nix().eval(primop, true);
        let t = nix().eval(twin, false);
        for (who, e) in [("primop", &p), ("twin", &t)] {
            if e.crashed {
                out.push(format!("{label}: the {who} crashed:\n{}", e.stderr));
            } else if e.success {
                out.push(format!("{label}: the {who} accepted it: {}", e.stdout));
            } else if e.error() != *expected {
                out.push(format!("{label}: {who}\n   expected: {expected}\n   got:      {}", e.error()));
            }
        }
        out
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    // and every one of these errors is catchable by tryEval (one process for all)
    for (which, with_plugin) in [(1, true), (2, false)] {
        let list: Vec<String> = cases
            .iter()
            .map(|c| format!("(builtins.tryEval ({})).success", if which == 1 { &c.1 } else { &c.2 }))
            .collect();
        // too long for a command-line argument: through a file
        let file = nix().dir().join(format!("try-eval-{which}-{}.nix", cases[0].0.len() * 1000 + cases.len()));
        std::fs::write(&file, format!("builtins.filter (x: x) [ {} ]", list.join("\n"))).unwrap();
        let e = nix().eval(&format!("import {}", file.display()), with_plugin);
        assert_eq!(e.json(), json!([]), "some errors escaped tryEval");
    }
}

#[test]
fn wrong_type_at_every_structural_position_of_expand_instances() {
    let inv = inventory();
    // the unbroken inventory works
    let ok = nix().eval(&format!("{WALK_I} ({PRIMOP_I} {})", render(&inv, Style::Plain, None)), true);
    assert!(ok.success, "{}", ok.stderr);
    let mut cases = Vec::new();
    for p in INSTANCE_POSITIONS {
        for (text, kind, phrase) in WRONG {
            if p.skip.contains(kind) {
                continue;
            }
            let input = render(&inv, Style::Plain, Some((p.at, text)));
            cases.push((
                format!("{} = {text}", if p.at.is_empty() { "(argument)" } else { p.at }),
                format!("{PRIMOP_I} {input}"),
                format!("{} {input}", twin_i()),
                expected_message(p, phrase),
            ));
        }
    }
    assert!(cases.len() > 150, "{}", cases.len());
    check_wrong_types(cases);
}

#[test]
fn wrong_type_at_every_structural_position_of_expand_multi_service() {
    for by_module in [false, true] {
        let ok = nix().eval(&format!("{WALK_S} ({PRIMOP_S} {})", render(&service(by_module), Style::Plain, None)), true);
        assert!(ok.success, "{}", ok.stderr);
    }
    let mut cases = Vec::new();
    for (by_module, p) in SERVICE_POSITIONS {
        for (text, kind, phrase) in WRONG {
            if p.skip.contains(kind) {
                continue;
            }
            let input = render(&service(*by_module), Style::Plain, Some((p.at, text)));
            cases.push((
                format!("{} = {text}", if p.at.is_empty() { "(argument)" } else { p.at }),
                format!("{PRIMOP_S} {input}"),
                format!("{} {input}", twin_s()),
                expected_message(p, phrase),
            ));
        }
    }
    check_wrong_types(cases);
}

// ---- throwing thunks ----------------------------------------------------------------------------

const INSTANCE_LAZY: &[&str] = &[
    "meta",
    "machines/web1/deploy",
    "instances/i/foo",
    "instances/i/module/bar",
    "instances/i/roles/server/machines/web1/settings",
    "instances/i/roles/server/machines/web1/other",
    "instances/i/roles/server/tags/web/settings",
    "instances/i/roles/server/tags/web/other",
    "instances/i/roles/server/settings",
    "instances/i/roles/server/extraModules",
    "instances/i/roles/server/extraModules/0",
    "instances/i/roles/server/unknown",
    "modules/<clan-core>-srv/description",
    "modules/<clan-core>-srv/constraints/server/foo",
];

/// (by module?, lazy position)
const SERVICE_LAZY: &[(bool, &str)] = &[
    (false, "meta"),
    (false, "module"), // `service` is given: `module` is not looked at
    (false, "instances/a/namespace"),
    (false, "instances/a/dataDir"),
    (false, "instances/a/extra"),
    (false, "instances/a/outputs/other"),
    (false, "instances/a/outputs/settings/other"),
    (false, "instances/a/outputs/settings/processes/a-web"),
    (false, "instances/b/outputs"), // a disabled instance
    (true, "instances/b/outputs/settings/processes"),
];

#[test]
fn a_throw_at_every_lazy_position_is_never_forced() {
    let mut cases = Vec::new();
    for at in INSTANCE_LAZY {
        let input = render(&inventory(), Style::Plain, Some((at, "throw \"lazy value forced\"")));
        cases.push((at.to_string(), format!("{WALK_I} ({PRIMOP_I} {input})"), format!("{WALK_I} ({} {input})", twin_i())));
    }
    for (by_module, at) in SERVICE_LAZY {
        let input = render(&service(*by_module), Style::Plain, Some((at, "throw \"lazy value forced\"")));
        cases.push((at.to_string(), format!("{WALK_S} ({PRIMOP_S} {input})"), format!("{WALK_S} ({} {input})", twin_s())));
    }
    let failures: Vec<String> = par(&cases, |(at, primop, twin)| {
        let p = nix().eval(primop, true);
        let t = nix().eval(twin, false);
        let mut out = Vec::new();
        for (who, e) in [("primop", &p), ("twin", &t)] {
            if !e.success {
                out.push(format!("{at}: the {who} forced it:\n{}", e.stderr));
            }
        }
        if out.is_empty() && p.json() != t.json() {
            out.push(format!("{at}: primop and twin results differ: {} vs {}", p.stdout, t.stdout));
        }
        out
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_throw_at_every_forced_position_is_the_users_error_unchanged() {
    let mut cases = Vec::new();
    // structural positions, and the list items in them
    let mut at: Vec<&str> = INSTANCE_POSITIONS.iter().map(|p| p.at).collect();
    at.extend(["machines/web1/tags/0", "tags/backup/0", "modules/<clan-core>-srv/roles/0", "instances/j/module/name"]);
    for a in at {
        let msg = format!("user error at ({a})");
        let input = render(&inventory(), Style::Plain, Some((a, &format!("throw {}", nix_string(&msg)))));
        cases.push((msg, format!("{PRIMOP_I} {input}"), format!("{} {input}", twin_i())));
    }
    for (by_module, p) in SERVICE_POSITIONS {
        let msg = format!("user error at ({}) by module {by_module}", p.at);
        let input = render(&service(*by_module), Style::Plain, Some((p.at, &format!("throw {}", nix_string(&msg)))));
        cases.push((msg, format!("{PRIMOP_S} {input}"), format!("{} {input}", twin_s())));
    }
    let failures: Vec<String> = par(&cases, |(msg, primop, twin)| {
        let mut out = Vec::new();
        for (who, e) in [("primop", nix().eval(primop, true)), ("twin", nix().eval(twin, false))] {
            if e.crashed || e.success {
                out.push(format!("{msg}: the {who} did not fail as it should:\n{}{}", e.stdout, e.stderr));
            } else if e.error() != *msg {
                out.push(format!("{msg}: the {who} reported: {}", e.error()));
            }
        }
        // and the primop's re-thrown error stays catchable
        let caught = nix().eval(&format!("(builtins.tryEval ({primop})).success"), true);
        if caught.json() != json!(false) {
            out.push(format!("{msg}: tryEval did not catch it: {}", caught.stdout));
        }
        out
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---- which error comes first ---------------------------------------------------------------------

/// Positions in the contract's check order (machines, tags, modules, instances and their roles
/// by name), each with a wrong value and the error it gives.
const ORDERED_I: &[(&str, &str, &str)] = &[
    ("machines/web1/tags/1", "1", "machines.web1.tags[1]: expected a string, got an integer"),
    ("machines/web2/machineClass", "\"bsd\"", "machines.web2.machineClass: expected \"nixos\" or \"darwin\", got \"bsd\""),
    ("modules/<clan-core>-srv/maxInstances", "\"2\"", "modules.\"<clan-core>-srv\".maxInstances: expected a positive integer or null, got a string"),
    ("modules/<clan-core>-srv/constraints/server/maxMachines", "[ ]", "modules.\"<clan-core>-srv\".constraints.server.maxMachines: expected a positive integer or null, got a list"),
    ("instances/i/module/input", "1", "instances.i.module.input: expected a string or null, got an integer"),
    ("instances/i/roles/client/tags/1", "{ }", "instances.i.roles.client.tags[1]: expected a string, got a set"),
    ("instances/i/roles/server/machines/web1", "true", "instances.i.roles.server.machines.web1: expected a set, got a Boolean"),
    ("instances/i/roles/server/tags/web", "null", "instances.i.roles.server.tags.web: expected a set, got null"),
    ("instances/j/module/input", "[ ]", "instances.j.module.input: expected a string or null, got a list"),
];

const ORDERED_S: &[(&str, &str, &str)] = &[
    ("service", "1", "service: expected a string or null, got an integer"),
    ("instances/a/enable", "1", "services.hello.a.enable: expected a Boolean, got an integer"),
    ("instances/a/outputs", "false", "services.hello.a.outputs: expected a set, got a Boolean"),
    ("instances/a/outputs/settings/processes", "[ ]", "services.hello.a.outputs.settings.processes: expected a set, got a list"),
    ("instances/b/enable", "null", "services.hello.b.enable: expected a Boolean, got null"),
];

/// For every pair of positions p < q: a wrong value at p and a throw at q give p's error; a
/// throw at p and a wrong value at q give the throw.
fn check_error_order(base: &Value, ordered: &[(&str, &str, &str)], primop: &str, twin: &str) {
    let mut cases = Vec::new();
    for (a, (pa, wrong_a, msg_a)) in ordered.iter().enumerate() {
        for (pb, wrong_b, _) in &ordered[a + 1..] {
            let mut v = base.clone();
            // two substitutions: the second through a marker value in the JSON
            set_path(&mut v, pb, json!("<<THROW>>"));
            let input = render(&v, Style::Plain, Some((pa, wrong_a))).replace("\"<<THROW>>\"", "(throw \"later\")");
            cases.push((format!("wrong {pa}, throw at {pb}"), input, msg_a.to_string()));
            let mut v = base.clone();
            set_path(&mut v, pb, json!("<<WRONG>>"));
            let input = render(&v, Style::Plain, Some((pa, "throw \"earlier\""))).replace("\"<<WRONG>>\"", &format!("({wrong_b})"));
            cases.push((format!("throw at {pa}, wrong {pb}"), input, "earlier".to_string()));
        }
    }
    let failures: Vec<String> = par(&cases, |(label, input, expected)| {
        let mut out = Vec::new();
        for (who, e) in [("primop", nix().eval(&format!("{primop} {input}"), true)), ("twin", nix().eval(&format!("{twin} {input}"), false))] {
            if e.crashed || e.success {
                out.push(format!("{label}: the {who} did not fail:\n{}{}", e.stdout, e.stderr));
            } else if e.error() != *expected {
                out.push(format!("{label}: {who}\n   expected: {expected}\n   got:      {}\n   input: {input}", e.error()));
            }
        }
        out
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

fn set_path(v: &mut Value, path: &str, new: Value) {
    let mut at = v;
    for seg in path.split('/') {
        at = match at {
            Value::Array(items) => &mut items[seg.parse::<usize>().unwrap()],
            other => &mut other[seg],
        };
    }
    *at = new;
}

#[test]
fn the_first_error_in_contract_order_wins_over_a_later_throw_in_expand_instances() {
    check_error_order(&inventory(), ORDERED_I, PRIMOP_I, &twin_i());
}

#[test]
fn the_first_error_in_contract_order_wins_over_a_later_throw_in_expand_multi_service() {
    check_error_order(&service(false), ORDERED_S, PRIMOP_S, &twin_s());
}

#[test]
fn multi_service_an_invalid_instance_beats_a_throwing_later_one() {
    // found by scripts/fuzz.py (seed 90122): instances are checked in name order, so `a`'s
    // error is the one to report, and `b` is never looked at
    for (input, expected) in [
        (r#"{ service = "s"; instances = { a = { enable = true; outputs = false; }; b = throw "boom"; }; }"#, "services.s.a.outputs: expected a set, got a Boolean"),
        (r#"{ service = "s"; instances = { a = 1; b.enable = throw "boom"; }; }"#, "services.s.a: expected a set, got an integer"),
        (
            r#"{ service = "s"; instances = { a = { enable = true; outputs.settings.processes.p = 1; }; b = { enable = true; outputs.settings.processes.p = 1; }; c = throw "boom"; }; }"#,
            "services.s.b.outputs.settings.processes.p: process 'p' is defined by both instances 'a' and 'b' of service 's'; process names must be unique across instances, so include the instance name in it (e.g. processes.\"${name}-p\")",
        ),
    ] {
        assert_eq!(nix().eval(&format!("{PRIMOP_S} {input}"), true).error(), expected, "primop: {input}");
        assert_eq!(nix().eval(&format!("{} {input}", twin_s()), false).error(), expected, "twin: {input}");
    }
}

// ---- names that are not UTF-8 -------------------------------------------------------------------

#[test]
fn names_that_are_not_utf8_pass_through_alike() {
    let n = "<nonutf8>";
    let inv = json!({
        "machines": { n: { "tags": [n] }, "web1": { "tags": ["x<nonutf8>"] } },
        "tags": { "t<nonutf8>": [n] },
        "instances": {
            n: {
                "module": { "name": n, "input": "in<nonutf8>" },
                "roles": { n: { "machines": { n: { "settings": { "a": n } } }, "tags": [n, "t<nonutf8>"] } }
            }
        }
    });
    let input = render(&inv, Style::Plain, None);
    // compared in Nix, byte for byte, with Nix's own `==` (deep; strings by their bytes), not
    // through builtins.toJSON: Nix 2.2x refuses to write a string that is not UTF-8 as JSON
    let expr = format!(
        "let a = {PRIMOP_I} {input}; b = {} {input}; in \
         {{ same = a == b; names = builtins.attrNames ({PRIMOP_I} {input}).machines == [ \"web1\" (builtins.substring 0 1 \"é\") ]; }}",
        twin_i()
    );
    assert_eq!(nix().eval(&expr, true).json(), json!({ "same": true, "names": true }));

    let svc = json!({ "service": "s<nonutf8>", "instances": { n: { "enable": true, "outputs": { "settings": { "processes": { n: {} } } } } } });
    let input = render(&svc, Style::Plain, None);
    let expr = format!("{PRIMOP_S} {input} == {} {input}", twin_s());
    assert_eq!(nix().eval(&expr, true).json(), json!(true));
}

/// `bytes` without ASCII whitespace at either end.
fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(start, |e| e + 1);
    &bytes[start..end]
}

/// The raw bytes of the error message's first line, without `error:` (Eval turns stderr into
/// lossy UTF-8). As `Eval::error()` reads it: Nix 2.8 prints `error: <message>` first; Nix 2.2x
/// a bare `error:`, the trace, then an indented `error: <message>`. Either way the first
/// `error:` line that carries text.
fn raw_error(expr: &str, with_plugin: bool) -> Vec<u8> {
    let mut c = nix().command("nix-instantiate");
    if with_plugin {
        c.arg("--option").arg("plugin-files").arg(common::plugin());
    }
    let out = c.args(["--eval", "--strict", "-E", expr]).output().unwrap();
    assert!(!out.status.success() && out.status.code().is_some(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stderr
        .split(|&b| b == b'\n')
        .filter_map(|l| trim(l).strip_prefix(b"error:"))
        .map(trim)
        .find(|m| !m.is_empty() && !m.starts_with(b"while evaluating"))
        .unwrap_or_else(|| panic!("no error message in {}", String::from_utf8_lossy(&out.stderr)))
        .to_vec()
}

#[test]
fn errors_about_names_that_are_not_utf8_are_the_twins_byte_for_byte() {
    let cases = [
        // an unknown machine whose name is not UTF-8, in a path and in the message
        json!({ "machines": { "web1": {} }, "instances": { "i": { "roles": { "r": { "machines": { "<nonutf8>": {} } } } } } }),
        // a wrong type under a name that is not UTF-8
        json!({ "machines": { "<nonutf8>": { "tags": 1 } }, "instances": {} }),
        // an unknown role of a module, with did-you-mean
        json!({ "machines": {}, "instances": { "i": { "module": { "name": "m" }, "roles": { "x<nonutf8>": {} } } },
                "modules": { "<clan-core>-m": { "roles": ["x<nonutf8>y"] } } }),
    ];
    let mut failures = Vec::new();
    for inv in &cases {
        let input = render(inv, Style::Plain, None);
        let p = raw_error(&format!("{PRIMOP_I} {input}"), true);
        let t = raw_error(&format!("{} {input}", twin_i()), false);
        if p != t {
            failures.push(format!(
                "input {input}\n   primop: {:?}\n   twin:   {:?}",
                String::from_utf8_lossy(&p),
                String::from_utf8_lossy(&t)
            ));
            failures.push(format!("   primop bytes: {:x?}\n   twin bytes:   {:x?}", p, t));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---- size and depth -----------------------------------------------------------------------------

#[test]
fn a_hundred_thousand_machines() {
    let expr = format!(
        r#"let
          n = 100000;
          name = i: "m${{toString i}}";
          machines = builtins.listToAttrs (builtins.genList (i: {{ name = name i; value = {{ tags = [ "t${{toString (i - (i / 20) * 20)}}" ]; machineClass = if i - (i / 10) * 10 == 0 then "darwin" else "nixos"; }}; }}) n);
          inv = {{
            inherit machines;
            instances.everyone.roles.member = {{ tags = [ "all" ]; machines.m7.settings = {{ x = 1; }}; }};
            instances.some.roles.server = {{ tags.t3.settings = {{ y = 2; }}; machines.m99999 = {{ }}; }};
          }};
          r = {PRIMOP_I} inv;
          t = {twin} inv;
          machinesOf = role: builtins.attrNames role.machines;
        in {{
          same = builtins.toJSON r == builtins.toJSON t;
          machines = builtins.length (builtins.attrNames r.machines);
          all = builtins.length r.tags.all;
          darwin = builtins.length r.tags.darwin;
          t3 = builtins.length r.tags.t3;
          members = builtins.length (machinesOf r.instances.everyone.roles.member);
          servers = builtins.length (machinesOf r.instances.some.roles.server);
          m7 = r.machines.m7;
          m99999 = r.machines.m99999.instances;
          imports7 = r.instances.everyone.roles.member.machines.m7.settings.imports;
          imports8 = r.instances.everyone.roles.member.machines.m8.settings.imports;
        }}"#,
        twin = twin_i()
    );
    let v = nix().eval(&expr, true).json();
    assert_eq!(
        v,
        json!({
            "same": true,
            "machines": 100000,
            "all": 100000,
            "darwin": 10000,
            "t3": 5000,
            "members": 100000,
            "servers": 5001,
            "m7": { "tags": ["all", "nixos", "t7"], "instances": { "everyone": { "roles": ["member"] } } },
            "m99999": { "everyone": { "roles": ["member"] }, "some": { "roles": ["server"] } },
            "imports7": [{ "x": 1 }, {}],
            "imports8": [{}, {}],
        })
    );
}

#[test]
fn settings_nested_ten_thousand_deep_pass_through() {
    // a chain 10^4 sets deep, with a throw at the bottom: passed through, never walked
    let expr = format!(
        r#"let
          deep = leaf: builtins.foldl' (acc: i: {{ x = acc; }}) leaf (builtins.genList (i: i) 10000);
          bottom = v: builtins.foldl' (acc: i: acc.x) v (builtins.genList (i: i) 10000);
          lazy = deep (throw "the bottom was forced");
          plain = deep "leaf";
          inv = {{
            machines.a = {{ }};
            instances.i.roles.r = {{ machines.a.settings = plain; tags.all.settings = lazy; settings = lazy; extraModules = [ plain ]; }};
          }};
          svc = {{ service = "s"; instances.a = {{ enable = true; outputs.settings = {{ deep = lazy; processes.p = lazy; }}; }}; }};
          check = r: s: let role = r.instances.i.roles.r; imports = role.machines.a.settings.imports; in
            {WALK_I} r > 0 && {WALK_S} s > 0
            && bottom (builtins.head imports) == "leaf"
            && builtins.head imports == plain
            && (builtins.tryEval (bottom (builtins.elemAt imports 1))).success == false
            && bottom (builtins.head role.extraModules) == "leaf"
            && (builtins.tryEval (bottom role.settings)).success == false
            && builtins.length (builtins.attrNames (builtins.head s.settings)) == 2;
        in [ (check ({PRIMOP_I} inv) ({PRIMOP_S} svc)) (check ({ti} inv) ({ts} svc)) ]"#,
        ti = twin_i(),
        ts = twin_s()
    );
    assert_eq!(nix().eval(&expr, true).json(), json!([true, true]));
}

// ---- evaluation modes ---------------------------------------------------------------------------

#[test]
fn pure_eval_and_restrict_eval() {
    let inv = render(&inventory(), Style::Plain, None);
    let svc = r#"{ module = /some/where/hello.nix; instances.a.enable = true; }"#;
    let expr = format!("[ ({WALK_I} ({PRIMOP_I} {inv})) ({PRIMOP_S} {svc}).service ]");
    let plain = nix().eval(&expr, true).json();
    for option in ["pure-eval", "restrict-eval"] {
        let e = nix().eval_with(&expr, true, &["--option", option, "true"], &[]);
        assert!(e.success, "--option {option} true:\n{}", e.stderr);
        assert_eq!(e.json(), plain, "--option {option} true");
        // errors stay errors, catchable
        let bad = nix().eval_with(
            &format!("(builtins.tryEval ({PRIMOP_I} {{ machines = 1; instances = {{ }}; }})).success"),
            true,
            &["--option", option, "true"],
            &[],
        );
        assert_eq!(bad.json(), json!(false), "--option {option} true:\n{}", bad.stderr);
    }
    assert_eq!(plain[1], json!("hello"));
}

// ---- order independence -------------------------------------------------------------------------

fn rich_inventory() -> Value {
    json!({
        "machines": {
            "web1": { "tags": ["web", "edge", "backup"] },
            "web2": { "tags": ["edge", "web"], "machineClass": "darwin" },
            "db1": { "tags": ["db", "backup"] },
            "db2": { "tags": ["db"] },
            "zeta": { }
        },
        "tags": { "backup": ["zeta", "db2"], "nixos": ["web2", "web1"], "monitored": ["zeta", "db1", "web1"] },
        "instances": {
            "b-instance": {
                "module": { "name": "borg", "input": "clan" },
                "roles": {
                    "server": { "machines": { "db1": { "settings": { "dir": "/srv" } } }, "tags": { "backup": { "settings": { "b": 1 } }, "db": { } } },
                    "client": { "tags": ["monitored", "backup", "nope"], "machines": { "web2": { }, "web1": { "settings": { "w": 1 } } } }
                }
            },
            "a-instance": {
                "roles": { "peer": { "tags": ["edge", "darwin", "all"], "settings": { "p": [3, 2, 1] }, "extraModules": [ { "e": 2 }, { "e": 1 } ] } }
            }
        },
        "modules": {
            "clan-borg": { "roles": ["server", "client", "extra"], "constraints": { "server": { "minMachines": 1 }, "client": { "maxMachines": 9 } } },
            "<clan-core>-a-instance": { "roles": null, "maxInstances": 2 }
        }
    })
}

#[test]
fn output_does_not_depend_on_input_order() {
    let inv = rich_inventory();
    let svc = json!({ "service": "s", "instances": {
        "z": { "enable": true, "outputs": { "settings": { "processes": { "z2": {}, "z1": {} }, "order": [1, 2] } } },
        "a": { "enable": true, "namespace": "n", "outputs": { "settings": { "processes": { "a1": {} } } } },
        "m": { "enable": false }
    } });
    let mut results = Vec::new();
    for style in [Style::Plain, Style::Reversed, Style::Merged, Style::ListToAttrs] {
        let i = render(&inv, style, None);
        let s = render(&svc, style, None);
        let primop = nix().eval(&format!("[ ({PRIMOP_I} {i}) ({PRIMOP_S} {s}) ]"), true);
        let twin = nix().eval(&format!("[ ({} {i}) ({} {s}) ]", twin_i(), twin_s()), false);
        results.push(primop.json());
        results.push(twin.json());
    }
    for (k, r) in results.iter().enumerate() {
        assert_eq!(r, &results[0], "variant {k} (primop, twin alternately; plain, reversed, merged, listToAttrs)");
    }
    // the result really is sorted, and warnings come in name order
    let r = &results[0][0];
    assert_eq!(r["tags"]["backup"], json!(["db1", "db2", "web1", "zeta"]));
    assert_eq!(r["machines"]["web1"]["tags"], json!(["all", "backup", "edge", "monitored", "nixos", "web"]));
    assert_eq!(r["modules"], json!({ "<clan-core>-a-instance": ["a-instance"], "clan-borg": ["b-instance"] }));
    assert_eq!(r["warnings"].as_array().unwrap().len(), 1, "{}", r["warnings"]);
}

// ---- fuzzing ------------------------------------------------------------------------------------

#[test]
fn quick_differential_fuzz() {
    let out = std::process::Command::new("python3")
        .arg(repo().join("scripts/fuzz.py"))
        .arg("--quick")
        .arg("--plugin")
        .arg(common::plugin())
        .output()
        .expect("python3 runs scripts/fuzz.py");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "scripts/fuzz.py --quick failed:\n{text}");
    eprintln!("{}", String::from_utf8_lossy(&out.stdout));
}
