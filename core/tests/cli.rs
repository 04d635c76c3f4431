//! The `nix-instances` command: every subcommand on good and bad inventories, exact text
//! (snapshots in tests/cli/snapshots, rewritten with UPDATE_SNAPSHOTS=1 and then reviewed)
//! and JSON output, spans at the right line and column, well-formed SVG, exit codes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

/// The repository root: commands run there so that file names in messages are stable.
fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("bad JSON ({e}):\n{}\n{}", self.stdout, self.stderr))
    }
}

fn run_in(dir: &Path, args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nix-instances"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_string();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(stdin.as_bytes());
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    Run {
        code: out.status.code().expect("the CLI was killed by a signal"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn run(args: &[&str], stdin: &str) -> Run {
    run_in(&repo(), args, stdin)
}

/// Compares `actual` with the snapshot file `name` (or writes it with UPDATE_SNAPSHOTS=1).
fn snapshot(name: &str, actual: &str) {
    let file = repo().join("core/tests/cli/snapshots").join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e} (UPDATE_SNAPSHOTS=1 writes it)", file.display()));
    assert_eq!(actual, expected, "output differs from {}", file.display());
}

const EXAMPLE: &str = "examples/inventory.json";
const FIVE: &str = "core/tests/cli/five-mistakes.json";

// ---------------------------------------------------------------------------------------------
// check

#[test]
fn check_reports_all_five_mistakes_with_line_and_column() {
    let r = run(&["check", FIVE], "");
    assert_eq!(r.code, 1, "{}", r.stderr);
    snapshot("check-five-mistakes.txt", &r.stdout);

    let r = run(&["check", "--json", FIVE], "");
    assert_eq!(r.code, 1);
    let v = r.json();
    assert_eq!((v["valid"].clone(), v["errors"].clone(), v["warnings"].clone()), (json!(false), json!(5), json!(1)));
    let found: Vec<(String, String, u64, u64)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["severity"].as_str().unwrap().to_string(),
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    let e = |p: &str, l, c| ("error".to_string(), p.to_string(), l, c);
    assert_eq!(
        found,
        vec![
            e("instances.backup.roles.client", 26, 9),
            e("instances.hello.roles.client.machines.wbe1", 14, 35),
            e("instances.hello.roles.sever", 13, 9),
            e("instances.hello2", 17, 5),
            e("tags.monitored[1]", 7, 27),
            ("warning".into(), "instances.hello2.roles.server.tags.wbe".into(), 20, 31),
        ]
    );
    let d = &v["diagnostics"][2];
    assert_eq!(d["suggestion"], json!("server"));
    assert_eq!(d["segments"], json!(["instances", "hello", "roles", "sever"]));
    assert_eq!(d["file"], json!(FIVE));
}

/// Each caret sits under the very text the path names, whatever the file's layout: the same
/// mistakes on one line, with escapes in names and multi-byte characters before them.
#[test]
fn spans_come_from_the_parser_not_from_searching_the_text() {
    // 'db2' also appears earlier as a string value: a text search would find that one
    let text = r#"{"machines":{"db1":{"tags":["db2"]},"ünï":{}},"tags":{"x":["ünï","db2"]},"instances":{"i\u0041":{"roles":{"r":{"machines":{"db2":{}}}}}}}"#;
    let r = run(&["check", "--json", "-"], text);
    assert_eq!(r.code, 1);
    let v = r.json();
    let at: Vec<(String, u64, u64, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let s = &d["span"];
            let (a, b) = (s["start"].as_u64().unwrap() as usize, s["end"].as_u64().unwrap() as usize);
            (d["path"].as_str().unwrap().to_string(), d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap(), text[a..b].to_string())
        })
        .collect();
    let col = |s: &str| text[..text.find(s).unwrap()].chars().count() as u64 + 1;
    assert_eq!(
        at,
        vec![
            ("instances.iA.roles.r.machines.db2".to_string(), 1, col(r#""db2":{}"#), "\"db2\"".to_string()),
            ("tags.x[1]".to_string(), 1, col(r#""db2"]},"i"#), "\"db2\"".to_string()),
        ]
    );
    assert_eq!(v["diagnostics"][0]["segments"], json!(["instances", "iA", "roles", "r", "machines", "db2"]));
}

#[test]
fn check_a_valid_inventory() {
    let r = run(&["check", EXAMPLE], "");
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "examples/inventory.json: valid (4 machines, 3 instances); 0 warnings\n", ""));
    let r = run(&["check", "--json", EXAMPLE], "");
    assert_eq!(r.json(), json!({ "file": EXAMPLE, "valid": true, "errors": 0, "warnings": 0, "diagnostics": [] }));
}

#[test]
fn check_type_errors_point_at_the_value_and_stop_there() {
    let text = "{\n  \"machines\": {\n    \"a\": { \"tags\": \"web\" },\n    \"b\": { \"tags\": [1] }\n  }\n}\n";
    let r = run(&["check", "-"], text);
    assert_eq!(r.code, 1);
    snapshot("check-type-error.txt", &r.stdout);
    // a required attribute that is missing points at the set that lacks it
    let text = r#"{"machines":{},"instances":{"i":{"module":{"name":1}}}}"#;
    let r = run(&["check", "--json", "-"], text);
    assert_eq!(r.json()["diagnostics"][0]["path"], json!("instances.i.module.name"));
    assert_eq!(r.json()["diagnostics"][0]["message"], json!("expected a string, got an integer"));
    assert_eq!(r.json()["diagnostics"][0]["column"], json!(text.find(":1}").unwrap() + 2));
}

#[test]
fn malformed_json_is_exit_2_at_its_position() {
    let r = run(&["check", "-"], "{\n  \"machines\": [1, }\n");
    assert_eq!(r.code, 2);
    snapshot("check-malformed.txt", &r.stderr);
    let r = run(&["expand", "-"], "");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("incomplete document"), "{}", r.stderr);
}

#[test]
fn clan_cores_own_inventory() {
    let Some(clan) = std::env::var_os("CLAN_CORE") else {
        eprintln!("skipped: CLAN_CORE is not set");
        return;
    };
    let file = Path::new(&clan).join("inventory.json");
    let file = file.to_str().unwrap();
    let r = run(&["check", file], "");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.ends_with("valid (2 machines, 0 instances); 0 warnings\n"), "{}", r.stdout);
    let e = run(&["expand", file], "").json();
    let machines: Vec<&String> = e["machines"].as_object().unwrap().keys().collect();
    assert_eq!(machines, ["test-darwin-machine", "test-inventory-machine"]);
    assert_eq!(e["machines"]["test-inventory-machine"]["tags"], json!(["1", "2", "3", "all", "nixos"]));
    let x = run(&["explain", file, "test-darwin-machine"], "");
    assert_eq!(x.code, 0);
    assert!(x.stdout.contains("darwin  computed: machineClass is darwin"), "{}", x.stdout);
    let g = run(&["graph", "--format", "svg", "--layout", "builtin", file], "");
    let svg = roxmltree::Document::parse(&g.stdout).unwrap();
    drop(svg);
    let texts = svg_texts(&g.stdout);
    assert!(texts.contains(&"test-inventory-machine".into()) && texts.contains(&"test-darwin-machine".into()), "{texts:?}");
}

// ---------------------------------------------------------------------------------------------
// expand

#[test]
fn expand_the_whole_inventory_one_machine_or_one_instance() {
    let all = run(&["expand", EXAMPLE], "");
    assert_eq!((all.code, all.stderr.as_str()), (0, ""));
    let all = all.json();
    assert_eq!(all["machines"]["web1"]["instances"]["hello"], json!({ "roles": ["server"] }));
    assert_eq!(
        all["instances"]["hello"]["roles"]["server"]["machines"]["web1"]["settings"]["imports"],
        json!([{ "greeting": "hi from web1" }, { "greeting": "hi from the web tag" }])
    );

    let m = run(&["expand", "--machine", "web2", EXAMPLE], "").json();
    assert_eq!(m["machines"].as_object().unwrap().keys().collect::<Vec<_>>(), ["web2"]);
    assert_eq!(m["instances"].as_object().unwrap().keys().collect::<Vec<_>>(), ["hello", "monitoring"]);
    assert_eq!(
        m["instances"]["hello"]["roles"]["server"],
        json!({ "machines": { "web2": { "settings": { "imports": [{}, { "greeting": "hi from the web tag" }] } } }, "settings": { "port": 8080 }, "extraModules": [] })
    );
    assert_eq!(m["instances"]["monitoring"]["roles"].as_object().unwrap().keys().collect::<Vec<_>>(), ["agent"]);
    assert_eq!(m["tags"].as_object().unwrap().keys().collect::<Vec<_>>(), ["all", "nixos", "web"]);

    let i = run(&["expand", "--instance", "borgbackup", EXAMPLE], "").json();
    assert_eq!(i["instances"].as_object().unwrap().keys().collect::<Vec<_>>(), ["borgbackup"]);
    assert_eq!(i["machines"].as_object().unwrap().keys().collect::<Vec<_>>(), ["db1", "web1"]);
    assert_eq!(i["machines"]["db1"]["instances"], json!({ "borgbackup": { "roles": ["client", "server"] } }));
    assert_eq!(i["modules"], json!({ "clan-core-borgbackup": ["borgbackup"] }));

    let r = run(&["expand", "--machine", "web3", EXAMPLE], "");
    assert_eq!((r.code, r.stderr.as_str()), (2, "nix-instances: no machine named 'web3' (did you mean 'web1'?)\n"));
}

#[test]
fn expand_rejects_bad_input_as_the_primop_does() {
    let (code, out, err) = {
        let r = run(&["expand", "-"], r#"{ "machines": { "db1": {} }, "instances": { "web": { "roles": { "server": { "machines": { "db2": {} } } } } } }"#);
        (r.code, r.stdout, r.stderr)
    };
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        "error: instances.web.roles.server.machines.db2: no machine named 'db2' (did you mean 'db1'?)\n\nhint: `nix-instances check -` shows each problem in the file\n"
    );
    let r = run(&["expand", FIVE], "");
    assert_eq!(r.code, 1);
    assert!(r.stderr.starts_with("error: 5 errors in the inventory:\n"), "{}", r.stderr);
}

#[test]
fn expand_warns_on_stderr() {
    let r = run(
        &["expand", "-"],
        r#"{ "machines": { "a": { "tags": ["web"] } }, "instances": { "i": { "roles": { "r": { "tags": ["web", "nope"], "settings": { "x": 1 } } } } } }"#,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["instances"]["i"]["roles"]["r"]["settings"], json!({ "x": 1 }));
    assert_eq!(r.stderr, "warning: instances.i.roles.r.tags.nope: tag 'nope' matches no machine; tags in use: all, nixos, web\n");
}

/// Pass-through values pass through whatever they hold: nesting far beyond serde_json's 128
/// and integers beyond 64 bits, byte for byte in their numbers.
#[test]
fn settings_pass_through_at_any_depth_and_with_big_numbers() {
    let depth = 100_000;
    let deep = format!("{}\"bottom\"{}", "[".repeat(depth), "]".repeat(depth));
    let big = "-123456789012345678901234567890123456789";
    let text = format!(
        r#"{{"machines":{{"a":{{}}}},"instances":{{"i":{{"roles":{{"r":{{"machines":{{"a":{{"settings":{{"deep":{deep},"big":{big},"i64":9223372036854775807,"f":1.5e300}}}}}}}}}}}}}}}}"#
    );
    let r = run(&["expand", "--compact", "-"], &text);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(&format!("\"deep\":{deep}")), "deep value changed");
    assert!(r.stdout.contains(&format!("\"big\":{big}")) && r.stdout.contains("\"i64\":9223372036854775807"), "numbers changed");
    assert!(r.stdout.contains("\"f\":1.5e300"));
    // pretty output too
    let r = run(&["expand", "-"], &text);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains(big));
    // where the expansion reads a number, one beyond 64 bits is named, with its place
    let r = run(&["expand", "-"], "{\"machines\":{},\n\"modules\":{\"m\":{\"maxInstances\": 99999999999999999999}}}");
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr, "error: <stdin>:2:33: the integer 99999999999999999999 does not fit in 64 bits (Nix integers are 64-bit)\n");
    let r = run(&["check", "--json", "-"], "{\"machines\":{},\n\"modules\":{\"m\":{\"maxInstances\": 99999999999999999999}}}");
    assert_eq!((r.json()["diagnostics"][0]["line"].clone(), r.json()["diagnostics"][0]["column"].clone()), (json!(2), json!(33)));
}

