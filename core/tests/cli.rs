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
    // Graphviz writes the SVG 1.1 DOCTYPE
    let options = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
    let doc = roxmltree::Document::parse_with_options(svg, options).unwrap_or_else(|e| panic!("SVG is not well-formed XML: {e}\n{svg}"));
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

// ---------------------------------------------------------------------------------------------
// at fleet scale, and safe to show (issue 19)

/// `NIX_INSTANCES_SCAN_STATS=1`: the bytes of objects and arrays the run scanned. A view that
/// rescans the text per finding, tag or member reads the file once for each of them.
fn scanned_bytes(args: &[&str], stdin: &str) -> (Run, usize) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nix-instances"))
        .args(args)
        .current_dir(repo())
        .env("NIX_INSTANCES_SCAN_STATS", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let text = stdin.to_string();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(text.as_bytes());
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let run = Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    let line = run.stderr.lines().find(|l| l.starts_with("nix-instances: scanned ")).unwrap_or_else(|| panic!("{}", run.stderr));
    let bytes = line.split(", ").nth(1).unwrap().trim_end_matches(" bytes").parse().unwrap();
    (run, bytes)
}

#[test]
fn every_view_reads_the_text_a_bounded_number_of_times() {
    // 3,000 unknown machines in one role: each finding locates its key in the index
    let mut roles = serde_json::Map::new();
    roles.insert("r".into(), json!({ "machines": (0..3000).map(|k| (format!("unknown{k}"), json!({}))).collect::<serde_json::Map<_, _>>() }));
    let unknown = json!({ "machines": { "a": {} }, "instances": { "i": { "roles": roles } } }).to_string();
    for args in [&["check", "-"][..], &["check", "--json", "-"]] {
        let (r, bytes) = scanned_bytes(args, &unknown);
        assert_eq!(r.code, 1);
        assert!(bytes <= 8 * unknown.len(), "{args:?}: scanned {bytes} bytes of a {}-byte file", unknown.len());
    }
    // a machine with 3,000 tags, in 1,000 roles each asking for two tags
    let big = json!({
        "machines": { "big": { "tags": (0..3000).map(|k| format!("t{k}")).collect::<Vec<_>>() }, "other": {} },
        "tags": { "t5": ["big"], "t6": ["other"] },
        "instances": (0..1000).map(|k| (format!("i{k}"), json!({ "roles": { "r": { "tags": [format!("t{k}"), format!("u{k}")] } } }))).collect::<serde_json::Map<_, _>>()
    })
    .to_string();
    let (r, bytes) = scanned_bytes(&["explain", "-", "big"], &big);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(bytes <= 8 * big.len(), "explain: scanned {bytes} bytes of a {}-byte file", big.len());
    assert_eq!(r.stdout.matches("settings, applied in this order").count(), 1000);
    // 20,000 members of one role, half of them listed
    let members = json!({
        "machines": (0..20000).map(|k| (format!("m{k}"), json!({ "tags": ["t"] }))).collect::<serde_json::Map<_, _>>(),
        "instances": { "i": { "roles": { "r": { "tags": ["t"], "machines": (0..20000).step_by(2).map(|k| (format!("m{k}"), json!({}))).collect::<serde_json::Map<_, _>>() } } } }
    })
    .to_string();
    for args in [&["graph", "-"][..], &["graph", "--machine", "m7", "-"], &["explain", "-", "m8"], &["expand", "--machine", "m8", "-"], &["expand", "--instance", "i", "-"], &["graph", "--instance", "i", "-"]] {
        let (r, bytes) = scanned_bytes(args, &members);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(bytes <= 8 * members.len(), "{args:?}: scanned {bytes} bytes of a {}-byte file", members.len());
    }
    let (r, _) = scanned_bytes(&["graph", "--json", "-"], &members);
    let edges = r.json()["edges"].as_array().unwrap().len();
    assert_eq!(edges, 1 + 20000);
}

