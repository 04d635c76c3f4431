//! `nix-instances … --flake REF[#ATTR]` and `--file FILE.nix [--attr PATH]` with a real `nix`
//! (an isolated one: tests/common): plain .nix inventories with functions, paths and
//! derivations in their settings, `tags` written as a module, a clan-style flake built here, the
//! examples/ flake, positions in the .nix files, the same findings as the JSON export of the
//! same inventory, and Nix's own errors.
//!
//! Flakes are written under the private test directory and named `path:…` (the test directory
//! is inside this Git checkout, which would make them `git+file:` flakes of untracked files).
//! The flake-parts test needs NIXPKGS_LIB and FLAKE_PARTS, the clan-core test CLAN_CORE and
//! NIXPKGS_LIB; without them they report themselves skipped.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};

use common::nix;
use serde_json::Value;

/// The repository root.
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

    fn ok(self) -> Run {
        assert_eq!(self.code, 0, "failed:\n{}\n{}", self.stdout, self.stderr);
        self
    }

    fn no_panic(&self) {
        assert!(!self.stderr.contains("panicked"), "the CLI panicked:\n{}", self.stderr);
    }
}

/// The CLI in `dir`, with the isolated Nix environment (its `nix` subprocess inherits it).
fn cli(dir: &Path, args: &[&str]) -> Run {
    let out = nix().command(env!("CARGO_BIN_EXE_nix-instances")).args(args).current_dir(dir).output().unwrap();
    let run = Run {
        code: out.status.code().expect("the CLI was killed by a signal"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    run.no_panic();
    run
}

/// A fresh directory with `files` (name, text) in it.
fn dir_with(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = nix().dir().join("cli-nix").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (f, text) in files {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// `nix flake lock` (builtins.getFlake, as the CLI uses it, takes a flake as locked).
fn lock(dir: &Path) {
    let out = nix().command("nix").args(["flake", "lock", &format!("path:{}", dir.display())]).output().unwrap();
    assert!(out.status.success(), "nix flake lock: {}", String::from_utf8_lossy(&out.stderr));
}

/// The inventory a .nix file evaluates to, as JSON (the export a user would write by hand).
fn export(dir: &Path, file: &str) -> String {
    let out = nix().command("nix-instantiate").args(["--eval", "--strict", "--json", file]).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "export: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn env_path(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            eprintln!("skipped: {var} is unset");
            None
        }
    }
}

/// The line (1-based) and column of the first `needle` in `text`.
fn line_col(text: &str, needle: &str) -> (u64, u64) {
    let at = text.find(needle).unwrap_or_else(|| panic!("{needle} not in the text"));
    let line = text[..at].matches('\n').count() as u64 + 1;
    let col = (at - text[..at].rfind('\n').map_or(0, |n| n + 1)) as u64 + 1;
    (line, col)
}

/// The findings without their positions: severity, message, path, suggestion.
fn findings(check: &Value) -> Vec<Value> {
    check["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| serde_json::json!([d["severity"], d["message"], d["path"], d["suggestion"]]))
        .collect()
}

/// An `explain --json` without positions.
fn without_positions(mut v: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("at");
                m.remove("explicitAt");
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

// ------------------------------------------------------------------------------------------
// Plain .nix files.

const MISTAKES: &str = r#"{
  machines = {
    web1 = { tags = [ "web" "backup" ]; };
    web2 = { tags = [ "web" ]; };
    db1 = { tags = [ "backup" ]; machineClass = "nixos"; };
  };
  tags.monitored = [ "web1" "db2" ];
  instances = {
    borg = {
      module.name = "borgbackup";
      roles.client.tags.bakup = { };
      roles.server.machines = {
        db1.settings = { directory = "/srv/borg"; };
        db3 = { };
      };
    };
    mon = {
      module = { name = "monitoring"; input = "self"; };
      roles.collector.tags = [ "web" ];
      roles.agent.tags.web.settings = { port = 9100; };
    };
  };
  modules."self-monitoring" = {
    roles = [ "agent" "collector" ];
    constraints.collector.maxMachines = 1;
  };
}
"#;

#[test]
fn same_findings_explanation_and_expansion_as_the_json_export() {
    let dir = dir_with("export", &[("inventory.nix", MISTAKES)]);
    std::fs::write(dir.join("inventory.json"), export(&dir, "inventory.nix")).unwrap();

    let from_nix = cli(&dir, &["check", "--json", "--file", "inventory.nix"]);
    let from_json = cli(&dir, &["check", "--json", "inventory.json"]);
    assert_eq!(from_nix.code, 1, "{}", from_nix.stderr);
    assert_eq!(from_json.code, 1);
    let (n, j) = (from_nix.json(), from_json.json());
    assert!(findings(&j).len() >= 4, "{j:#}");
    assert_eq!(findings(&n), findings(&j));
    assert_eq!(n["errors"], j["errors"]);
    assert_eq!(n["warnings"], j["warnings"]);
    // every finding points into inventory.nix, at the attribute it names
    let text = MISTAKES;
    for d in n["diagnostics"].as_array().unwrap() {
        assert_eq!(d["file"], "inventory.nix", "{d:#}");
        assert!(d["line"].as_u64().unwrap() > 1, "{d:#}");
    }
    let db3 = n["diagnostics"].as_array().unwrap().iter().find(|d| d["path"] == "instances.borg.roles.server.machines.db3").unwrap();
    assert_eq!((db3["line"].as_u64().unwrap(), db3["column"].as_u64().unwrap()), line_col(text, "db3 = { };"));

    // the same expansion (settings are plain data here), explanation and graph
    let fixed = MISTAKES.replace("db3 = { };", "").replace("maxMachines = 1", "maxMachines = 9").replace("\"db2\"", "\"db1\"");
    let dir = dir_with("export-valid", &[("inventory.nix", &fixed)]);
    std::fs::write(dir.join("inventory.json"), export(&dir, "inventory.nix")).unwrap();
    let expand_nix = cli(&dir, &["expand", "--file", "inventory.nix"]).ok();
    let expand_json = cli(&dir, &["expand", "inventory.json"]).ok();
    assert_eq!(expand_nix.json(), expand_json.json());
    for m in ["web1", "db1"] {
        let e_nix = cli(&dir, &["explain", "--json", "--file", "inventory.nix", m]).ok().json();
        let e_json = cli(&dir, &["explain", "--json", "inventory.json", m]).ok().json();
        assert_eq!(without_positions(e_nix), without_positions(e_json), "explain {m}");
    }
    let g_nix = cli(&dir, &["graph", "--json", "--file", "inventory.nix"]).ok();
    let g_json = cli(&dir, &["graph", "--json", "inventory.json"]).ok();
    assert_eq!(g_nix.json(), g_json.json());
}

const MISSPELT: &str = r#"# a machine name misspelt in a role
{
  machines = {
    web1 = { tags = [ "web" ]; };
  };
  instances.hello.roles.server.machines = {
    wbe1 = { };
  };
}
"#;

#[test]
fn a_misspelt_machine_is_reported_at_its_line_and_column() {
    let dir = dir_with("misspelt", &[("inventory.nix", MISSPELT)]);
    let (line, col) = line_col(MISSPELT, "wbe1");
    let run = cli(&dir, &["check", "--file", "inventory.nix", "--color", "never"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("error: no machine named 'wbe1' (did you mean 'web1'?)"), "{}", run.stdout);
    assert!(run.stdout.contains(&format!("┌─ inventory.nix:{line}:{col}")), "{}", run.stdout);
    // the snippet is the .nix file's line, the name underlined
    assert!(run.stdout.contains("    wbe1 = { };"), "{}", run.stdout);
    assert!(run.stdout.contains(&format!("{}^^^^ instances.hello.roles.server.machines.wbe1", " ".repeat(col as usize - 1))), "{}", run.stdout);
    assert!(run.stdout.contains("inventory.nix: 1 error, 0 warnings"), "{}", run.stdout);

    let json = cli(&dir, &["check", "--json", "--file", "inventory.nix"]).json();
    let d = &json["diagnostics"][0];
    assert_eq!((d["file"].as_str().unwrap(), d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()), ("inventory.nix", line, col));
    assert_eq!(d["suggestion"], "web1");
    // the span is the name in the .nix file
    let (s, e) = (d["span"]["start"].as_u64().unwrap() as usize, d["span"]["end"].as_u64().unwrap() as usize);
    assert_eq!(&MISSPELT[s..e], "wbe1");

    // expand's error names the path, and its hint the same input
    let run = cli(&dir, &["expand", "--file", "inventory.nix"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("instances.hello.roles.server.machines.wbe1: no machine named 'wbe1'"), "{}", run.stderr);
    assert!(run.stderr.contains("`nix-instances check --file inventory.nix`"), "{}", run.stderr);
}

const LEAVES: &str = r#"let
  hello = { type = "derivation"; name = "hello-2.12"; outPath = throw "never built"; };
in
{
  machines = {
    web1 = { tags = [ "web" ]; deploy.targetHost = throw "machine attributes are never read"; };
    web2 = { tags = [ "web" ]; };
  };
  instances.hello = {
    module = { name = "hello"; input = "self"; };
    roles.server = {
      tags.web = { settings = { config, ... }: { motd = config.networking.hostName; }; };
      machines.web1 = { settings = { package = hello; motd = ./motd.txt; greet = name: "hi ${name}"; port = 8080; }; };
      settings = SETTINGS;
      extraModules = [ ./extra.nix EXTRA ];
    };
  };
}
"#;

#[test]
fn settings_and_modules_stay_unevaluated_and_are_shown_as_markers() {
    // throws where leaves are: check, explain and graph never force them
    let lazy = LEAVES.replace("SETTINGS", "throw \"role settings were forced\"").replace("EXTRA", "(throw \"an extra module was forced\")");
    let dir = dir_with("leaves-lazy", &[("inventory.nix", &lazy), ("extra.nix", "{ }\n"), ("motd.txt", "hi\n")]);
    let run = cli(&dir, &["check", "--file", "inventory.nix"]).ok();
    assert!(run.stdout.contains("inventory.nix: valid (2 machines, 1 instance); 0 warnings"), "{}", run.stdout);
    let run = cli(&dir, &["explain", "--file", "inventory.nix", "web1"]).ok();
    assert!(run.stdout.contains("1. role settings: instances.hello.roles.server.settings  inventory.nix:"), "{}", run.stdout);
    cli(&dir, &["graph", "--file", "inventory.nix"]).ok();
    // expand shows them: the throw is Nix's own error, exit 1
    let run = cli(&dir, &["expand", "--file", "inventory.nix"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stderr.contains("role settings were forced") || run.stderr.contains("an extra module was forced"), "{}", run.stderr);

    let shown = LEAVES.replace("SETTINGS", "{ port = 80; }").replace("EXTRA", "(import ./extra.nix)");
    let dir = dir_with("leaves-shown", &[("inventory.nix", &shown), ("extra.nix", "{ lib, ... }: { }\n"), ("motd.txt", "hi\n")]);
    let out = cli(&dir, &["expand", "--file", "inventory.nix", "--machine", "web1"]).ok().json();
    let role = &out["instances"]["hello"]["roles"]["server"];
    assert_eq!(role["extraModules"], serde_json::json!(["<path ./extra.nix>", "<function>"]));
    assert_eq!(role["settings"], serde_json::json!({ "port": 80 }));
    let imports = &role["machines"]["web1"]["settings"]["imports"];
    assert_eq!(
        imports,
        &serde_json::json!([
            { "greet": "<function>", "motd": "<path ./motd.txt>", "package": "<derivation hello-2.12>", "port": 8080 },
            "<function>"
        ])
    );
}

#[test]
fn a_value_json_cannot_hold_is_a_type_error_naming_its_kind() {
    let text = "{\n  machines.web1 = {\n    machineClass = x: x;\n  };\n}\n";
    let dir = dir_with("kinds", &[("inventory.nix", text)]);
    let run = cli(&dir, &["check", "--json", "--file", "inventory.nix"]);
    assert_eq!(run.code, 1);
    let d = &run.json()["diagnostics"][0];
    assert_eq!(d["message"], "expected a string, got a function");
    assert_eq!(d["path"], "machines.web1.machineClass");
    assert_eq!(d["line"], 3);

    let text = "{\n  machines.web1.tags = [ \"web\" ./web ];\n}\n";
    let dir = dir_with("kinds-path", &[("inventory.nix", text)]);
    let run = cli(&dir, &["check", "--json", "--file", "inventory.nix"]);
    let d = &run.json()["diagnostics"][0];
    assert_eq!(d["message"], "expected a string, got a path");
    assert_eq!(d["path"], "machines.web1.tags[1]");
}

#[test]
fn tags_written_as_a_module_are_applied_as_clan_core_applies_them() {
    let text = r#"{
  machines = { a = { }; b = { machineClass = "darwin"; }; c = { }; };
  # clan-core's inventory.tags: a module of `config` (the tags) and `machines`
  tags = { config, machines, ... }: {
    notA = builtins.filter (n: n != "a") config.all;
    linux = config.nixos;
    # a machine's class has its default
    mac = builtins.filter (n: machines.${n}.machineClass == "darwin") (builtins.attrNames machines);
    # lib.mkDefault [ "a" "b" ]
    few = { _type = "override"; priority = 1000; content = [ "a" "b" ]; };
  };
  instances.x.roles = {
    r.tags.notA = { };
    s.tags = [ "linux" ];
    t.tags.few = { };
    u.tags.mac = { };
  };
}
"#;
    let dir = dir_with("tags-module", &[("inventory.nix", text)]);
    let out = cli(&dir, &["expand", "--file", "inventory.nix", "--instance", "x"]).ok().json();
    let members = |r: &str| out["instances"]["x"]["roles"][r]["machines"].as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(members("r"), ["b", "c"]);
    assert_eq!(members("s"), ["a", "c"]);
    assert_eq!(members("t"), ["a", "b"]);
    assert_eq!(members("u"), ["b"]);
    // and explain finds the tag list in the module's body
    let run = cli(&dir, &["explain", "--file", "inventory.nix", "c"]).ok();
    let (line, _) = line_col(text, "notA = builtins");
    assert!(run.stdout.contains(&format!("the static tag list tags.notA  inventory.nix:{line}:")), "{}", run.stdout);
}

#[test]
fn an_attribute_of_a_file_and_nix_errors() {
    let text = "{ fleet.prod = { machines.a = { }; instances.i.roles.r.machines.a = { }; }; other = 1; }\n";
    let dir = dir_with("attr", &[("fleet.nix", text), ("broken.nix", "{ machines = { a = { }; ; }\n"), ("throws.nix", "{ machines = throw \"no machines today\"; }\n")]);
    let run = cli(&dir, &["check", "--file", "fleet.nix", "--attr", "fleet.prod"]).ok();
    assert!(run.stdout.contains("fleet.nix, attribute fleet.prod: valid (1 machine, 1 instance)"), "{}", run.stdout);
    // not an inventory and no attribute named: a usage error
    let run = cli(&dir, &["check", "--file", "fleet.nix"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("no inventory found in the file"), "{}", run.stderr);
    let run = cli(&dir, &["check", "--file", "fleet.nix", "--attr", "fleet.staging"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("the file has no attribute 'fleet.staging'"), "{}", run.stderr);
    // Nix's own errors, exit 1
    let run = cli(&dir, &["check", "--file", "broken.nix"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("error:") && run.stderr.contains("syntax error"), "{}", run.stderr);
    let run = cli(&dir, &["graph", "--file", "throws.nix"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("no machines today"), "{}", run.stderr);
    // usage
    assert_eq!(cli(&dir, &["check", "--file", "nowhere.nix"]).code, 2);
    assert_eq!(cli(&dir, &["check", "--attr", "x", "inventory.json"]).code, 2);
    assert_eq!(cli(&dir, &["check", "--file", "fleet.nix", "fleet.json"]).code, 2);
    assert_eq!(cli(&dir, &["explain", "--file", "fleet.nix", "--attr", "fleet.prod"]).code, 2);
    cli(&dir, &["explain", "--file", "fleet.nix", "--attr", "fleet.prod", "a"]).ok();
}

// ------------------------------------------------------------------------------------------
// Flakes.

/// A flake shaped as clan-core's (`clanInternals.inventoryClass.inventory`, evaluated, with its
/// `options.<top>.definitionsWithLocations`), built by hand: no clan-core code.
const CLAN_SHAPE: &str = r#"{
  outputs = { self }:
    let
      # what the user wrote, as the module system keeps it (one definition under mkDefault)
      machineDefs = {
        web1 = { tags = [ "web" ]; };
        db1 = { };
      };
      instanceDefs = {
        backup = {
          roles.server.machines = {
            db2 = { };
          };
          roles.client.tags.all = { settings = throw "settings are never read"; };
        };
      };
      machine = name: tags: {
        inherit name tags;
        machineClass = "nixos";
        description = null;
        deploy.targetHost = throw "deploy is never read";
      };
    in
    {
      clanInternals.inventoryClass.inventory = {
        machines = {
          web1 = machine "web1" [ "all" "nixos" "web" ];
          db1 = machine "db1" [ "all" "nixos" ];
        };
        tags = { all = [ "db1" "web1" ]; nixos = [ "db1" "web1" ]; darwin = [ ]; };
        instances.backup = {
          module = { name = "borgbackup"; input = null; };
          roles.server = { machines.db2 = { settings = { }; }; tags = { }; settings = { }; extraModules = [ ]; };
          roles.client = { machines = { }; tags.all.settings = throw "settings are never read"; settings = { }; extraModules = [ ]; };
        };
        modules = { };
        options = {
          machines.definitionsWithLocations = [
            { file = "flake.nix"; value = { _type = "override"; priority = 1000; content = machineDefs; }; }
          ];
          instances.definitionsWithLocations = [ { file = "flake.nix"; value = instanceDefs; } ];
          tags.definitionsWithLocations = [ ];
        };
      };
    };
}
"#;

#[test]
fn a_clan_style_flake() {
    let dir = dir_with("clan-shape", &[("flake.nix", CLAN_SHAPE)]);
    lock(&dir);
    let reference = format!("path:{}", dir.display());
    let run = cli(&dir, &["check", "--json", "--flake", &reference]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("clanInternals.inventoryClass.inventory"), "says which attribute: {}", run.stderr);
    let json = run.json();
    let d = &json["diagnostics"][0];
    assert_eq!(d["message"], "no machine named 'db2' (did you mean 'db1'?)");
    // the position of what the user wrote, in the checkout (not the store copy)
    let (line, col) = line_col(CLAN_SHAPE, "db2 = { };");
    assert_eq!((d["file"].as_str().unwrap(), d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()), ("flake.nix", line, col));

    let fixed = CLAN_SHAPE.replace("db2", "db1");
    let dir = dir_with("clan-shape-valid", &[("flake.nix", &fixed)]);
    lock(&dir);
    let reference = format!("path:{}#clanInternals.inventoryClass.inventory", dir.display());
    let run = cli(&dir, &["explain", "--flake", &reference, "web1"]).ok();
    let (line, col) = line_col(&fixed, "web1 = { tags");
    assert!(run.stdout.contains(&format!("the machine's own tags (machines.web1.tags)  flake.nix:{line}:{}", col + 9)), "{}", run.stdout);
    cli(&dir, &["graph", "--flake", &reference]).ok();
}

/// The examples/ flake, with its `nix-instances` input pointing at a copy of nix/.
#[test]
fn the_examples_flake() {
    let dir = nix().dir().join("cli-nix/examples");
    let lib = nix().dir().join("cli-nix/nix-instances");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(lib.join("nix")).unwrap();
    std::fs::copy(repo().join("nix/lib.nix"), lib.join("nix/lib.nix")).unwrap();
    for f in std::fs::read_dir(repo().join("nix")).unwrap() {
        let f = f.unwrap();
        if f.file_type().unwrap().is_file() {
            std::fs::copy(f.path(), lib.join("nix").join(f.file_name())).unwrap();
        }
    }
    copy_tree(&repo().join("nix/internal"), &lib.join("nix/internal"));
    for f in ["flake.nix", "inventory.nix", "hello.nix"] {
        let text = std::fs::read_to_string(repo().join("examples").join(f)).unwrap();
        let text = text.replace("url = \"path:..\";", &format!("url = \"path:{}\";", lib.display()));
        std::fs::write(dir.join(f), text).unwrap();
    }
    let reference = format!("path:{}", dir.display());
    // an input and no lock file yet: Nix 2.8's getFlake refuses (its message, and what to do);
    // later versions lock it in memory
    let run = cli(&dir, &["check", "--flake", &reference]);
    if run.code == 0 {
        assert!(run.stdout.contains("valid (4 machines, 3 instances)"), "{}", run.stdout);
    } else {
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(run.stderr.contains("requires lock file changes") && run.stderr.contains("hint: lock the flake first"), "{}", run.stderr);
    }
    lock(&dir);
    // one `nix` process per command: a `nix` first on PATH that counts its calls
    let shim = nix().dir().join("cli-nix/shim");
    std::fs::create_dir_all(&shim).unwrap();
    let real = String::from_utf8(nix().command("sh").args(["-c", "command -v nix"]).output().unwrap().stdout).unwrap();
    let calls = shim.join("calls");
    std::fs::write(shim.join("nix"), format!("#!/bin/sh\necho x >> '{}'\nexec '{}' \"$@\"\n", calls.display(), real.trim())).unwrap();
    std::process::Command::new("chmod").arg("+x").arg(shim.join("nix")).status().unwrap();
    let path = format!("{}:{}", shim.display(), std::env::var("PATH").unwrap_or_default());
    let out = nix().command(env!("CARGO_BIN_EXE_nix-instances")).args(["check", "--flake", &reference]).env("PATH", &path).current_dir(&dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(&calls).unwrap().lines().count(), 1, "one nix process");
    let run = cli(&dir, &["check", "--flake", &reference]).ok();
    assert!(run.stderr.contains("#nixInstances.inventory"), "{}", run.stderr);
    assert!(run.stdout.contains("#nixInstances.inventory: valid (4 machines, 3 instances); 0 warnings"), "{}", run.stdout);

    // explain points into inventory.nix
    let inventory = std::fs::read_to_string(dir.join("inventory.nix")).unwrap();
    let run = cli(&dir, &["explain", "--json", "--flake", &reference, "web1"]).ok();
    let x = run.json();
    let own = &x["tags"].as_array().unwrap().iter().find(|t| t["tag"] == "web").unwrap()["sources"][0]["at"];
    let (line, _) = line_col(&inventory, "web1 = { tags");
    assert_eq!((own["file"].as_str().unwrap(), own["line"].as_u64().unwrap()), ("inventory.nix", line));

    // the same expansion as from the file itself
    let from_flake = cli(&dir, &["expand", "--flake", &reference]).ok().json();
    let from_file = cli(&dir, &["expand", "--file", "inventory.nix"]).ok().json();
    assert_eq!(from_flake, from_file);
    // and the same machines and roles as the flake's own expansion (lib.expandInstances)
    let out = nix()
        .command("nix")
        .args(["eval", "--json", &format!("{reference}#summary")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    for (m, instances) in summary.as_object().unwrap() {
        for (i, roles) in instances.as_object().unwrap() {
            assert_eq!(&from_flake["machines"][m]["instances"][i]["roles"], roles, "{m} {i}");
        }
    }
    // no such attribute: a usage error with Nix's message
    let run = cli(&dir, &["check", "--flake", &format!("{reference}#nope")]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("has no attribute 'nope'"), "{}", run.stderr);
}

fn copy_tree(from: &Path, to: &Path) {
    if !from.exists() {
        return;
    }
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// A flake using this project's flake-parts module: positions from the option definitions,
/// in flake.nix and in a module file.
#[test]
fn a_flake_parts_flake() {
    let (Some(lib), Some(fp)) = (env_path("NIXPKGS_LIB"), env_path("FLAKE_PARTS")) else { return };
    let ni = nix().dir().join("cli-nix/nix-instances-repo");
    let _ = std::fs::remove_dir_all(&ni);
    copy_tree(&repo().join("nix"), &ni.join("nix"));
    for f in ["flake.nix", "flake.lock"] {
        if repo().join(f).exists() {
            std::fs::copy(repo().join(f), ni.join(f)).unwrap();
        }
    }
    let flake = format!(
        r#"{{
  inputs.flake-parts.url = "path:{fp}";
  inputs.nixpkgs-lib.url = "path:{lib}";
  inputs.flake-parts.inputs.nixpkgs-lib.follows = "nixpkgs-lib";
  inputs.nix-instances.url = "path:{ni}";
  inputs.nix-instances.inputs.nixpkgs.follows = "nixpkgs-lib";
  outputs = inputs@{{ flake-parts, ... }}:
    flake-parts.lib.mkFlake {{ inherit inputs; }} {{
      systems = [ ];
      imports = [ inputs.nix-instances.flakeModules.default ./machines.nix ];
      nixInstances = {{
        machines.web1.tags = [ "web" ];
        instances.hello = {{
          module = {{ name = "hello"; input = "self"; }};
          roles.server.tags.web = {{ }};
          roles.server.machines = {{
            web2 = {{ }};
          }};
        }};
        modules.hello = {{ roles.server = {{ }}; }};
      }};
    }};
}}
"#,
        ni = ni.display()
    );
    let machines = "{\n  nixInstances.machines = {\n    db1 = { tags = [ \"db\" ]; };\n  };\n}\n";
    let dir = dir_with("flake-parts", &[("flake.nix", &flake), ("machines.nix", machines)]);
    lock(&dir);
    let reference = format!("path:{}", dir.display());
    let run = cli(&dir, &["check", "--json", "--flake", &reference]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    let d = &json["diagnostics"][0];
    assert_eq!(d["message"], "no machine named 'web2' (did you mean 'web1'?)");
    let (line, col) = line_col(&flake, "web2 = {");
    assert_eq!((d["file"].as_str().unwrap(), d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()), ("flake.nix", line, col));

    let dir = dir_with("flake-parts-valid", &[("flake.nix", &flake.replace("web2", "web1")), ("machines.nix", machines)]);
    lock(&dir);
    let run = cli(&dir, &["explain", "--flake", &format!("path:{}", dir.display()), "db1"]).ok();
    assert!(run.stdout.contains("the machine's own tags (machines.db1.tags)  machines.nix:3:"), "{}", run.stdout);
}

/// clan-core's own framework (from a checkout, with the stub nixpkgs of tests/nix/clan-compare)
/// evaluating a clan whose inventory has a misspelt machine, `tags` as a module and settings
/// that throw.
#[test]
fn a_clan_core_clan() {
    let (Some(clan), Some(lib)) = (env_path("CLAN_CORE"), env_path("NIXPKGS_LIB")) else { return };
    let text = format!(
        r#"let
  lib = import ({lib} + "/lib");
  cc = import {harness}/clan-core.nix {{ inherit lib; clanCore = {clan}; }};
in
cc.clan {{
  self = {{ outPath = toString ./.; }};
  directory = ./.;
  meta.name = "test";
  inventory = {{
    machines = {{
      web1 = {{ tags = [ "web" ]; }};
      db1 = {{ }};
    }};
    tags = {{ machines, ... }}: {{ backup = [ "db1" ]; }};
    instances.admin = {{
      module.name = "admin";
      roles.default.tags.backup = {{ }};
      roles.default.machines = {{
        web2 = {{ }};
      }};
      roles.default.settings = throw "settings are never read";
    }};
  }};
}}
"#,
        lib = common::nix_string(&lib),
        clan = common::nix_string(&clan),
        harness = repo().join("tests/nix/clan-compare").display(),
    );
    let dir = dir_with("clan-core", &[("clan.nix", &text)]);
    let run = cli(&dir, &["check", "--json", "--file", "clan.nix"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("config.clanInternals.inventoryClass.inventory"), "{}", run.stderr);
    let json = run.json();
    let d = &json["diagnostics"][0];
    assert_eq!(d["message"], "no machine named 'web2' (did you mean 'web1'?)");
    let (line, col) = line_col(&text, "web2 = {");
    assert_eq!((d["file"].as_str().unwrap(), d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()), ("clan.nix", line, col));

    let fixed = text.replace("web2", "web1");
    let dir = dir_with("clan-core-valid", &[("clan.nix", &fixed)]);
    let x = cli(&dir, &["explain", "--json", "--file", "clan.nix", "db1"]).ok().json();
    let roles: Vec<&str> = x["roles"].as_array().unwrap().iter().map(|r| r["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["default"], "db1 is in admin through the tag the tags module gives it");
    // the tag list's position, in the module the user wrote
    let run = cli(&dir, &["explain", "--file", "clan.nix", "db1"]).ok();
    let (line, col) = line_col(&fixed, "backup = [");
    assert!(run.stdout.contains(&format!("the static tag list tags.backup  clan.nix:{line}:{col}")), "{}", run.stdout);
}

// ------------------------------------------------------------------------------------------
// multi-service

#[test]
fn a_services_file_in_nix() {
    let text = r#"{
  module = ./hello.nix;
  instances = {
    hello1 = { enable = true; outputs.settings.processes.hello1.command = "hello"; };
    hello2 = { enable = true; namespace = "greetings"; outputs.settings.processes.hello2.command = x: x; };
    hello3.outputs = throw "a disabled instance is never evaluated";
  };
}
"#;
    let dir = dir_with("services", &[("services.nix", text), ("hello.nix", "{ }\n"), ("plain.nix", "{ service = \"hello\"; instances.a = { enable = true; outputs.settings.processes.a.command = \"a\"; }; instances.b.enable = false; }\n")]);
    let out = cli(&dir, &["multi-service", "--file", "services.nix"]).ok().json();
    assert_eq!(out["service"], "hello", "the name from the module's path");
    assert_eq!(out["enabled"], serde_json::json!(["hello1", "hello2"]));
    assert_eq!(out["settings"][1]["processes"]["hello2"]["command"], "<function>");

    // the same as its JSON export
    std::fs::write(dir.join("plain.json"), export(&dir, "plain.nix")).unwrap();
    let from_nix = cli(&dir, &["multi-service", "--file", "plain.nix"]).ok().json();
    let from_json = cli(&dir, &["multi-service", "plain.json"]).ok().json();
    assert_eq!(from_nix, from_json);

    // a kind JSON lacks, named as such
    std::fs::write(dir.join("bad.nix"), text.replace("hello1 = { enable = true;", "hello1 = { enable = x: x;")).unwrap();
    let run = cli(&dir, &["multi-service", "--file", "bad.nix"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("services.hello.hello1.enable: expected a Boolean, got a function"), "{}", run.stderr);
}

/// `expand --machine M` and `--instance I` evaluate only what they print: another machine's
/// settings, another instance's, a role M cannot be in, all throw here.
#[test]
fn expand_for_one_machine_or_instance_evaluates_only_its_part() {
    let text = r#"{
  machines = {
    web1 = { tags = [ "web" ]; };
    web2 = { tags = [ "web" ]; };
    db1 = { };
  };
  tags.backup = [ "db1" ];
  instances.hello.roles = {
    server = {
      tags.web.settings = { port = 80; };
      tags.db = { settings = throw "the db tag's settings (web1 does not carry it)"; };
      machines.web1.settings = { greeting = "hi"; };
      machines.web2.settings = throw "web2's settings";
      settings = { motd = "hello"; };
    };
    client = {
      machines.db1 = { };
      settings = throw "a role web1 is not in";
      extraModules = throw "its modules";
    };
  };
  instances.other.roles.x = {
    tags = [ "backup" ];
    settings = throw "another instance's settings";
  };
}
"#;
    let dir = dir_with("expand-only", &[("inventory.nix", text)]);
    let out = cli(&dir, &["expand", "--file", "inventory.nix", "--machine", "web1"]).ok().json();
    let server = &out["instances"]["hello"]["roles"]["server"];
    assert_eq!(server["settings"], serde_json::json!({ "motd": "hello" }));
    assert_eq!(server["machines"]["web1"]["settings"]["imports"], serde_json::json!([{ "greeting": "hi" }, { "port": 80 }]));
    // a throw where web1's part is: Nix's error
    let broken = text.replace(r#"{ greeting = "hi"; }"#, "throw \"web1's own settings\"");
    let dir = dir_with("expand-only-broken", &[("inventory.nix", &broken)]);
    let run = cli(&dir, &["expand", "--file", "inventory.nix", "--machine", "web1"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("web1's own settings"), "{}", run.stderr);

    // one instance: only its leaves (db1 is in `other` through its static tag)
    let dir = dir_with("expand-only-instance", &[("inventory.nix", &text.replace("throw \"another instance's settings\"", "{ keep = 7; }"))]);
    let out = cli(&dir, &["expand", "--file", "inventory.nix", "--instance", "other"]).ok().json();
    assert_eq!(out["instances"]["other"]["roles"]["x"]["settings"], serde_json::json!({ "keep": 7 }));
    let out = cli(&dir, &["expand", "--file", "inventory.nix", "--machine", "db1"]);
    assert_eq!(out.code, 1, "db1 is in hello.client, whose settings throw");
    assert!(out.stderr.contains("a role web1 is not in") || out.stderr.contains("its modules"), "{}", out.stderr);
}