#[test]
fn multi_service() {
    let r = run(&["multi-service", "-"], r#"{ "module": "hello.nix", "instances": { "a": { "enable": true } } }"#);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["instances"]["a"]["namespace"], json!("hello.a"));
    let r = run(&["multi-service", "-"], r#"{ "module": "hello.nix", "instances": { "a": { "enable": 1 } } }"#);
    assert_eq!(r.code, 1);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
}

// ---------------------------------------------------------------------------------------------
// explain

#[test]
fn explain_says_why_and_in_which_order() {
    let r = run(&["explain", EXAMPLE, "web1"], "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    snapshot("explain-web1.txt", &r.stdout);
    let v = run(&["explain", "--json", EXAMPLE, "web1"], "").json();
    let hello = v["roles"].as_array().unwrap().iter().find(|r| r["instance"] == "hello").unwrap();
    assert_eq!(hello["explicit"], json!(true));
    assert_eq!(hello["tags"], json!(["web"]));
    let layers: Vec<&str> = hello["settings"].as_array().unwrap().iter().map(|l| l["path"].as_str().unwrap()).collect();
    assert_eq!(
        layers,
        [
            "instances.hello.roles.server.settings",
            "instances.hello.roles.server.machines.web1.settings",
            "instances.hello.roles.server.tags.web.settings"
        ]
    );
    let tags: Vec<(String, Vec<String>)> = v["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["tag"].as_str().unwrap().into(), t["sources"].as_array().unwrap().iter().map(|s| s["kind"].as_str().unwrap().into()).collect()))
        .collect();
    let t = |n: &str, k: &[&str]| (n.to_string(), k.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(tags, vec![t("all", &["computed"]), t("backup", &["own"]), t("monitored", &["static"]), t("nixos", &["computed"]), t("web", &["own"])]);
}

#[test]
fn explain_near_misses_and_unknown_machines() {
    let text = "{\n  \"machines\": { \"a\": { \"tags\": [\"web\"] }, \"b\": { \"machineClass\": \"darwin\" } },\n  \"tags\": { \"nixos\": [\"a\", \"b\"] },\n  \"instances\": { \"i\": { \"roles\": { \"r\": { \"tags\": [\"wbe\", \"nixos\"] }, \"s\": { \"tags\": { \"webb\": {} } } } } }\n}\n";
    let r = run(&["explain", "-", "a"], text);
    assert_eq!(r.code, 0, "{}", r.stderr);
    snapshot("explain-near-miss.txt", &r.stdout);
    let v = run(&["explain", "--json", "-", "a"], text).json();
    let line4 = text.lines().nth(3).unwrap();
    let column = line4.find("\"webb\"").unwrap() + 1;
    assert_eq!(
        v["nearMisses"],
        json!([
            { "instance": "i", "role": "s", "tag": "webb", "at": { "line": 4, "column": column }, "didYouMean": "web" }
        ])
    );
    let r = run(&["explain", EXAMPLE, "wbe2"], "");
    assert_eq!((r.code, r.stderr.as_str()), (2, "nix-instances: no machine named 'wbe2' (did you mean 'web2'?)\n"));
    let r = run(&["explain", FIVE, "web1"], "");
    assert_eq!(r.code, 1);
}

// ---------------------------------------------------------------------------------------------
// graph

fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("SVG is not well-formed XML: {e}\n{svg}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    // a label is the text inside <text>, possibly in a <tspan> or <textPath>
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect::<String>().trim().to_string())
        .collect()
}

#[test]
fn graph_as_dot_json_and_svg() {
    let r = run(&["graph", EXAMPLE], "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    snapshot("graph-example.dot", &r.stdout);

    let g = run(&["graph", "--format", "json", EXAMPLE], "").json();
    let ids: Vec<&str> = g["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3 + 5 + 4, "{ids:?}");
    assert!(g["edges"].as_array().unwrap().contains(&json!({ "from": "role:hello/server", "to": "machine:web1", "label": "explicit, tag web", "explicit": true })));

    let svg = run(&["graph", "--format", "svg", "--layout", "builtin", EXAMPLE], "");
    assert_eq!(svg.code, 0, "{}", svg.stderr);
    let texts = svg_texts(&svg.stdout);
    for n in g["nodes"].as_array().unwrap() {
        assert!(texts.contains(&n["label"].as_str().unwrap().to_string()), "{} missing from the SVG: {texts:?}", n["label"]);
    }
    for label in ["explicit", "tag backup", "explicit, tag web", "tag nixos"] {
        assert!(texts.contains(&label.to_string()), "edge label {label} missing: {texts:?}");
    }
}

#[test]
fn graph_filters() {
    let nodes = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["graph", "--json"];
        a.extend_from_slice(args);
        a.push(EXAMPLE);
        let r = run(&a, "");
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.json()["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(
        nodes(&["--machine", "web2"]),
        ["instance:hello", "instance:monitoring", "role:hello/server", "role:monitoring/agent", "machine:web2"]
    );
    assert_eq!(
        nodes(&["--instance", "borgbackup"]),
        ["instance:borgbackup", "role:borgbackup/client", "role:borgbackup/server", "machine:db1", "machine:web1"]
    );
    assert_eq!(
        nodes(&["--tag", "web", "--instance", "hello"]),
        ["instance:hello", "role:hello/server", "machine:web1", "machine:web2"]
    );
    assert_eq!(nodes(&["--machine", "mac1"]), ["machine:mac1"]);
    let svg = run(&["graph", "--format", "svg", "--layout", "builtin", "--machine", "web2", "--machine", "db1", EXAMPLE], "");
    let texts = svg_texts(&svg.stdout);
    for label in ["hello", "monitoring", "borgbackup", "server", "agent", "collector", "client", "web2", "db1"] {
        assert!(texts.contains(&label.to_string()), "{label} missing: {texts:?}");
    }
    assert!(!texts.contains(&"web1".to_string()), "{texts:?}");
    let r = run(&["graph", "--tag", "wbe", EXAMPLE], "");
    assert_eq!((r.code, r.stderr.as_str()), (2, "nix-instances: no tag named 'wbe' (did you mean 'web'?)\n"));
}

/// A large inventory's filtered picture stays small, and the layout copes with the whole.
#[test]
fn graph_of_a_large_inventory() {
    let mut machines = serde_json::Map::new();
    for k in 0..2000 {
        machines.insert(format!("m{k}"), json!({ "tags": [format!("rack{}", k % 40)] }));
    }
    let inv = json!({
        "machines": machines,
        "instances": {
            "mon": { "roles": { "agent": { "tags": ["all"] } } },
            "backup": { "roles": { "client": { "tags": ["rack7"] }, "server": { "machines": { "m0": {} } } } }
        }
    })
    .to_string();
    let r = run(&["graph", "--format", "json", "--tag", "rack7", "-"], &inv);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["nodes"].as_array().unwrap().len(), 2 + 2 + 50);
    let r = run(&["graph", "--format", "svg", "--layout", "builtin", "--tag", "rack7", "-"], &inv);
    assert_eq!(svg_texts(&r.stdout).iter().filter(|t| t.starts_with('m') && t[1..].parse::<u32>().is_ok()).count(), 50);
}

// ---------------------------------------------------------------------------------------------
// conventions

#[test]
fn help_version_completions_and_usage_errors() {
    for sub in [&["--help"][..], &["check", "--help"], &["expand", "--help"], &["explain", "--help"], &["graph", "--help"], &["multi-service", "--help"]] {
        let r = run(sub, "");
        assert_eq!(r.code, 0, "{sub:?}");
        assert!(r.stdout.contains("Usage: nix-instances"), "{sub:?}: {}", r.stdout);
    }
    let r = run(&["--help"], "");
    assert!(r.stdout.contains("1  the inventory (or services file) is invalid"), "{}", r.stdout);
    let r = run(&["--version"], "");
    assert_eq!((r.code, r.stdout.as_str()), (0, concat!("nix-instances ", env!("CARGO_PKG_VERSION"), "\n")));
    for shell in ["bash", "zsh", "fish"] {
        let r = run(&["completions", shell], "");
        assert_eq!(r.code, 0);
        assert!(r.stdout.contains("explain") && r.stdout.contains("machine"), "{shell}: {}", r.stdout);
    }
    let r = run(&["frobnicate", "x"], "");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unrecognized subcommand 'frobnicate'"), "{}", r.stderr);
    let r = run(&["graph", "--format", "png", EXAMPLE], "");
    assert_eq!(r.code, 2);
    let r = run(&["expand", "/nonexistent/inventory.json"], "");
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with("nix-instances: /nonexistent/inventory.json: "), "{}", r.stderr);
    let r = run(&["expand", "--machine", "a", "--instance", "b", EXAMPLE], "");
    assert_eq!(r.code, 2);
}