/// A minified inventory is one line: each finding shows a window of it around its span.
#[test]
fn a_finding_on_a_long_line_shows_a_window() {
    let mut machines = serde_json::Map::new();
    for k in 0..2000 {
        machines.insert(format!("machine-{k:05}"), json!({ "tags": ["rack"], "deploy": { "targetHost": format!("root@machine-{k}.example.org") } }));
    }
    let roles: serde_json::Map<_, _> = (0..20).map(|k| (format!("r{k}"), json!({ "machines": { format!("nope{k}"): {} } }))).collect();
    let text = json!({ "machines": machines, "instances": { "i": { "roles": roles } } }).to_string();
    assert!(!text.contains('\n') && text.len() > 100_000);
    let r = run(&["check", "--color", "never", "-"], &text);
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout.matches("error: no machine named 'nope").count(), 20, "{}", &r.stdout[..2000.min(r.stdout.len())]);
    assert!(r.stdout.len() < 20 * 1000, "{} bytes of output for 20 findings", r.stdout.len());
    let first = r.stdout.lines().find(|l| l.contains("\"nope0\"")).unwrap();
    assert!(first.contains('…') && first.contains("\"r0\":{\"machines\":{\"nope0\":{}}}"), "{first}");
    // the caret is under the key, and the header has the real column
    let caret = r.stdout.lines().skip_while(|l| !l.contains("\"nope0\"")).nth(1).unwrap();
    let col = |l: &str, pat: &str| l[..l.find(pat).unwrap()].chars().count();
    assert_eq!(col(caret, "^"), col(first, "\"nope0\""), "{first}\n{caret}");
    let column = text.find("\"nope0\"").unwrap() + 1;
    assert!(r.stdout.contains(&format!("<stdin>:1:{column}\n")), "column {column} not in the header");
    let v = run(&["check", "--json", "-"], &text).json();
    assert_eq!(v["diagnostics"][0]["column"], json!(column));
}

/// Names that hold escape sequences, bells and line breaks are shown escaped in every text
/// output; JSON output keeps them exactly.
#[test]
fn control_characters_never_reach_the_terminal() {
    let evil = "x\u{1b}]0;pwned\u{7}\u{1b}[2K\u{9b}1m\r\n\u{202e}";
    let shown = "x\\u001b]0;pwned\\u0007\\u001b[2K\\u009b1m\\r\\n\\u202e";
    let inv = json!({
        "machines": { evil: { "tags": [evil] }, "b": {} },
        "instances": { evil: { "roles": { evil: { "tags": [evil, format!("{evil}!")], "machines": { "b": {} } } } } }
    })
    .to_string();
    let bad = json!({ "machines": { evil: {} }, "instances": { "i": { "roles": { "r": { "machines": { format!("{evil}2"): {} } } } } } }).to_string();
    let clean = |what: &str, s: &str| {
        assert!(!s.chars().any(|c| c.is_control() && c != '\n'), "{what}: a control character got through:\n{s:?}");
    };
    let dot_shown = shown.replace('\\', "\\\\");
    for (args, input, shown) in [
        (&["check", "--color", "always", "-"][..], &bad, shown),
        (&["check", "-"][..], &inv, shown),
        (&["expand", "-"][..], &bad, shown),
        (&["explain", "-", evil][..], &inv, shown),
        (&["explain", "-", "b"][..], &inv, shown),
        (&["graph", "-"][..], &inv, dot_shown.as_str()),
        (&["graph", "--machine", "nope\u{1b}[2K", "-"][..], &inv, "nope\\u001b[2K"),
    ] {
        let r = run(args, input);
        // colour codes are the CLI's own: strip them before looking
        let strip = |s: &str| {
            let mut out = String::new();
            let mut rest = s;
            while let Some(k) = rest.find("\u{1b}[") {
                out.push_str(&rest[..k]);
                let tail = &rest[k + 2..];
                let end = tail.find('m').filter(|&e| tail[..e].chars().all(|c| c.is_ascii_digit() || c == ';'));
                match end {
                    Some(e) => rest = &tail[e + 1..],
                    None => {
                        out.push('\u{1b}');
                        rest = &rest[k + 1..];
                    }
                }
            }
            out.push_str(rest);
            out
        };
        clean(&format!("{args:?} stdout"), &strip(&r.stdout));
        clean(&format!("{args:?} stderr"), &strip(&r.stderr));
        assert!(r.stdout.contains(shown) || r.stderr.contains(shown), "{args:?}: the name is not shown escaped:\n{}\n{}", r.stdout, r.stderr);
    }
    // JSON keeps the names exactly
    let v = run(&["check", "--json", "-"], &bad).json();
    assert!(v["diagnostics"][0]["message"].as_str().unwrap().contains(&format!("'{evil}2'")), "{v}");
    let v = run(&["graph", "--json", "-"], &inv).json();
    assert!(v["nodes"].as_array().unwrap().iter().any(|n| n["label"] == json!(evil)));
    let v = run(&["explain", "--json", "-", evil], &inv).json();
    assert_eq!(v["machine"], json!(evil));
}

#[test]
fn graph_node_ids_are_unique_whatever_the_names() {
    let inv = json!({
        "machines": { "m": {}, "a/b": {}, "role:x": {} },
        "instances": {
            "a/b": { "roles": { "c": { "machines": { "m": {} } } } },
            "a": { "roles": { "b/c": { "machines": { "m": {}, "a/b": {} } } } },
            "a\\": { "roles": { "/c": { "machines": { "role:x": {} } } } }
        }
    })
    .to_string();
    let g = run(&["graph", "--json", "-"], &inv).json();
    let ids: Vec<&str> = g["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "{ids:?}");
    assert_eq!(ids.len(), 3 + 3 + 3, "{ids:?}");
    // every edge joins declared nodes, and the roles' edges are told apart
    for e in g["edges"].as_array().unwrap() {
        assert!(unique.contains(e["from"].as_str().unwrap()) && unique.contains(e["to"].as_str().unwrap()), "{e}");
    }
    let dot = run(&["graph", "-"], &inv).stdout;
    let declared: Vec<&str> = dot.lines().filter(|l| l.contains("[label=") && !l.contains("->")).map(|l| l.trim().split(" [").next().unwrap()).collect();
    let unique_dot: std::collections::BTreeSet<&str> = declared.iter().copied().collect();
    assert_eq!((declared.len(), unique_dot.len()), (9, 9), "{dot}");
}

/// Names XML 1.0 forbids (even as character references), and ones Graphviz would read as
/// entities, give well-formed SVG with either layout.
#[test]
fn svg_is_well_formed_whatever_the_names_hold() {
    let names = ["a\u{1}b", "esc\u{1b}[2K", "non\u{fffe}char", "amp&#1;x", "lt<&>\"'"];
    let machines: serde_json::Map<_, _> = names.iter().map(|n| (n.to_string(), json!({ "tags": ["t"] }))).collect();
    let inv = json!({ "machines": machines, "instances": { names[0]: { "roles": { names[1]: { "tags": ["t"] }, names[2]: { "machines": { names[3]: {} } } } } } }).to_string();
    let mut layouts = vec!["builtin"];
    if Command::new("dot").arg("-V").output().is_ok() {
        layouts.push("dot");
    } else {
        eprintln!("skipped the Graphviz layout: no `dot` on PATH (scripts/setup.sh installs graphviz)");
    }
    for layout in layouts {
        let r = run(&["graph", "--format", "svg", "--layout", layout, "-"], &inv);
        assert_eq!(r.code, 0, "{layout}: {}", r.stderr);
        let texts = svg_texts(&r.stdout).join("\n");
        for shown in ["a\\u0001b", "esc\\u001b[2K", "non\\ufffechar", "amp&#1;x", "lt<&>\"'"] {
            assert!(texts.contains(shown), "{layout}: {shown} not shown: {texts}");
        }
    }
}

#[test]
fn the_builtin_layout_refuses_a_graph_too_large_for_it() {
    let inv = json!({
        "machines": (0..400).map(|k| (format!("m{k}"), json!({}))).collect::<serde_json::Map<_, _>>(),
        "instances": { "i": { "roles": { "r": { "tags": ["all"] } } } }
    })
    .to_string();
    let r = run(&["graph", "--format", "svg", "--layout", "builtin", "-"], &inv);
    assert_eq!((r.code, r.stdout.as_str()), (2, ""));
    assert!(r.stderr.contains("too many for the built-in layout") && r.stderr.contains("--layout dot"), "{}", r.stderr);
    // a part of it is drawn
    let r = run(&["graph", "--format", "svg", "--layout", "builtin", "--machine", "m1", "-"], &inv);
    assert_eq!(r.code, 0, "{}", r.stderr);
    if Command::new("dot").arg("-V").output().is_ok() {
        let r = run(&["graph", "--format", "svg", "--layout", "dot", "-"], &inv);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(svg_texts(&r.stdout).iter().filter(|t| t.starts_with('m')).count(), 400);
    }
}

#[test]
fn list_form_role_tags_are_underlined_as_items() {
    let text = "{\"machines\": {\"a\": {\"tags\": [\"web\"]}},\n \"instances\": {\"i\": {\"roles\": {\"r\": {\"tags\": [\"web\", \"wbe\"]}}}}}";
    let v = run(&["check", "--json", "-"], text).json();
    let d = &v["diagnostics"][0];
    assert_eq!(d["path"], json!("instances.i.roles.r.tags.wbe"));
    let (a, b) = (d["span"]["start"].as_u64().unwrap() as usize, d["span"]["end"].as_u64().unwrap() as usize);
    assert_eq!(&text[a..b], "\"wbe\"");
    let r = run(&["check", "-"], text);
    assert!(r.stdout.contains("^^^^^ instances.i.roles.r.tags.wbe") && !r.stdout.contains("is not here"), "{}", r.stdout);
}

/// What `builtins.fromJSON` reads (nlohmann-json): a byte-order mark; and what it refuses, at
/// its place: a number beyond a double, an unsigned one beyond Nix's integers.
#[test]
fn json_is_what_nix_reads() {
    let r = run(&["check", "-"], "\u{feff}{\"machines\": {\"a\": {}}}");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = run(&["expand", "--compact", "-"], "\u{feff}{\"machines\": {\"a\": {}}}");
    assert_eq!(r.json()["machines"]["a"]["tags"], json!(["all", "nixos"]));
    for (number, message) in [
        ("1e400", "number overflow parsing '1e400'"),
        ("-1E+400", "number overflow parsing '-1E+400'"),
        (&"9".repeat(400), "number overflow parsing"),
        ("9223372036854775808", "unsigned json number 9223372036854775808 outside of Nix integer range"),
    ] {
        let text = format!("{{\"machines\": {{\"a\": {{}}}},\n \"instances\": {{\"i\": {{\"roles\": {{\"r\": {{\"settings\": {{\"x\": {number}}}}}}}}}}}}}");
        let r = run(&["check", "-"], &text);
        assert_eq!(r.code, 2, "{number}: {}", r.stdout);
        let column = text.lines().nth(1).unwrap().find(&number[..2]).unwrap() + 1;
        assert!(r.stderr.contains(message) && r.stderr.contains(&format!("<stdin>:2:{column}")), "{number}: {}", r.stderr);
        let r = run(&["check", "--json", "-"], &text);
        assert_eq!(r.code, 2);
        let v = r.json();
        assert_eq!((v["valid"].clone(), v["diagnostics"][0]["line"].clone(), v["diagnostics"][0]["column"].clone()), (json!(false), json!(2), json!(column)));
    }
    // a lone surrogate escape: both parsers refuse it; a pair is one character
    let r = run(&["check", "-"], r#"{"machines": {}, "x": "\ud800"}"#);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("unpaired surrogate"), "{}", r.stderr);
    assert_eq!(run(&["check", "-"], r#"{"machines": {}, "x": "\ud83d\ude00"}"#).code, 0);
    // a NUL escape where the expansion only passes the string through: Nix 2.26 refuses the
    // file, Nix 2.8 cuts the string; the CLI refuses it at its place (exit 1)
    let text = "{\"machines\": {\"a\": {}},\n \"instances\": {\"i\": {\"roles\": {\"r\": {\"tags\": [\"all\"], \"settings\": {\"x\": \"a\\u0000b\"}}}}}}";
    let column = text.lines().nth(1).unwrap().find("\"a\\u0000b\"").unwrap() + 1;
    for args in [&["check", "-"][..], &["expand", "-"], &["expand", "--machine", "a", "-"], &["explain", "-", "a"], &["graph", "-"]] {
        let r = run(args, text);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stdout);
        assert!(format!("{}{}", r.stdout, r.stderr).contains(&format!("<stdin>:2:{column}")), "{args:?}: {}{}", r.stdout, r.stderr);
    }
    let v = run(&["check", "--json", "-"], text).json();
    assert!(v["diagnostics"][0]["message"].as_str().unwrap().contains("NUL"), "{v}");
    // `\\u0000` is a backslash and five characters, no NUL
    assert_eq!(run(&["check", "-"], r#"{"machines": {}, "x": "a\\u0000"}"#).code, 0);
    // within range: a double's limits, the largest integer, and one beyond 64 bits (a float to Nix)
    let r = run(&["check", "-"], "{\"machines\": {}, \"x\": [1.7976931348623157e308, 1e-400, 9223372036854775807, -9223372036854775808, 99999999999999999999]}");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

/// `check --json` writes one JSON document for a file that is not JSON, or not there.
#[test]
fn check_json_always_writes_one_document() {
    let r = run(&["check", "--json", "-"], "{\n  \"machines\": [1, }\n");
    assert_eq!(r.code, 2);
    let v = r.json();
    assert_eq!((v["valid"].clone(), v["errors"].clone()), (json!(false), json!(1)));
    let d = &v["diagnostics"][0];
    assert_eq!((d["line"].clone(), d["path"].clone(), d["severity"].clone()), (json!(2), Value::Null, json!("error")));
    assert!(d["message"].as_str().unwrap().starts_with("malformed JSON: "), "{d}");
    let r = run(&["check", "--json", "/nonexistent/inventory.json"], "");
    assert_eq!(r.code, 2);
    let v = r.json();
    assert_eq!((v["file"].clone(), v["valid"].clone(), v["diagnostics"][0]["line"].clone()), (json!("/nonexistent/inventory.json"), json!(false), Value::Null));
}

/// `expand --machine` and `--instance` are built by the core for one machine or instance: the
/// same as the whole expansion cut down.
#[test]
fn expand_one_machine_or_instance_is_the_whole_expansion_cut_down() {
    let inv = json!({
        "machines": { "a": { "tags": ["web", "x"] }, "b": { "machineClass": "darwin", "tags": ["web"] }, "c": {}, "d": { "tags": ["x"] } },
        "tags": { "backup": ["a", "c"] },
        "instances": {
            "i": { "module": { "name": "m", "input": "in" }, "roles": {
                "r": { "tags": { "web": { "settings": { "w": 1 } }, "x": {} }, "machines": { "a": { "settings": { "s": 1 } }, "c": {} }, "settings": { "k": [1, 2] } },
                "s": { "tags": ["backup", "nope"], "extraModules": [{ "e": true }] } } },
            "j": { "module": { "name": "m", "input": "in" }, "roles": { "r": { "tags": ["darwin"] } } },
            "k": { "roles": { "q": { "machines": { "d": {} } } } }
        }
    })
    .to_string();
    let all = run(&["expand", "-"], &inv).json();
    for m in ["a", "b", "c", "d"] {
        let mut instances = serde_json::Map::new();
        for i in all["machines"][m]["instances"].as_object().unwrap().keys() {
            let mut inst = all["instances"][i].clone();
            let roles = inst["roles"].as_object_mut().unwrap();
            roles.retain(|_, r| r["machines"].get(m).is_some());
            for r in roles.values_mut() {
                let entry = r["machines"][m].clone();
                r["machines"] = json!({ m: entry });
            }
            instances.insert(i.clone(), inst);
        }
        let tags: serde_json::Map<_, _> =
            all["machines"][m]["tags"].as_array().unwrap().iter().map(|t| (t.as_str().unwrap().to_string(), all["tags"][t.as_str().unwrap()].clone())).collect();
        let expected = json!({ "instances": instances, "machines": { m: all["machines"][m] }, "tags": tags, "warnings": all["warnings"] });
        assert_eq!(run(&["expand", "--machine", m, "-"], &inv).json(), expected, "machine {m}");
    }
    for i in ["i", "j", "k"] {
        let machines: serde_json::Map<_, _> = all["machines"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, v)| v["instances"].get(i).is_some())
            .map(|(k, v)| {
                let mut v = v.clone();
                v["instances"] = json!({ i: v["instances"][i] });
                (k.clone(), v)
            })
            .collect();
        let id = all["instances"][i]["moduleId"].as_str().unwrap();
        let expected = json!({ "instances": { i: all["instances"][i] }, "machines": machines, "modules": { id: all["modules"][id] }, "warnings": all["warnings"] });
        assert_eq!(run(&["expand", "--instance", i, "-"], &inv).json(), expected, "instance {i}");
    }
    assert_eq!(all["warnings"].as_array().unwrap().len(), 1);
}

/// `explain --json` and `graph --json` write one JSON document when they fail too: the shape of
/// `check --json`, with every finding of an invalid inventory.
#[test]
fn explain_and_graph_json_always_write_one_document() {
    for args in [&["explain", "--json", "-", "a"][..], &["graph", "--json", "-"], &["graph", "--format", "json", "-"]] {
        let r = run(args, "{\n  \"machines\": [1, }\n");
        assert_eq!(r.code, 2, "{args:?}");
        assert_eq!(r.json()["diagnostics"][0]["line"], json!(2), "{args:?}");
        let mut a = args.to_vec();
        let file = a.iter().position(|x| *x == "-").unwrap();
        a[file] = FIVE;
        let r = run(&a, "");
        assert_eq!(r.code, 1, "{args:?}");
        let v = r.json();
        assert_eq!((v["valid"].clone(), v["errors"].clone(), v["warnings"].clone()), (json!(false), json!(5), json!(1)), "{args:?}");
        a[file] = "/nonexistent/inventory.json";
        let r = run(&a, "");
        assert_eq!(r.code, 2);
        assert_eq!(r.json()["diagnostics"][0]["line"], Value::Null);
    }
    let r = run(&["explain", "--json", EXAMPLE, "wbe2"], "");
    assert_eq!(r.code, 2);
    assert_eq!(r.json()["diagnostics"][0]["message"], json!("no machine named 'wbe2' (did you mean 'web2'?)"));
}

