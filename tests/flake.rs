//! The Nix side: this repo's flake outputs, the flake-parts module (nix/flake-module.nix), the
//! NixOS module (nix/nixos-module.nix) and the package expression (nix/package.nix).
//!
//! Needs no network. The flake outputs that must not touch nixpkgs are evaluated with nixpkgs
//! replaced by a flake that throws, so they always run. The rest needs nixpkgs' lib and
//! flake-parts: set NIXPKGS_LIB (a checkout of nixpkgs.lib) and FLAKE_PARTS (a checkout of
//! flake-parts); without them those tests report themselves skipped.
//!
//! Flakes are evaluated from copies under the private test directory: `path:` of the repo
//! itself would copy target/ into the store.

mod common;
use common::{nix, nix_string, plugin, repo, Eval};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn env_path(var: &str, what: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            eprintln!("skipped: {var} is unset ({what})");
            None
        }
    }
}

fn nixpkgs_lib() -> Option<String> {
    env_path("NIXPKGS_LIB", "a checkout of nixpkgs.lib")
}

/// NIXPKGS_LIB and FLAKE_PARTS, or None (skipped).
fn flake_parts() -> Option<(String, String)> {
    let lib = nixpkgs_lib()?;
    let fp = env_path("FLAKE_PARTS", "a checkout of flake-parts")?;
    Some((lib, fp))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The files of this repo that its flake outputs read, copied once per test binary.
fn repo_copy() -> &'static Path {
    static COPY: OnceLock<PathBuf> = OnceLock::new();
    COPY.get_or_init(|| {
        let dir = nix().dir().join("flakes/nix-instances");
        copy_dir(&repo().join("nix"), &dir.join("nix"));
        for f in ["flake.nix", "flake.lock", "Cargo.toml", "Cargo.lock"] {
            if repo().join(f).exists() {
                std::fs::copy(repo().join(f), dir.join(f)).unwrap();
            }
        }
        dir
    })
}

/// A flake whose outputs throw: stands in for nixpkgs where it must not be evaluated.
fn throwing_nixpkgs() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = nix().dir().join("flakes/throwing-nixpkgs");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("flake.nix"), "{ outputs = _: throw \"nixpkgs was evaluated\"; }\n").unwrap();
        dir
    })
}

fn write_flake(name: &str, text: &str) -> PathBuf {
    let dir = nix().dir().join("flakes").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("flake.nix"), text).unwrap();
    dir
}

/// `nix [--option plugin-files …] eval --json <args>`, without the eval cache and without
/// writing lock files.
fn flake_eval(with_plugin: bool, args: &[&str]) -> Eval {
    let mut c = nix().command("nix");
    if with_plugin {
        c.arg("--option").arg("plugin-files").arg(plugin());
    }
    c.args(["eval", "--json", "--option", "eval-cache", "false", "--no-write-lock-file"]).args(args);
    Eval::from(c.output().expect("nix runs"))
}

/// The whole error output must mention `msg` (Nix 2.8 sometimes puts it on a later line).
fn assert_error(e: &Eval, msg: &str) {
    assert!(!e.success, "evaluation succeeded where it should fail: {}", e.stdout);
    assert!(!e.crashed, "nix crashed:\n{}", e.stderr);
    assert!(e.stderr.contains(msg), "expected the error\n  {msg}\ngot:\n{}", e.stderr);
}

// ------------------------------------------------------------------------------------------
// This repo's flake.

fn own_flake_eval(with_plugin: bool, attr: &str, apply: &str) -> Eval {
    let flake = format!("path:{}#{attr}", repo_copy().display());
    let nixpkgs = format!("path:{}", throwing_nixpkgs().display());
    flake_eval(with_plugin, &[&flake, "--override-input", "nixpkgs", &nixpkgs, "--apply", apply])
}

#[test]
fn flake_outputs_without_nixpkgs_evaluate() {
    let lib = own_flake_eval(false, "lib", "builtins.attrNames").json();
    assert_eq!(
        lib,
        json!(["expandInstances", "expandMultiService", "hasPlugin", "multiService", "pure", "version"])
    );
    assert_eq!(own_flake_eval(false, "flakeModules", "m: builtins.mapAttrs (_: builtins.typeOf) m").json(), json!({ "default": "path" }));
    assert_eq!(own_flake_eval(false, "nixosModules", "m: builtins.mapAttrs (_: builtins.typeOf) m").json(), json!({ "default": "path" }));
    assert_eq!(
        own_flake_eval(false, "overlays", "o: builtins.attrNames (o.default { callPackage = _: _: null; } { })").json(),
        json!(["nix-instances", "nix-instances-cli"])
    );
    // The library through the flake: the primop when the plugin is loaded, else the twin.
    let apply = "l: { inherit (l) hasPlugin; r = (l.expandInstances { machines.a.tags = [ \"t\" ]; \
                 instances.i.roles.r.tags = [ \"t\" ]; }).machines.a.instances; }";
    let native = own_flake_eval(true, "lib", apply).json();
    let pure = own_flake_eval(false, "lib", apply).json();
    assert_eq!(native["hasPlugin"], json!(true));
    assert_eq!(pure["hasPlugin"], json!(false));
    assert_eq!(native["r"], pure["r"]);
    assert_eq!(native["r"], json!({ "i": { "roles": ["r"] } }));
}

#[test]
fn flake_packages_do_use_nixpkgs() {
    // The throwing stand-in is in effect: the per-system outputs reach it.
    let e = own_flake_eval(false, "packages.x86_64-linux.default", "p: p.name");
    assert_error(&e, "nixpkgs was evaluated");
}

#[test]
fn flake_per_system_outputs_are_wired_to_nixpkgs() {
    let Some(lib) = nixpkgs_lib() else { return };
    // A nixpkgs stand-in: nixpkgs' lib, a callPackage, and stubs for what nix/*.nix take.
    let stub = write_flake(
        "stub-nixpkgs",
        &format!(
            r#"{{
  inputs.lib.url = "path:{lib}";
  outputs = {{ self, lib }}: {{
    legacyPackages = lib.lib.genAttrs [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ] (system:
      let
        pkgs = {{
          inherit (lib) lib;
          stdenv.hostPlatform = {{ inherit system; extensions.sharedLibrary = "${{if lib.lib.hasSuffix "darwin" system then ".dylib" else ".so"}}"; }};
          stdenv.buildPlatform.canExecute = _: true;
          installShellFiles = "installShellFiles";
          rustPlatform.buildRustPackage = a: a // {{ type = "derivation"; name = a.pname; }};
          nix = {{ name = "nix-stub"; dev = "nix-stub-dev"; }};
          pkg-config = "pkg-config"; boost = "boost"; nlohmann_json = "nlohmann_json"; boehmgc = "boehmgc";
          clippy = "clippy"; rustfmt = "rustfmt"; rust-analyzer = "rust-analyzer";
          path = "/stub/nixpkgs";
          mkShell = a: a;
          callPackage = f: over: import f (builtins.intersectAttrs (builtins.functionArgs (import f)) pkgs // over);
        }};
      in pkgs);
  }};
}}
"#
        ),
    );
    let flake = format!("path:{}", repo_copy().display());
    let nixpkgs = format!("path:{}", stub.display());
    let eval = |attr: &str, apply: &str| {
        flake_eval(false, &[&format!("{flake}#{attr}"), "--override-input", "nixpkgs", &nixpkgs, "--apply", apply]).json()
    };
    let packages = eval("packages", "builtins.mapAttrs (_: builtins.mapAttrs (_: p: { inherit (p) pname cargoBuildFlags; }))");
    let checks = eval("checks", "builtins.mapAttrs (_: builtins.mapAttrs (_: p: p.pname))");
    let shells = eval("devShells", "builtins.mapAttrs (_: s: map (p: p.pname) s.default.inputsFrom)");
    let systems = vec!["aarch64-darwin", "aarch64-linux", "x86_64-darwin", "x86_64-linux"];
    for r in [&packages, &checks, &shells] {
        assert_eq!(r.as_object().unwrap().keys().collect::<Vec<_>>(), systems);
    }
    assert_eq!(
        packages["x86_64-linux"],
        json!({
            "cli": { "pname": "nix-instances-cli", "cargoBuildFlags": ["-p", "nix-instances-core"] },
            "default": { "pname": "nix-instances", "cargoBuildFlags": ["-p", "nix-instances"] },
        })
    );
    assert_eq!(
        checks["aarch64-darwin"],
        json!({ "cli": "nix-instances-cli", "plugin": "nix-instances", "tests": "nix-instances-tests" })
    );
    let pre_check = eval("checks.x86_64-linux.tests.preCheck", "x: x");
    assert!(pre_check.as_str().unwrap().contains("NIXPKGS_LIB=/stub/nixpkgs"), "{pre_check}");
    assert_eq!(shells["x86_64-linux"], json!(["nix-instances"]));
}

// ------------------------------------------------------------------------------------------
// The flake-parts module.

/// A service-module flake for `input = "other"`: a nixInstances module and a clan module.
fn other_flake() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        write_flake(
            "other",
            r#"{
  outputs = _: {
    nixInstances.modules.greeter = {
      roles.peer.interface = { lib, ... }: {
        options.word = lib.mkOption { type = lib.types.str; default = "hello"; };
      };
      roles.peer.perInstance = { instanceName, settings, machine, ... }: {
        nixosModule.lines = [ "greeter/${instanceName}/${machine.name}: ${settings.word}" ];
      };
    };
    clan.modules.legacy = { _class = "clan.service"; roles.x = { }; };
  };
}
"#,
        )
    })
}

/// A clan-core stand-in for `inputs.clan-core`: `clan.modules` only.
fn clan_core_flake() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        write_flake(
            "clan-core",
            r#"{
  outputs = _: {
    clan.modules.single = {
      manifest.constraints.maxInstances = 1;
      roles.r.description = "the only role";
      perMachine = { machine, instances, ... }: {
        nixosModule.lines = [ "single perMachine ${machine.name}: ${toString (builtins.attrNames instances)}" ];
      };
    };
  };
}
"#,
        )
    })
}

/// A flake-parts flake importing the module, with `body` as the value of `nixInstances`.
/// Its output `report` evaluates every machine's nixosModule against a stub of NixOS
/// (`lines`, a list of strings; `warnings`; `assertions`) and lists the modules' locations.
fn user_flake(name: &str, nixpkgs_lib: &str, flake_parts: &str, body: &str) -> PathBuf {
    user_flake_with(name, nixpkgs_lib, flake_parts, body, "", "[ ]", "")
}

/// `user_flake` with more inputs (`inputs`: `inputs.<x>.url = …;` lines), more flake-parts
/// modules (`imports`, a Nix list) and more definitions in the flake's module (`more`, e.g.
/// `flake.one = linesOf config.flake.nixInstances.machines.a;`; `linesOf` evaluates a
/// machine's outputs to its `lines`).
fn user_flake_with(
    name: &str,
    nixpkgs_lib: &str,
    flake_parts: &str,
    body: &str,
    inputs: &str,
    imports: &str,
    more: &str,
) -> PathBuf {
    let text = format!(
        r#"{{
  inputs.flake-parts.url = "path:{flake_parts}";
  inputs.nixpkgs-lib.url = "path:{nixpkgs_lib}";
  inputs.flake-parts.inputs.nixpkgs-lib.follows = "nixpkgs-lib";
  inputs.nix-instances.url = "path:{repo}";
  inputs.nix-instances.inputs.nixpkgs.follows = "nixpkgs-lib";
  inputs.other.url = "path:{other}";
  {inputs}
  outputs = inputs@{{ flake-parts, ... }}:
    flake-parts.lib.mkFlake {{ inherit inputs; }} ({{ lib, config, ... }}:
    let
      linesOf = out: (lib.evalModules {{
        modules = [
          {{ options.lines = lib.mkOption {{ type = lib.types.listOf lib.types.str; default = [ ]; }}; }}
          # what clan-core's framework adds to every machine's modules
          {{ options.assertions = lib.mkOption {{ type = lib.types.listOf lib.types.raw; default = [ ]; }}; }}
          {{ options.warnings = lib.mkOption {{ type = lib.types.listOf lib.types.str; default = [ ]; }}; }}
          out.nixosModule
        ];
      }}).config.lines;
    in
    {{
      systems = [ ];
      imports = [ inputs.nix-instances.flakeModules.default ] ++ {imports};
      nixInstances = {body};
      {more}
      flake.report = {{
        inherit (inputs.nix-instances.lib) hasPlugin;
        # The expansion without `instances` (settings are not JSON).
        expanded = removeAttrs config.nixInstances.expanded [ "instances" ];
        machines = lib.mapAttrs (m: out: {{
          files = map (x: x._file) out.nixosModules;
          darwinFiles = map (x: x._file) out.darwinModules;
          inherit ((lib.evalModules {{
            modules = [
              {{
                options.lines = lib.mkOption {{ type = lib.types.listOf lib.types.str; default = [ ]; }};
                options.warnings = lib.mkOption {{ type = lib.types.listOf lib.types.str; default = [ ]; }};
                options.assertions = lib.mkOption {{ type = lib.types.listOf lib.types.raw; default = [ ]; }};
              }}
              out.nixosModule
            ];
          }}).config) lines warnings;
        }}) config.flake.nixInstances.machines;
      }};
    }});
}}
"#,
        repo = repo_copy().display(),
        other = other_flake().display(),
    );
    write_flake(name, &text)
}

fn report(dir: &Path, with_plugin: bool) -> Eval {
    flake_eval(with_plugin, &[&format!("path:{}#report", dir.display())])
}

/// The report with and without the plugin: equal except for `hasPlugin`.
fn report_both(dir: &Path) -> Value {
    let mut native = report(dir, true).json();
    let mut pure = report(dir, false).json();
    assert_eq!(native["hasPlugin"], json!(true));
    assert_eq!(pure["hasPlugin"], json!(false));
    native.as_object_mut().unwrap().remove("hasPlugin");
    pure.as_object_mut().unwrap().remove("hasPlugin");
    assert_eq!(native, pure, "the per-machine modules differ between the plugin and the twin");
    native
}

const INVENTORY: &str = r#"{
  machines.web1.tags = [ "web" ];
  machines.web2.tags = [ "web" ];
  machines.db1 = { };
  machines.mac1.machineClass = "darwin";

  instances.hello = {
    module = { name = "hello"; input = "self"; };
    roles.server.tags.web = { };
    roles.server.settings.greeting = "hi";
    roles.server.machines.web2.settings.port = 8080;
    roles.server.extraModules = [ { lines = [ "extra" ]; } ];
  };
  instances.greet = {
    module = { name = "greeter"; input = "other"; };
    roles.peer.tags = [ "all" ];
    roles.peer.machines.db1.settings.word = "moin";
  };

  modules.hello = {
    roles.server.interface = { lib, ... }: {
      options.greeting = lib.mkOption { type = lib.types.str; };
      options.port = lib.mkOption { type = lib.types.port; default = 80; };
    };
    roles.server.perInstance = { instanceName, settings, machine, roles, ... }: {
      nixosModule.lines = [
        "hello/${instanceName}/${machine.name}: ${settings.greeting} on ${toString settings.port}; servers: ${toString (builtins.attrNames roles.server.machines)}"
      ];
    };
    perMachine = { machine, instances, ... }: {
      nixosModule.lines = [ "hello perMachine ${machine.name}: roles ${toString machine.roles}, instances ${toString (builtins.attrNames instances)}" ];
    };
  };
}"#;

#[test]
fn flake_parts_module_gives_the_same_machine_modules_with_and_without_the_plugin() {
    let Some((lib, fp)) = flake_parts() else { return };
    let dir = user_flake("inventory", &lib, &fp, INVENTORY);
    let r = report_both(&dir);
    let m = &r["machines"];
    assert_eq!(
        m.as_object().unwrap().keys().collect::<Vec<_>>(),
        vec!["db1", "mac1", "web1", "web2"]
    );
    // One module per service module id (sorted); inside, clan-core's order (the clan
    // comparison, tests/clan.rs, checks it).
    let files = json!([
        "nixInstances: service module 'other-greeter' (machine web1)",
        "nixInstances: service module 'self-hello' (machine web1)",
    ]);
    assert_eq!(m["web1"]["files"], files);
    assert_eq!(m["web1"]["darwinFiles"], files);
    // clan-core's warnings for a service without role descriptions and readme.
    let mut warnings: Vec<String> = serde_json::from_value(m["web1"]["warnings"].clone()).unwrap();
    warnings.sort();
    assert_eq!(
        warnings,
        vec![
            "Missing description for role 'peer' of clanService 'other/greeter'",
            "Missing description for role 'server' of clanService 'self/hello'",
            "Missing manifest.readme for clanService 'other/greeter'",
            "Missing manifest.readme for clanService 'self/hello'",
        ]
    );
    // What each machine's NixOS module defines (sorted: the order of list definitions is
    // the module system's business).
    let mut web2: Vec<String> = serde_json::from_value(m["web2"]["lines"].clone()).unwrap();
    web2.sort();
    assert_eq!(
        web2,
        vec![
            "extra",
            "greeter/greet/web2: hello",
            "hello perMachine web2: roles server, instances hello",
            "hello/hello/web2: hi on 8080; servers: web1 web2",
        ]
    );
    assert_eq!(m["db1"]["lines"], json!(["greeter/greet/db1: moin"]));
    assert_eq!(m["mac1"]["lines"], json!(["greeter/greet/mac1: hello"]));
    assert_eq!(r["expanded"]["warnings"], json!([]));
}

#[test]
fn flake_parts_module_exposes_the_raw_expansion() {
    let Some((lib, fp)) = flake_parts() else { return };
    let body = r#"{
  machines.web1.tags = [ "web" ];
  machines.db1 = { };
  instances.hello = {
    module.input = "self";
    roles.server.tags = [ "web" ];
    roles.client.tags.nosuch = { };
  };
  modules.hello.roles = { server = { }; client = { }; };
}"#;
    let dir = user_flake("expanded", &lib, &fp, body);
    let eval = |with_plugin| flake_eval(with_plugin, &[&format!("path:{}#report", dir.display())]);
    let (native, pure) = (eval(true), eval(false));
    let (n, p) = (native.json(), pure.json());
    assert_eq!(n["expanded"], p["expanded"]);
    assert_eq!(
        n["expanded"],
        json!({
            "machines": {
                "db1": { "instances": {}, "tags": ["all", "nixos"] },
                "web1": { "instances": { "hello": { "roles": ["server"] } }, "tags": ["all", "nixos", "web"] },
            },
            "modules": { "self-hello": ["hello"] },
            "tags": { "all": ["db1", "web1"], "darwin": [], "nixos": ["db1", "web1"], "web": ["web1"] },
            "warnings": ["instances.hello.roles.client.tags.nosuch: tag 'nosuch' matches no machine; tags in use: all, nixos, web"],
        })
    );
    // The primop prints the warning, the twin traces it.
    assert!(native.stderr.contains("tag 'nosuch' matches no machine"), "{}", native.stderr);
    assert!(pure.stderr.contains("tag 'nosuch' matches no machine"), "{}", pure.stderr);
}

const HELLO: &str = r#"
  modules.hello = {
    roles.server.interface = { lib, ... }: {
      options.greeting = lib.mkOption { type = lib.types.str; };
      options.port = lib.mkOption { type = lib.types.port; default = 80; };
      options.words = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
    };
    roles.server.perInstance = { settings, extendSettings, ... }: {
      nixosModule.lines = [
        (builtins.toJSON settings)
        (builtins.toJSON (extendSettings { port = lib.mkForce 1; }).port)
      ];
    };
  };
"#;

#[test]
fn settings_merge_through_the_role_interface() {
    let Some((lib, fp)) = flake_parts() else { return };
    let body = format!(
        r#"{{
  machines.web1.tags = [ "web" "eu" ];
  machines.web2.tags = [ "web" ];
  instances.hello = {{
    module.input = "self";
    roles.server.settings = {{ greeting = lib.mkDefault "role"; words = [ "role" ]; }};
    roles.server.tags.web.settings = {{ words = [ "web" ]; }};
    roles.server.tags.eu.settings = {{ words = [ "eu" ]; port = 443; }};
    roles.server.machines.web1.settings = {{ greeting = "machine"; words = [ "machine" ]; }};
  }};
  {HELLO}
}}"#
    );
    let dir = user_flake("settings", &lib, &fp, &body);
    let r = report_both(&dir);
    let lines = |m: &str| -> (Value, Value) {
        let l = r["machines"][m]["lines"].as_array().unwrap();
        (serde_json::from_str(l[0].as_str().unwrap()).unwrap(), l[1].clone())
    };
    let (web1, port1) = lines("web1");
    let (web2, _) = lines("web2");
    // Lists merge across role, machine and tag settings; a machine's definition beats the
    // role's mkDefault; the interface's default applies where nothing is set.
    let mut words1: Vec<String> = serde_json::from_value(web1["words"].clone()).unwrap();
    words1.sort();
    assert_eq!(words1, vec!["eu", "machine", "role", "web"]);
    assert_eq!(web1["greeting"], json!("machine"));
    assert_eq!(web1["port"], json!(443));
    assert_eq!(port1, json!("1"));
    let mut words2: Vec<String> = serde_json::from_value(web2["words"].clone()).unwrap();
    words2.sort();
    assert_eq!(words2, vec!["role", "web"]);
    assert_eq!(web2["greeting"], json!("role"));
    assert_eq!(web2["port"], json!(80));
}

#[test]
fn settings_errors_name_the_option_path() {
    let Some((lib, fp)) = flake_parts() else { return };
    let wrong = format!(
        "{{ machines.web1 = {{ }}; instances.hello.module.input = \"self\"; instances.hello.roles.server.machines.web1.settings.greeting = 42; {HELLO} }}"
    );
    let dir = user_flake("settings-type-error", &lib, &fp, &wrong);
    for with_plugin in [true, false] {
        let e = report(&dir, with_plugin);
        assert_error(&e, "nixInstances.instances.hello.roles.server.machines.web1.settings.greeting");
        assert_error(&e, "is not of type `string'");
    }
    let unset = format!("{{ machines.web1 = {{ }}; instances.hello.module.input = \"self\"; instances.hello.roles.server.machines.web1 = {{ }}; {HELLO} }}");
    let dir = user_flake("settings-unset", &lib, &fp, &unset);
    assert_error(
        &report(&dir, false),
        "The option `nixInstances.instances.hello.roles.server.machines.web1.settings.greeting' was accessed but has no value defined",
    );
}

#[test]
fn module_resolution_errors_list_what_exists() {
    let Some((lib, fp)) = flake_parts() else { return };
    let cases = [
        (
            "instances.hello.module = { name = \"hello\"; input = \"othr\"; };",
            "nixInstances.instances.hello.module.input: no flake input named 'othr' (did you mean 'other'?); \
             inputs: flake-parts, nix-instances, nixpkgs-lib, other, self",
        ),
        (
            "instances.hello.module = { name = \"helo\"; input = \"self\"; };",
            "nixInstances.instances.hello.module.name: this flake's nixInstances.modules (module.input = \"self\") \
             has no module named 'helo' (did you mean 'hello'?); its modules: hello",
        ),
        (
            "instances.hello.module = { name = \"gretter\"; input = \"other\"; };",
            "nixInstances.instances.hello.module.name: flake input 'other' (module.input = \"other\") has no module \
             named 'gretter' (did you mean 'greeter'?); its modules: greeter, legacy",
        ),
        (
            "instances.hello.module = { name = \"hello\"; input = \"flake-parts\"; };",
            "nixInstances.instances.hello.module.input: flake input 'flake-parts' has no nixInstances.modules or \
             clan.modules; it is in this flake's nixInstances.modules (module.input = \"self\"): set `module.input = \"self\"`",
        ),
        // `input = null` is clan-core's modules, as in clan-core; this flake has no clan-core.
        (
            "instances.hello.module.name = \"hello\";",
            "nixInstances.instances.hello.module.input: module.input is null, which means clan-core's modules, but \
             there is no clan-core flake (no `clan-core` input; set nixInstances.clanCore); it is in this flake's \
             nixInstances.modules (module.input = \"self\"): set `module.input = \"self\"`",
        ),
        // The name exists, but elsewhere (this flake, clan-core): the error says which
        // `input` to write.
        (
            "instances.hello.module = { name = \"hello\"; input = \"other\"; };",
            "nixInstances.instances.hello.module.name: flake input 'other' (module.input = \"other\") has no module \
             named 'hello'; it is in this flake's nixInstances.modules (module.input = \"self\"): set \
             `module.input = \"self\"`; its modules: greeter, legacy",
        ),
        // Other inputs are not searched (that could evaluate any of them): no hint.
        (
            "instances.hello.module = { name = \"greeter\"; input = \"self\"; };",
            "nixInstances.instances.hello.module.name: this flake's nixInstances.modules (module.input = \"self\") \
             has no module named 'greeter'; its modules: hello",
        ),
        // Checked by the expansion against the module's roles: the same message either way.
        (
            "instances.hello.module.input = \"self\"; instances.hello.roles.srever.machines.web1 = { };",
            "instances.hello.roles.srever: module 'self-hello' has no role 'srever' (did you mean 'server'?); \
             its roles: server",
        ),
    ];
    for (k, (inst, msg)) in cases.iter().enumerate() {
        let body = format!(
            "{{ machines.web1 = {{ }}; instances.hello.roles.server.machines.web1.settings.greeting = \"hi\"; {inst} {HELLO} }}"
        );
        let dir = user_flake(&format!("resolution-{k}"), &lib, &fp, &body);
        for with_plugin in [true, false] {
            assert_error(&report(&dir, with_plugin), msg);
        }
    }
    // A clan module from an input resolves (its role `x` has no perInstance: an empty module).
    let body = "{ machines.web1 = { }; instances.l = { module = { name = \"legacy\"; input = \"other\"; }; \
                roles.x.machines.web1 = { }; }; }";
    let dir = user_flake("resolution-clan", &lib, &fp, body);
    assert_eq!(report_both(&dir)["machines"]["web1"]["lines"], json!([]));
}

#[test]
fn one_module_has_one_id() {
    let Some((lib, fp)) = flake_parts() else { return };
    let clan_core = format!("inputs.clan-core.url = \"path:{}\";", clan_core_flake().display());
    // `input = null` and `input = "clan-core"` (the clan-core flake itself) are one module:
    // one id, so maxInstances = 1 sees both instances.
    let body = "{ machines.web1 = { }; \
                instances.a = { module.name = \"single\"; roles.r.machines.web1 = { }; }; \
                instances.b = { module = { name = \"single\"; input = \"clan-core\"; }; roles.r.machines.web1 = { }; }; }";
    let dir = user_flake_with("one-id-two-refs", &lib, &fp, body, &clan_core, "[ ]", "");
    for with_plugin in [true, false] {
        assert_error(&report(&dir, with_plugin), "instances.b: module '<clan-core>-single' allows at most 1 instances; used by a, b");
    }
    // One instance through the input name: the module's id is clan-core's, perMachine runs once.
    let body = "{ machines.web1 = { }; \
                instances.b = { module = { name = \"single\"; input = \"clan-core\"; }; roles.r.machines.web1 = { }; }; }";
    let dir = user_flake_with("one-id", &lib, &fp, body, &clan_core, "[ ]", "");
    let r = report_both(&dir);
    assert_eq!(r["expanded"]["modules"], json!({ "<clan-core>-single": ["b"] }));
    assert_eq!(r["machines"]["web1"]["lines"], json!(["single perMachine web1: b"]));
    // `input = null` with a clan-core input: clan-core's module.
    let body = "{ machines.web1 = { }; instances.a = { module.name = \"single\"; roles.r.machines.web1 = { }; }; }";
    let dir = user_flake_with("clan-core-default", &lib, &fp, body, &clan_core, "[ ]", "");
    assert_eq!(report_both(&dir)["machines"]["web1"]["lines"], json!(["single perMachine web1: a"]));
    // Resolving evaluates only the source named: an input whose outputs throw, and clan-core
    // itself, are not touched when the modules come from this flake and `other`.
    let inputs = format!("{clan_core} inputs.unused.url = \"path:{}\";", throwing_nixpkgs().display());
    let body = "{ machines.web1 = { }; \
                instances.g = { module = { name = \"greeter\"; input = \"other\"; }; roles.peer.machines.web1 = { }; }; }";
    let dir = user_flake_with("resolve-lazily", &lib, &fp, body, &inputs, "[ ]", "");
    assert_eq!(report_both(&dir)["machines"]["web1"]["lines"], json!(["greeter/g/web1: hello"]));
}

#[test]
fn one_machine_evaluates_only_its_own_settings_and_modules() {
    let Some((lib, fp)) = flake_parts() else { return };
    let body = format!(
        r#"{{
  machines.web1 = {{ }};
  machines.web2 = {{ }};
  instances.hello = {{
    module.input = "self";
    roles.server.machines.web1.settings.greeting = "hi";
    roles.server.machines.web2.settings = throw "web2's settings were evaluated";
  }};
  instances.solo = {{
    module = {{ name = "hello"; input = "self"; }};
    roles.server.machines.web2.settings.greeting = throw "solo's settings were evaluated";
    roles.server.extraModules = [ (throw "solo's extraModules were evaluated") ];
  }};
  {HELLO}
}}"#
    );
    let dir = user_flake("lazy-machines", &lib, &fp, &body);
    for with_plugin in [true, false] {
        let e = flake_eval(with_plugin, &[&format!("path:{}#report.machines.web1.lines", dir.display())]);
        let lines = e.json();
        assert_eq!(lines.as_array().unwrap().len(), 2, "{lines}");
        // The sentinels are real: web2 does evaluate them.
        let e = flake_eval(with_plugin, &[&format!("path:{}#report.machines.web2.lines", dir.display())]);
        assert_error(&e, "were evaluated");
    }
}

#[test]
fn tags_may_be_a_module_of_the_machines() {
    let Some((lib, fp)) = flake_parts() else { return };
    // As clan-core's `inventory.tags`: `machines` as an argument, `config` the tags with the
    // computed ones; setting a computed tag replaces it.
    let body = r#"{
  machines.web1 = { };
  machines.mac1.machineClass = "darwin";
  tags = { config, machines, ... }: {
    backup = builtins.attrNames machines;
    notMac = builtins.filter (m: m != "mac1") config.all;
    darwin = [ ];
  };
}"#;
    let dir = user_flake("tags-module", &lib, &fp, body);
    let r = report_both(&dir);
    assert_eq!(
        r["expanded"]["tags"],
        json!({ "all": ["mac1", "web1"], "backup": ["mac1", "web1"], "darwin": [], "nixos": ["web1"], "notMac": ["web1"] })
    );
}

// ------------------------------------------------------------------------------------------
// The module system's promises (issue 18, points 1-5).

/// A service module that says which machine got it, and nothing else.
const PLAIN: &str = r#"
  modules.plain.roles.server.perInstance = { instanceName, machine, ... }: {
    nixosModule.lines = [ "${instanceName}/${machine.name}" ];
  };
  modules.plain.roles.client = { };
"#;

/// An inventory with an entry at every attribute-set level under `lib.mkIf COND` (or
/// `mkMerge`, or both), whose contents are `SENTINEL`s when discharged.
const DISCHARGED: &str = r#"{
  machines.a.tags = [ "web" ];
  machines.b = { };
  machines.gone = lib.mkIf COND (SENTINEL "a machine" { });
  machines.gone2 = lib.mkMerge [ (lib.mkIf COND { }) ];
  instances.i = {
    module = { name = "plain"; input = "self"; };
    roles.server.machines.a = { };
    roles.server.machines.b = lib.mkIf COND { };
    roles.server.tags.all = lib.mkIf COND { };
    roles.server.tags.web = lib.mkMerge [ (lib.mkIf COND { }) ];
    roles.client = lib.mkIf true (lib.mkIf COND { machines.b = { }; });
  };
  instances.j = lib.mkIf COND (SENTINEL "an instance" { module = { name = "plain"; input = "self"; }; roles.server.machines.gone = { }; });
  tags.static = lib.mkIf COND [ "b" ];
  modules.gone = lib.mkIf COND (SENTINEL "a service module" { });
  PLAIN
}"#;

fn discharged_inventory(cond: bool) -> String {
    let sentinel = if cond { "(_: x: x)" } else { "(what: _: throw \"sentinel: discharged ${what} was evaluated\")" };
    DISCHARGED.replace("COND", &cond.to_string()).replace("SENTINEL", sentinel).replace("PLAIN", PLAIN)
}

#[test]
fn a_discharged_definition_drops_the_entry_at_every_level() {
    let Some((lib, fp)) = flake_parts() else { return };
    // Several files: an entry stays when one of its definitions is not discharged, and goes
    // when all are.
    let imports = r#"[
      { _file = "one.nix"; nixInstances.instances.i.roles.server.machines.b = lib.mkMerge [ (lib.mkIf false { }) ]; }
      { _file = "two.nix"; nixInstances.instances.i.roles.server.machines.b = lib.mkIf false { }; }
      { _file = "one.nix"; nixInstances.machines.c = lib.mkIf false { }; }
      { _file = "two.nix"; nixInstances.machines.c = { tags = [ "late" ]; }; }
    ]"#;
    let more = "flake.moduleNames = builtins.attrNames config.flake.nixInstances.modules;";
    let dir = user_flake_with("discharged", &lib, &fp, &discharged_inventory(false), "", imports, more);
    let r = report_both(&dir);
    assert_eq!(
        r["expanded"]["machines"],
        json!({
            "a": { "instances": { "i": { "roles": ["server"] } }, "tags": ["all", "nixos", "web"] },
            "b": { "instances": {}, "tags": ["all", "nixos"] },
            "c": { "instances": {}, "tags": ["all", "late", "nixos"] },
        })
    );
    assert_eq!(r["expanded"]["modules"], json!({ "self-plain": ["i"] }));
    assert_eq!(r["machines"]["a"]["lines"], json!(["i/a"]));
    assert_eq!(r["machines"]["b"]["lines"], json!([]));
    // A static tag whose definitions are all discharged has no members. (Its name stays, with
    // no machines: `tags` is a lazy attribute set, as clan-core's `inventory.tags`.)
    assert_eq!(r["expanded"]["tags"]["static"], json!([]));
    assert_eq!(r["expanded"]["warnings"], json!([]));
    for with_plugin in [true, false] {
        let e = flake_eval(with_plugin, &[&format!("path:{}#moduleNames", dir.display())]);
        assert_eq!(e.json(), json!(["plain"]));
    }
    // Not vacuous: with `mkIf true`, every entry is there.
    let dir = user_flake_with("discharged-not", &lib, &fp, &discharged_inventory(true), "", imports, more);
    let r = report_both(&dir);
    let mut names: Vec<&String> = r["expanded"]["machines"].as_object().unwrap().keys().collect();
    names.sort();
    assert_eq!(names, ["a", "b", "c", "gone", "gone2"]);
    assert_eq!(r["expanded"]["modules"], json!({ "self-plain": ["i", "j"] }));
    assert_eq!(r["expanded"]["machines"]["b"]["instances"], json!({ "i": { "roles": ["client", "server"] } }));
    let mut gone: Vec<String> = serde_json::from_value(r["machines"]["gone"]["lines"].clone()).unwrap();
    gone.sort();
    assert_eq!(gone, ["i/gone", "j/gone"]);
    assert_eq!(r["expanded"]["tags"]["static"], json!(["b"]));
    assert_eq!(r["expanded"]["tags"]["all"], json!(["a", "b", "c", "gone", "gone2"]));
    assert_eq!(flake_eval(false, &[&format!("path:{}#moduleNames", dir.display())]).json(), json!(["gone", "plain"]));
    // `meta`: a discharged definition leaves clan-core's default (description: null).
    let body = r#"{
  meta = { name = "c"; description = lib.mkIf false (throw "sentinel: discharged meta"); icon = lib.mkIf true "i"; };
  machines.a = { };
  instances.m = { module = { name = "m"; input = "self"; }; roles.r.machines.a = { }; };
  modules.m = { meta, ... }: {
    roles.r.perInstance = { meta, ... }: {
      nixosModule.lines = [ (builtins.toJSON { inherit (meta) name description icon domain; }) ];
    };
    # The service module itself gets the same `meta`, as in clan-core.
    perMachine.nixosModule.lines = [ (builtins.toJSON { inherit (meta) name description icon domain; }) ];
  };
}"#;
    let dir = user_flake("discharged-meta", &lib, &fp, body);
    let lines = report_both(&dir)["machines"]["a"]["lines"].clone();
    assert_eq!(lines.as_array().unwrap().len(), 2, "{lines}");
    for line in lines.as_array().unwrap() {
        let meta: Value = serde_json::from_str(line.as_str().unwrap()).unwrap();
        assert_eq!(meta, json!({ "name": "c", "description": null, "icon": "i", "domain": "clan" }));
    }
}

#[test]
fn unmatched_role_tags_warn_with_and_without_the_plugin() {
    let Some((lib, fp)) = flake_parts() else { return };
    // Only one machine's module is evaluated, as a deploy does: nothing reads `expanded`.
    let body = format!(
        r#"{{
  machines.a.tags = [ "web" ];
  machines.b = {{ }};
  instances.i = {{
    module = {{ name = "plain"; input = "self"; }};
    roles.server.machines.a = {{ }};
    roles.server.tags.wbe = {{ }};
  }};
  {PLAIN}
}}"#
    );
    let more = "flake.a = linesOf config.flake.nixInstances.machines.a; flake.b = linesOf config.flake.nixInstances.machines.b;";
    let dir = user_flake_with("tag-warning", &lib, &fp, &body, "", "[ ]", more);
    let warning = "instances.i.roles.server.tags.wbe: tag 'wbe' matches no machine (did you mean 'web'?); tags in use: all, nixos, web";
    for with_plugin in [true, false] {
        for machine in ["a", "b"] {
            let e = flake_eval(with_plugin, &[&format!("path:{}#{machine}", dir.display())]);
            assert!(e.success, "{}", e.stderr);
            assert_eq!(e.stderr.matches(warning).count(), 1, "plugin {with_plugin}, machine {machine}:\n{}", e.stderr);
        }
    }
    // Not vacuous: a tag that matches warns of nothing.
    let dir = user_flake_with("tag-no-warning", &lib, &fp, &body.replace("wbe", "web"), "", "[ ]", more);
    for with_plugin in [true, false] {
        let e = flake_eval(with_plugin, &[&format!("path:{}#a", dir.display())]);
        assert_eq!(e.json(), json!(["i/a"]));
        assert!(!e.stderr.contains("matches no machine"), "{}", e.stderr);
    }
}

#[test]
fn a_misspelt_module_name_looks_at_no_other_input() {
    let Some((lib, fp)) = flake_parts() else { return };
    // An input that throws when evaluated, next to a clan-core that does too: the error is
    // about the user's mistake, and searching for the name elsewhere evaluates neither.
    let throwing = throwing_nixpkgs().display().to_string();
    let inputs = format!("inputs.broken.url = \"path:{throwing}\"; inputs.clan-core.url = \"path:{throwing}\";");
    let cases = [
        (
            "instances.i.module = { name = \"plian\"; input = \"self\"; };",
            "nixInstances.instances.i.module.name: this flake's nixInstances.modules (module.input = \"self\") has no \
             module named 'plian' (did you mean 'plain'?); its modules: plain",
        ),
        (
            "instances.i.module = { name = \"plain\"; input = \"other\"; };",
            "nixInstances.instances.i.module.name: flake input 'other' (module.input = \"other\") has no module named \
             'plain'; it is in this flake's nixInstances.modules (module.input = \"self\"): set `module.input = \"self\"`; \
             its modules: greeter, legacy",
        ),
        (
            "instances.i.module = { name = \"plain\"; input = \"flake-parts\"; };",
            "nixInstances.instances.i.module.input: flake input 'flake-parts' has no nixInstances.modules or clan.modules; \
             it is in this flake's nixInstances.modules (module.input = \"self\"): set `module.input = \"self\"`",
        ),
    ];
    for (k, (inst, msg)) in cases.iter().enumerate() {
        let body = format!("{{ machines.a = {{ }}; instances.i.roles.server.machines.a = {{ }}; {inst} {PLAIN} }}");
        let dir = user_flake_with(&format!("misspelt-{k}"), &lib, &fp, &body, &inputs, "[ ]", "");
        for with_plugin in [true, false] {
            let e = report(&dir, with_plugin);
            assert_error(&e, msg);
            assert!(!e.stderr.contains("nixpkgs was evaluated"), "an input was evaluated:\n{}", e.stderr);
        }
    }
    // Not vacuous: the broken inputs do throw when they are looked at.
    let body = format!("{{ machines.a = {{ }}; instances.i = {{ module.input = \"broken\"; roles.server.machines.a = {{ }}; }}; {PLAIN} }}");
    let dir = user_flake_with("misspelt-broken", &lib, &fp, &body, &inputs, "[ ]", "");
    assert_error(&report(&dir, false), "nixpkgs was evaluated");
}

#[test]
fn names_a_user_may_write_do_not_collide_with_internals() {
    let Some((lib, fp)) = flake_parts() else { return };
    // clan-core's removed `inventory.services`, as a clan moved here may still have it: an
    // error naming the definition and what to write, as clan-core's, not a recursion.
    let services = r#"[ { _file = "old.nix"; nixInstances.services.borgbackup.home = {
        roles.client.machines = [ "a" ]; roles.server.machines = [ "a" ]; }; } ]"#;
    let body = format!("{{ machines.a = {{ }}; instances.i = {{ module.input = \"self\"; module.name = \"plain\"; roles.server.machines.a = {{ }}; }}; {PLAIN} }}");
    let dir = user_flake_with("services", &lib, &fp, &body, "", services, "");
    for with_plugin in [true, false] {
        let e = report(&dir, with_plugin);
        assert_error(&e, "The option definition `nixInstances.services' in `old.nix' has no effect; please remove it.");
        assert_error(&e, "write `nixInstances.instances` instead");
        assert_error(&e, "migrate-inventory-services");
        assert!(!e.stderr.contains("infinite recursion"), "{}", e.stderr);
    }
    // Discharged, it is not defined: no error.
    let services_off = r#"[ { _file = "old.nix"; nixInstances.services = lib.mkIf false { x = { }; }; } ]"#;
    let dir = user_flake_with("services-off", &lib, &fp, &body, "", services_off, "");
    assert_eq!(report_both(&dir)["machines"]["a"]["lines"], json!(["i/a"]));
    // The module's own internals are under `_internal`: the names they had are the user's to
    // misspell, with the module system's error.
    for name in ["refs", "serviceValidation", "serviceMeta", "serviceResults", "resultExports"] {
        let imports = format!("[ {{ _file = \"mine.nix\"; nixInstances.{name} = {{ }}; }} ]");
        let dir = user_flake_with(&format!("internal-{name}"), &lib, &fp, &body, "", &imports, "");
        let e = report(&dir, false);
        assert_error(&e, &format!("The option `nixInstances.{name}' does not exist"));
        assert!(!e.stderr.contains("infinite recursion"), "{}", e.stderr);
    }
}

#[test]
fn expansion_errors_name_the_option_path_and_file() {
    let Some((lib, fp)) = flake_parts() else { return };
    let body = format!(
        "{{ machines.db2 = {{ }}; instances.web = {{ module = {{ name = \"plain\"; input = \"self\"; }}; \
         roles.server.machines.db2 = {{ }}; }}; {PLAIN} }}"
    );
    // One error: its path under `nixInstances`, and the file that wrote it.
    let imports = r#"[ { _file = "bad.nix"; nixInstances.instances.web.roles.server.machines.db3 = { }; } ]"#;
    let dir = user_flake_with("located-one", &lib, &fp, &body, "", imports, "");
    for with_plugin in [true, false] {
        assert_error(
            &report(&dir, with_plugin),
            "nixInstances.instances.web.roles.server.machines.db3: no machine named 'db3' (did you mean 'db2'?). \
             Defined in `bad.nix'.",
        );
    }
    // Module references are resolved by the module itself: the same, with the file.
    let imports = r#"[ { _file = "ref.nix"; nixInstances.instances.web2 = {
      module = { name = "plian"; input = "self"; }; roles.server.machines.db2 = { }; }; } ]"#;
    let dir = user_flake_with("located-ref", &lib, &fp, &body, "", imports, "");
    for with_plugin in [true, false] {
        assert_error(
            &report(&dir, with_plugin),
            "nixInstances.instances.web2.module.name: this flake's nixInstances.modules (module.input = \"self\") has no \
             module named 'plian' (did you mean 'plain'?); its modules: plain. Defined in `ref.nix'.",
        );
    }
    // Several: each line so. A static tag's machine names the tag's file; a role the
    // instance does not have (a constraint) the files of the closest thing written: the
    // instance's roles.
    let imports = r#"[
      { _file = "bad.nix"; nixInstances.instances.web.roles.srever.machines.db2 = { }; }
      { _file = "tags.nix"; nixInstances.tags.backup = [ "db2" "db9" ]; }
      { _file = "more.nix"; nixInstances.instances.web.roles.server.tags = [ "backup" ]; }
      { _file = "constraint.nix"; nixInstances.modules.plain.manifest.constraints.roles.client.minMachines = 1; }
    ]"#;
    let dir = user_flake_with("located-many", &lib, &fp, &body, "", imports, "");
    for with_plugin in [true, false] {
        let e = report(&dir, with_plugin);
        assert_error(&e, "3 errors in the inventory:");
        assert_error(
            &e,
            "nixInstances.instances.web.roles.srever: module 'self-plain' has no role 'srever' (did you mean 'server'?); \
             its roles: client, server. Defined in `bad.nix'.",
        );
        assert_error(&e, "nixInstances.tags.backup[1]: no machine named 'db9' (did you mean 'db2'?). Defined in `tags.nix'.");
        let client = e.stderr.lines().find(|l| l.contains("roles.client: module")).unwrap_or_else(|| panic!("{}", e.stderr));
        assert!(
            client.contains("nixInstances.instances.web.roles.client: module 'self-plain' needs at least 1 machines in role 'client', got 0. Defined in `"),
            "{client}"
        );
        for file in ["flake.nix'", "bad.nix'", "more.nix'"] {
            assert!(client.contains(file), "{client}");
        }
        assert!(!client.contains("tags.nix") && !client.contains("constraint.nix"), "{client}");
    }
}

/// An exporting and a reading service, and an export interface of this flake.
const EXPORTS: &str = r#"
  exportInterfaces.net = { lib, ... }: {
    options.priority = lib.mkOption { type = lib.types.int; default = 1; };
  };
  modules.exporter = { config, lib, ... }: {
    manifest.name = "exporter";
    manifest.exports.out = [ "net" ];
    exports = lib.mapAttrs' (i: _: lib.nameValuePair "exporter:${i}::" { net.priority = 7; }) config.instances;
    roles.peer.perInstance = { mkExports, machine, ... }: {
      exports = mkExports { net.priority = builtins.stringLength machine.name; };
    };
    perMachine = { mkExports, ... }: {
      exports = mkExports { net = { }; };
      # The service's own `exports` holds its results' exports too, as in clan-core.
      nixosModule.lines = [ "own: ${toString (builtins.attrNames config.exports)}" ];
    };
  };
  modules.reader.roles.peer.perInstance = { exports, ... }: {
    nixosModule.lines = lib.mapAttrsToList (k: e: "${k}=${toString e.net.priority}") exports;
  };
"#;

#[test]
fn exports_reach_every_service() {
    let Some((lib, fp)) = flake_parts() else { return };
    let body = format!(
        r#"{{
  machines.a = {{ }};
  machines.bb = {{ }};
  instances.e = {{ module = {{ name = "exporter"; input = "self"; }}; roles.peer.machines = {{ a = {{ }}; bb = {{ }}; }}; }};
  instances.r = {{ module = {{ name = "reader"; input = "self"; }}; roles.peer.machines.a = {{ }}; }};
  {EXPORTS}
}}"#
    );
    let dir = user_flake("exports", &lib, &fp, &body);
    let r = report_both(&dir);
    let mut lines: Vec<String> = serde_json::from_value(r["machines"]["a"]["lines"].clone()).unwrap();
    lines.sort();
    assert_eq!(
        lines,
        vec![
            "exporter:::a=1",
            "exporter:::bb=1",
            "exporter:e::=7",
            "exporter:e:peer:a=1",
            "exporter:e:peer:bb=2",
            "own: exporter:::a exporter:::bb exporter:e:: exporter:e:peer:a exporter:e:peer:bb",
        ]
    );
    // Exports are checked against their scope and the service's interfaces.
    let cases = [
        (
            "modules.bad.roles.peer.perInstance = { ... }: { exports.\"exporter:e:peer:a\".net = { }; };",
            "export scope key \"exporter:e:peer:a\" has service name 'exporter', expected 'bad'",
        ),
        (
            "modules.bad.roles.peer.perInstance = { mkExports, ... }: { exports = mkExports { net = { }; }; };",
            "service 'bad' exports \"bad:b:peer:a\" but names no export interface in `manifest.exports.out`",
        ),
        (
            "modules.bad = { manifest.exports.out = [ \"nett\" ]; roles.peer.perInstance = { mkExports, ... }: { exports = mkExports { net = { }; }; }; };",
            "service 'bad' exports through the interface 'nett' (manifest.exports.out), which does not exist (did you mean 'net'?); interfaces: net",
        ),
    ];
    for (k, (module, msg)) in cases.iter().enumerate() {
        let body = format!(
            r#"{{
  machines.a = {{ }};
  instances.b = {{ module = {{ name = "bad"; input = "self"; }}; roles.peer.machines.a = {{ }}; }};
  instances.r = {{ module = {{ name = "reader"; input = "self"; }}; roles.peer.machines.a = {{ }}; }};
  {module}
  {EXPORTS}
}}"#
        );
        let dir = user_flake(&format!("exports-{k}"), &lib, &fp, &body);
        assert_error(&report(&dir, false), msg);
    }
}

#[test]
fn manifest_constraints_reach_the_expansion() {
    let Some((lib, fp)) = flake_parts() else { return };
    let module = r#"modules.hello = {
    manifest.constraints.maxInstances = 1;
    manifest.constraints.roles.server.maxMachines = 1;
    roles.server = { };
  };"#;
    let cases = [
        (
            "instances.a = { module = { name = \"hello\"; input = \"self\"; }; roles.server.machines.web1 = { }; }; \
             instances.b = { module = { name = \"hello\"; input = \"self\"; }; roles.server.machines.web1 = { }; };",
            "instances.b: module 'self-hello' allows at most 1 instances; used by a, b",
        ),
        (
            "instances.hello = { module.input = \"self\"; roles.server.machines = { web1 = { }; web2 = { }; }; };",
            "instances.hello.roles.server: module 'self-hello' needs at most 1 machines in role 'server', got 2",
        ),
    ];
    for (k, (inst, msg)) in cases.iter().enumerate() {
        let body = format!("{{ machines.web1 = {{ }}; machines.web2 = {{ }}; {inst} {module} }}");
        let dir = user_flake(&format!("constraints-{k}"), &lib, &fp, &body);
        for with_plugin in [true, false] {
            assert_error(&report(&dir, with_plugin), msg);
        }
    }
    // clan-core's types: a constraint of 0 is not a positive integer.
    let body = "{ machines.web1 = { }; instances.hello = { module.input = \"self\"; roles.server.machines.web1 = { }; }; \
                modules.hello = { manifest.constraints.maxInstances = 0; roles.server = { }; }; }";
    let dir = user_flake("constraints-zero", &lib, &fp, body);
    assert_error(&report(&dir, false), "manifest.constraints.maxInstances");
}

/// The inventory of `split_definitions_merge_like_one_definition`, in one definition.
const ONE_FILE: &str = r#"{
  machines.web1.tags = [ "web" "eu" ];
  machines.web2 = { tags = [ "web" ]; deploy.targetHost = "web2.example.org"; };
  machines.db1 = { };
  machines.mac1.machineClass = "darwin";
  instances.hello = {
    module.input = "self";
    roles.server.tags = [ "web" ];
    roles.server.settings.greeting = lib.mkDefault "hi";
    roles.server.machines.db1.settings = { greeting = "db"; words = [ "db" ]; };
    roles.server.machines.mac1 = { };
  };
  instances.other = {
    module = { name = "hello"; input = "self"; };
    roles.server.machines.web1.settings.port = 8080;
    roles.server.tags.eu.settings.words = [ "eu" ];
    roles.server.settings.greeting = "other";
  };
  HELLO_MODULES
}"#;

/// The same inventory over four modules (`_file` names them), with mkIf, mkMerge and
/// mkDefault at several levels.
const SPLIT_FILES: &str = r#"[
  {
    _file = "machines-a.nix";
    nixInstances.machines = {
      web1.tags = [ "web" ];
      web2.deploy.targetHost = "web2.example.org";
      db1 = { };
    };
  }
  ({ lib, ... }: {
    _file = "machines-b.nix";
    nixInstances.machines.web1.tags = lib.mkIf true [ "eu" ];
    nixInstances.machines.web2 = lib.mkMerge [ { tags = [ "web" ]; } { machineClass = lib.mkDefault "nixos"; } ];
    nixInstances.machines.mac1 = lib.mkIf true { machineClass = "darwin"; };
  })
  ({ lib, ... }: {
    _file = "hello.nix";
    nixInstances.instances.hello = {
      module.input = lib.mkDefault "self";
      roles.server.tags = [ "web" ];
      # A machine's settings are one definition, as in clan-core (one file).
      roles.server.machines.db1.settings = { greeting = "db"; words = [ "db" ]; };
    };
    nixInstances.instances.other.roles.server = lib.mkIf false { machines.web2 = { }; };
  })
  ({ lib, ... }: {
    _file = "more.nix";
    nixInstances.instances.hello.roles.server = {
      settings.greeting = lib.mkDefault "hi";
      machines.db1 = { };
      machines.mac1 = { };
    };
    nixInstances.instances.other = lib.mkMerge [
      { module = { name = "hello"; input = "self"; }; }
      { roles.server.machines.web1.settings.port = 8080; roles.server.settings.greeting = "other"; }
      { roles.server.tags.eu.settings.words = [ "eu" ]; }
    ];
  })
]"#;

#[test]
fn split_definitions_merge_like_one_definition() {
    let Some((lib, fp)) = flake_parts() else { return };
    let modules = HELLO;
    let one = user_flake("merge-one", &lib, &fp, &ONE_FILE.replace("HELLO_MODULES", &modules));
    let split = user_flake_with("merge-split", &lib, &fp, &format!("{{ {modules} }}"), "", SPLIT_FILES, "");
    let (a, b) = (report_both(&one), report_both(&split));
    assert_eq!(a, b, "an inventory split over modules gives another result than in one definition");
    // Not vacuous: both instances reached their machines, definitions merged across files.
    let web1: Vec<String> = serde_json::from_value(a["machines"]["web1"]["lines"].clone()).unwrap();
    assert!(web1.iter().any(|l| l.contains("\"port\":8080") && l.contains("\"words\":[\"eu\"]")), "{web1:?}");
    let db1: Vec<String> = serde_json::from_value(a["machines"]["db1"]["lines"].clone()).unwrap();
    assert!(db1.iter().any(|l| l.contains("\"greeting\":\"db\"") && l.contains("\"words\":[\"db\"]")), "{db1:?}");
    assert_eq!(a["expanded"]["machines"]["web1"]["tags"], json!(["all", "eu", "nixos", "web"]));
    assert_eq!(a["expanded"]["machines"]["mac1"]["tags"], json!(["all", "darwin"]));
}

#[test]
fn conflicting_definitions_name_their_files() {
    let Some((lib, fp)) = flake_parts() else { return };
    let cases = [
        (
            r#"[ { _file = "a.nix"; nixInstances.instances.hello.module.name = "hello"; }
                { _file = "b.nix"; nixInstances.instances.hello.module.name = "other"; } ]"#,
            "nixInstances.instances.hello.module.name",
        ),
        (
            r#"[ { _file = "a.nix"; nixInstances.machines.web1.machineClass = "nixos"; }
                { _file = "b.nix"; nixInstances.machines.web1.machineClass = "darwin"; } ]"#,
            "nixInstances.machines.web1.machineClass",
        ),
        (
            r#"[ { _file = "a.nix"; nixInstances.instances.hello.module.input = "self"; }
                { _file = "b.nix"; nixInstances.instances.hello.module.input = "other"; } ]"#,
            "nixInstances.instances.hello.module.input",
        ),
    ];
    for (k, (imports, path)) in cases.iter().enumerate() {
        let body = format!("{{ machines.web1 = {{ }}; instances.hello.module.input = \"self\"; {HELLO} }}");
        let dir = user_flake_with(&format!("conflict-{k}"), &lib, &fp, &body, "", imports, "");
        for with_plugin in [true, false] {
            let e = report(&dir, with_plugin);
            assert_error(&e, path);
            assert_error(&e, "a.nix");
            assert_error(&e, "b.nix");
        }
    }
}

#[test]
fn inventory_type_errors_name_the_option_path() {
    let Some((lib, fp)) = flake_parts() else { return };
    let cases = [
        // Checked by the option types, with the option path and the defining file.
        ("instances.web.roles.server.machines.db2 = 5;", "nixInstances.instances.web.roles.server.machines.db2"),
        ("instances.web.roles.server.machines = [ \"db2\" ];", "nixInstances.instances.web.roles.server.machines"),
        ("machines.db2.tags = \"web\";", "nixInstances.machines.db2.tags"),
        ("machines.db2.tags = [ 1 ];", "nixInstances.machines.db2.tags"),
        ("machines.db2.machineClass = \"windows\";", "nixInstances.machines.db2.machineClass"),
        ("instances.web.module.name = 1;", "nixInstances.instances.web.module.name"),
        ("instances.web.roles.server.tags = 1;", "nixInstances.instances.web.roles.server.tags"),
        ("instances.web.roles.server.settings = 1;", "nixInstances.instances.web.roles.server.settings"),
        ("tags.web = \"db2\";", "nixInstances.tags.web"),
        // Unknown attributes: the option path, a did-you-mean, the file.
        (
            "instances.web.rolez = { };",
            "The option `nixInstances.instances.web.rolez' does not exist (did you mean 'roles'?)",
        ),
        (
            "instances.web.roles.server.machines.db2.setings = { };",
            "The option `nixInstances.instances.web.roles.server.machines.db2.setings' does not exist (did you mean 'settings'?)",
        ),
        // Cross references: the expansion's own check, with its path.
        (
            "instances.web.roles.server.machines.db3 = { };",
            "nixInstances.instances.web.roles.server.machines.db3: no machine named 'db3' (did you mean 'db2'?). Defined in `bad.nix'.",
        ),
    ];
    for (k, (bad, msg)) in cases.iter().enumerate() {
        let body = format!(
            "{{ machines.db2 = {{ }}; instances.web = {{ module = {{ name = \"hello\"; input = \"self\"; }}; \
             roles.server.machines.db2.settings.greeting = \"hi\"; }}; {HELLO} }}"
        );
        let imports = format!("[ {{ _file = \"bad.nix\"; nixInstances = {{ {bad} }}; }} ]");
        let dir = user_flake_with(&format!("type-error-{k}"), &lib, &fp, &body, "", &imports, "");
        for with_plugin in [true, false] {
            let e = report(&dir, with_plugin);
            assert_error(&e, msg);
            assert_error(&e, "bad.nix");
        }
    }
}

#[test]
fn one_machine_evaluates_no_other_machines_settings_or_results() {
    let Some((lib, fp)) = flake_parts() else { return };
    // Everything of machine `b` throws; so do the structure's leaves the expansion never
    // needs (machine attributes, role settings of a role `a` is not in).
    let body = r#"{
  machines.a = { };
  machines.b = {
    tags = [ "bees" ];
    description = throw "sentinel: machines.b.description";
    installedAt = throw "sentinel: machines.b.installedAt";
    deploy.targetHost = throw "sentinel: machines.b.deploy.targetHost";
  };
  instances.s = {
    module.input = "self";
    roles.server.machines.a.settings.greeting = "a";
    roles.server.machines.b.settings = throw "sentinel: settings of b";
    roles.server.tags.bees.settings = throw "sentinel: tag settings of b";
    roles.server.extraModules = [ ];
    roles.client.machines.b.settings = throw "sentinel: client settings of b";
    roles.client.settings = throw "sentinel: client role settings";
    roles.client.extraModules = throw "sentinel: client extraModules";
  };
  instances.onlyB = {
    module = { name = "s"; input = "self"; };
    roles.server.tags = [ "bees" ];
    roles.server.settings = throw "sentinel: onlyB settings";
  };
  modules.s = {
    roles.server.interface = { lib, ... }: { options.greeting = lib.mkOption { type = lib.types.str; }; };
    roles.server.perInstance = { machine, settings, ... }:
      if machine.name == "b" then throw "sentinel: perInstance of b" else { nixosModule.lines = [ "server ${machine.name}: ${settings.greeting}" ]; };
    roles.client.perInstance = { machine, ... }: throw "sentinel: client perInstance of ${machine.name}";
    perMachine = { machine, ... }:
      if machine.name == "b" then throw "sentinel: perMachine of b" else { nixosModule.lines = [ "perMachine ${machine.name}" ]; };
  };
}"#;
    let more = "flake.a = linesOf config.flake.nixInstances.machines.a; \
                flake.b = linesOf config.flake.nixInstances.machines.b; \
                flake.expandedA = config.nixInstances.expanded.machines.a;";
    let dir = user_flake_with("lazy-sentinels", &lib, &fp, body, "", "[ ]", more);
    for with_plugin in [true, false] {
        let a = flake_eval(with_plugin, &[&format!("path:{}#a", dir.display())]);
        let mut lines: Vec<String> = serde_json::from_value(a.json()).unwrap();
        lines.sort();
        assert_eq!(lines, vec!["perMachine a", "server a: a"]);
        let e = flake_eval(with_plugin, &[&format!("path:{}#expandedA", dir.display())]);
        assert_eq!(e.json()["instances"], json!({ "s": { "roles": ["server"] } }));
        // The sentinels are live: machine b's module reaches them.
        assert_error(&flake_eval(with_plugin, &[&format!("path:{}#b", dir.display())]), "sentinel:");
    }
}

// ------------------------------------------------------------------------------------------
// A fleet: settings evaluations shared between machines, perInstance run directly.

/// Occurrences of `needle` in `haystack`.
fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn tag_members_share_one_settings_evaluation_and_stay_lazy() {
    let Some((lib, fp)) = flake_parts() else { return };
    // web1, web2, web4, web5 come through tag `web` alone: one evaluation; web3 through `eu`
    // and `web`: another; x has an explicit entry: its own. Tag `web`'s settings trace each
    // time they are evaluated. Tag `db`'s settings throw: only db1 may reach them.
    let body = r#"{
  machines.web1.tags = [ "web" ];
  machines.web2.tags = [ "web" ];
  machines.web3.tags = [ "web" "eu" ];
  machines.web4.tags = [ "web" ];
  machines.web5.tags = [ "web" ];
  machines.db1.tags = [ "db" ];
  machines.x.tags = [ "web" ];
  instances.hello = {
    module.input = "self";
    roles.server.settings.greeting = lib.mkDefault "role";
    roles.server.tags.web.settings = { ... }: builtins.trace "sharing: tag web's settings evaluated" { words = [ "web" ]; };
    roles.server.tags.eu.settings = { port = 443; words = [ "eu" ]; };
    roles.server.tags.db.settings = throw "sentinel: tag db's settings";
    roles.server.machines.x.settings.greeting = "x";
  };
  modules.hello = {
    roles.server.interface = { lib, ... }: {
      options.greeting = lib.mkOption { type = lib.types.str; };
      options.port = lib.mkOption { type = lib.types.port; default = 80; };
      options.words = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
    };
    roles.server.perInstance = { machine, settings, roles, ... }: {
      nixosModule.lines = [
        "${machine.name}: ${settings.greeting} ${toString settings.port} ${toString (builtins.sort builtins.lessThan settings.words)}; web2: ${roles.server.machines.web2.settings.greeting}"
      ];
    };
  };
}"#;
    let more = "flake.fleet = lib.mapAttrs (_: linesOf) (removeAttrs config.flake.nixInstances.machines [ \"db1\" ]); \
                flake.db1 = linesOf config.flake.nixInstances.machines.db1;";
    let dir = user_flake_with("shared-settings", &lib, &fp, body, "", "[ ]", more);
    for with_plugin in [true, false] {
        let e = flake_eval(with_plugin, &[&format!("path:{}#fleet", dir.display())]);
        // Each machine's own result, though its settings evaluation is shared.
        assert_eq!(
            e.json(),
            json!({
                "web1": ["web1: role 80 web; web2: role"],
                "web2": ["web2: role 80 web; web2: role"],
                "web3": ["web3: role 443 eu web; web2: role"],
                "web4": ["web4: role 80 web; web2: role"],
                "web5": ["web5: role 80 web; web2: role"],
                "x": ["x: x 80 web; web2: role"],
            })
        );
        // Three evaluations of tag web's settings (one per combination of tags, one for the
        // explicit entry) for six machines, and for every `roles.server.machines.web2`.
        assert_eq!(count(&e.stderr, "sharing: tag web's settings evaluated"), 3, "{}", e.stderr);
        // Tag db's settings were never forced above; they are live for db1.
        assert_error(&flake_eval(with_plugin, &[&format!("path:{}#db1", dir.display())]), "sentinel: tag db's settings");
    }
}

#[test]
fn shared_settings_errors_name_the_entry_written() {
    let Some((lib, fp)) = flake_parts() else { return };
    let hello = r#"
  modules.hello = {
    roles.server.interface = { lib, ... }: {
      options.greeting = lib.mkOption { type = lib.types.str; };
    };
    roles.server.perInstance = { machine, settings, ... }: { nixosModule.lines = [ "${machine.name}: ${settings.greeting}" ]; };
  };"#;
    let cases = [
        // Through one tag: the tag's entry, where the value can be set for those machines.
        (
            "shared-unset",
            r#"machines.web1.tags = [ "web" ]; instances.hello.module.input = "self"; instances.hello.roles.server.tags = [ "web" ];"#,
            vec!["The option `nixInstances.instances.hello.roles.server.tags.web.settings.greeting' was accessed but has no value defined"],
        ),
        (
            "shared-type",
            r#"machines.web1.tags = [ "web" ]; instances.hello.module.input = "self"; instances.hello.roles.server.tags.web.settings.greeting = 42;"#,
            vec![
                "A definition for option `nixInstances.instances.hello.roles.server.tags.web.settings.greeting' is not of type `string'",
                "via option nixInstances.instances.hello.roles.server.tags.web.settings",
            ],
        ),
        // Through several tags: the role's entry; the definition's file names the tag.
        (
            "shared-type-two-tags",
            r#"machines.web1.tags = [ "web" "eu" ]; instances.hello.module.input = "self";
               instances.hello.roles.server.tags.eu = { }; instances.hello.roles.server.tags.web.settings.greeting = 42;"#,
            vec![
                "A definition for option `nixInstances.instances.hello.roles.server.settings.greeting' is not of type `string'",
                "via option nixInstances.instances.hello.roles.server.tags.web.settings",
            ],
        ),
        (
            "shared-unset-two-tags",
            r#"machines.web1.tags = [ "web" "eu" ]; instances.hello.module.input = "self"; instances.hello.roles.server.tags = [ "eu" "web" ];"#,
            vec!["The option `nixInstances.instances.hello.roles.server.settings.greeting' was accessed but has no value defined"],
        ),
    ];
    for (name, inventory, msgs) in cases {
        let dir = user_flake(name, &lib, &fp, &format!("{{ {inventory} {hello} }}"));
        for with_plugin in [true, false] {
            let e = report(&dir, with_plugin);
            for msg in &msgs {
                assert_error(&e, msg);
            }
        }
    }
}

#[test]
fn per_instance_and_per_machine_modules_run_as_eval_modules_would() {
    let Some((lib, fp)) = flake_parts() else { return };
    // perInstance modules of every shape: the plain ones are applied directly, the others
    // go through `evalModules`; the results are the module system's either way.
    let body = r#"{
  machines.web1 = { };
  instances = lib.genAttrs [ "cfg" "cond" "merged" "imported" "args" "plain" "prio" "twice" "lazy" "pm" ] (n: {
    module = { name = n; input = "self"; };
    roles.r.machines.web1 = { };
  });
  modules.cfg.roles.r.perInstance = { config, machine, ... }: {
    darwinModule.lines = [ "cfg: darwinModule of ${machine.name}" ];
    nixosModule = { imports = [ config.darwinModule ]; };
  };
  modules.cond.roles.r.perInstance = { machine, lib, ... }: {
    nixosModule = lib.mkIf (machine.name == "web1") { lines = [ "cond: ${machine.name}" ]; };
    exports = lib.mkIf false (throw "sentinel: a discharged definition");
  };
  modules.merged.roles.r.perInstance = { lib, ... }: lib.mkMerge [ { nixosModule.lines = [ "merged: a" ]; } { nixosModule.lines = [ "merged: b" ]; } ];
  modules.imported.roles.r.perInstance = { imports = [ { nixosModule.lines = [ "imported" ]; } ]; };
  modules.args.roles.r.perInstance = { extra, ... }: { _module.args.extra = "args: from _module.args"; nixosModule.lines = [ extra ]; };
  modules.plain.roles.r.perInstance = { nixosModule.lines = [ "plain: an attribute set" ]; };
  modules.prio.roles.r.perInstance = { lib, ... }: { nixosModule = lib.mkForce { lines = [ "prio: forced" ]; }; };
  modules.twice.roles.r.perInstance = lib.mkMerge [ ({ ... }: { nixosModule.lines = [ "twice: 1" ]; }) { nixosModule.lines = [ "twice: 2" ]; } ];
  # Reading a machine's modules does not read the results' exports.
  modules.lazy.roles.r.perInstance = { ... }: { nixosModule.lines = [ "lazy" ]; exports = throw "sentinel: exports were read"; };
  modules.pm = {
    roles.r = { };
    perMachine = { machine, instances, ... }: { nixosModule.lines = [ "pm: ${machine.name} ${toString (builtins.attrNames instances)}" ]; };
  };
}"#;
    let dir = user_flake("result-shapes", &lib, &fp, body);
    let r = report_both(&dir);
    let mut lines: Vec<String> = serde_json::from_value(r["machines"]["web1"]["lines"].clone()).unwrap();
    lines.sort();
    assert_eq!(
        lines,
        vec![
            "args: from _module.args",
            "cfg: darwinModule of web1",
            "cond: web1",
            "imported",
            "lazy",
            "merged: a",
            "merged: b",
            "plain: an attribute set",
            "pm: web1 pm",
            "prio: forced",
            "twice: 1",
            "twice: 2",
        ]
    );
    // Errors are the module system's: an attribute that is no result option, a definition of
    // the wrong type.
    let errors = [
        ("result-unknown", "{ nixosModules.lines = [ ]; }", vec!["The option `nixosModules' does not exist"]),
        ("result-type", "{ nixosModule = 42; }", vec!["A definition for option `nixosModule' is not of type", "via option roles.r.perInstance"]),
    ];
    for (name, result, msgs) in errors {
        let body = format!(
            "{{ machines.web1 = {{ }}; instances.s = {{ module.input = \"self\"; roles.r.machines.web1 = {{ }}; }}; \
             modules.s.roles.r.perInstance = {{ machine, ... }}: {result}; }}"
        );
        let dir = user_flake(name, &lib, &fp, &body);
        for with_plugin in [true, false] {
            let e = report(&dir, with_plugin);
            for msg in &msgs {
                assert_error(&e, msg);
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// The NixOS module and the package expression, with nixpkgs' lib and stubs.

fn lib_import(lib: &str) -> String {
    format!(
        "(let root = {}; in import (if builtins.pathExists (root + \"/lib/default.nix\") then root + \"/lib\" else root))",
        nix_string(lib)
    )
}

#[test]
fn nixos_module_adds_the_plugin_to_plugin_files() {
    let Some(lib) = nixpkgs_lib() else { return };
    let expr = format!(
        r#"
let
  lib = {lib};
  inherit (lib) mkOption types;
  drv = name: {{ type = "derivation"; inherit name; outPath = "/nix/store/00000000000000000000000000000000-${{name}}"; }};
  # pkgs.callPackage: records what it was called with.
  pkgs.callPackage = fn: args: drv "nix-instances" // {{ file = baseNameOf fn; against = args.nix.name; }};
  # The bits of NixOS the module uses.
  stub = {{
    options.nix.package = mkOption {{ type = types.package; default = drv "nix-2.99"; }};
    options.nix.settings = mkOption {{
      type = types.submodule {{ freeformType = types.attrsOf (types.listOf types.str); }};
      default = {{ }};
    }};
    config._module.args.pkgs = pkgs;
    config.nix.settings.plugin-files = [ "/other/plugin.so" ];
  }};
  eval = extra: (lib.evalModules {{ modules = [ {module} stub extra ]; }}).config;
  on = eval {{ programs.nix-instances.enable = true; }};
in {{
  off = (eval {{ }}).nix.settings.plugin-files;
  on = on.nix.settings.plugin-files;
  inherit (on.programs.nix-instances.package) file against;
  own = (eval {{ programs.nix-instances.enable = true; programs.nix-instances.package = drv "mine"; }}).nix.settings.plugin-files;
}}"#,
        lib = lib_import(&lib),
        module = repo().join("nix/nixos-module.nix").display(),
    );
    let r = nix().eval(&expr, false).json();
    let store = "/nix/store/00000000000000000000000000000000";
    assert_eq!(r["off"], json!(["/other/plugin.so"]));
    let mut on: Vec<String> = serde_json::from_value(r["on"].clone()).unwrap();
    on.sort();
    assert_eq!(on, vec![format!("{store}-nix-instances/lib/nix/plugins/libnix_instances.so"), "/other/plugin.so".into()]);
    // Built by nix/package.nix against config.nix.package.
    assert_eq!(r["file"], json!("package.nix"));
    assert_eq!(r["against"], json!("nix-2.99"));
    assert!(r["own"].as_array().unwrap().contains(&json!(format!("{store}-mine/lib/nix/plugins/libnix_instances.so"))));
}

#[test]
fn package_expressions_evaluate() {
    let Some(lib) = nixpkgs_lib() else { return };
    // `nix eval` (not nix-instantiate's read-only mode), so the filtered sources are copied
    // into the private store and can be listed.
    let expr = format!(
        r#"
let
  lib = {lib};
  args = {{
    inherit lib;
    stdenv.hostPlatform.extensions.sharedLibrary = ".so";
    stdenv.buildPlatform.canExecute = _: true;
    installShellFiles = "installShellFiles";
    rustPlatform.buildRustPackage = a: a;
    pkg-config = "pkg-config";
    nix = {{ name = "nix"; dev = "nix-dev"; out = "nix-out"; }};
    boost = "boost"; nlohmann_json = "nlohmann_json"; boehmgc = "boehmgc";
  }};
  call = f: import f (builtins.intersectAttrs (builtins.functionArgs (import f)) args);
  show = a: {{
    inherit (a) pname version cargoBuildFlags;
    buildInputs = a.buildInputs or [ ];
    lock = baseNameOf a.cargoLock.lockFile;
    src = builtins.attrNames (builtins.readDir a.src);
    installs = lib.hasInfix "lib/nix/plugins/libnix_instances.so" (a.postInstall or "");
  }};
in {{
  plugin = show (call {repo}/nix/package.nix);
  cli = show (call {repo}/nix/cli.nix);
  tests = show (call {repo}/nix/tests.nix);
}}"#,
        lib = lib_import(&lib),
        repo = repo().display(),
    );
    let mut c = nix().command("nix");
    c.args(["eval", "--json", "--impure", "--expr", &expr]);
    let r = Eval::from(c.output().expect("nix runs")).json();
    let version = r["plugin"]["version"].clone();
    assert!(version.as_str().is_some_and(|v| !v.is_empty()));
    assert_eq!(
        r["plugin"],
        json!({
            "pname": "nix-instances", "version": version, "cargoBuildFlags": ["-p", "nix-instances"],
            "buildInputs": ["nix-dev", "boost", "nlohmann_json", "boehmgc"], "lock": "Cargo.lock",
            "src": ["Cargo.lock", "Cargo.toml", "build.rs", "core", "cpp", "src"], "installs": true,
        })
    );
    assert_eq!(r["cli"]["cargoBuildFlags"], json!(["-p", "nix-instances-core"]));
    assert_eq!(r["cli"]["src"], r["plugin"]["src"]);
    assert_eq!(
        r["tests"]["src"],
        json!(["Cargo.lock", "Cargo.toml", "build.rs", "core", "cpp", "examples", "nix", "src", "tests"])
    );
}

// ------------------------------------------------------------------------------------------
// clan-core's conventions: the clan directory, machine attributes, module order, settings.

/// Writes `files` (path relative to `dir`, text) into a flake's directory.
fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// Whether NIXPKGS_LIB has `lib.mkDefinition` (a definition from a named file), with which
/// inventory.json's definitions name that file.
fn lib_has_mk_definition(lib: &str) -> bool {
    let expr = format!("{} ? mkDefinition", lib_import(lib));
    nix().eval_with(&expr, false, &[], &[]).json() == json!(true)
}

/// A clan directory, as clan-core reads it: `machines/<name>/` and `inventory.json`.
const CLAN_DIRECTORY: &[(&str, &str)] = &[
    (
        "inventory.json",
        r#"{
  "machines": {
    "web1": { "tags": ["web"], "deploy": { "targetHost": "root@web1.example.org" } },
    "mac1": { "machineClass": "darwin" }
  },
  "instances": {
    "greet": { "module": { "name": "greeter", "input": "other" }, "roles": { "peer": { "tags": { "all": {} } } } }
  }
}"#,
    ),
    ("machines/web1/configuration.nix", r#"{ lines = [ "web1: configuration.nix" ]; }"#),
    ("machines/web1/hardware-configuration.nix", r#"{ lines = [ "web1: hardware-configuration.nix" ]; }"#),
    ("machines/web1/disko.nix", r#"{ lines = [ "web1: disko.nix" ]; }"#),
    ("machines/mac1/configuration.nix", r#"{ lines = [ "mac1: configuration.nix" ]; }"#),
    ("machines/mac1/hardware-configuration.nix", r#"{ lines = [ "mac1: hardware-configuration.nix" ]; }"#),
    // A machine that exists only as a directory.
    ("machines/bare/.keep", ""),
    // Its configuration is evaluated only for it.
    ("machines/lazy/configuration.nix", r#"throw "sentinel: lazy's configuration.nix""#),
    // A file is not a machine.
    ("machines/notes.md", "not a machine"),
];

/// The inventory written in the flake: a tag computed from the machines (directory ones
/// included) and an instance over it.
const CLAN_DIRECTORY_BODY: &str = r#"{
  machines.db1 = { };
  tags = { machines, ... }: { backup = builtins.attrNames machines; };
  instances.backup = {
    module = { name = "hello"; input = "self"; };
    roles.server.tags = [ "backup" ];
    roles.server.settings.greeting = "backed up";
  };
  HELLO_MODULES
}"#;

/// Each machine's nix-darwin `lines`; web1's `lines` when the configuration imports web1's
/// configuration.nix itself too (as `"${self}/machines/…"`: what `./machines/…` is in
/// flake.nix, except in the tests' chroot store, where `./.` is the physical path).
const DARWIN_LINES: &str = "flake.darwinLines = lib.mapAttrs (m: out: (lib.evalModules { modules = [ \
    { options.lines = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; }; } \
    out.darwinModule ]; }).config.lines) config.flake.nixInstances.machines; \
    flake.web1Twice = (lib.evalModules { modules = [ \
    { options.lines = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; }; } \
    { options.warnings = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; }; } \
    { options.assertions = lib.mkOption { type = lib.types.listOf lib.types.raw; default = [ ]; }; } \
    config.flake.nixInstances.machines.web1.nixosModule \"${inputs.self}/machines/web1/configuration.nix\" ]; }).config.lines;";

fn clan_directory_flake(name: &str, lib: &str, fp: &str, extra: &str) -> PathBuf {
    let body = CLAN_DIRECTORY_BODY.replace("HELLO_MODULES", &format!("{extra} {HELLO}"));
    let dir = user_flake_with(name, lib, fp, &body, "", "[ ]", DARWIN_LINES);
    write_files(&dir, CLAN_DIRECTORY);
    dir
}

fn lines_sorted(v: &Value) -> Vec<String> {
    let mut l: Vec<String> = serde_json::from_value(v.clone()).unwrap();
    l.sort();
    l
}

#[test]
fn a_clan_directory_is_read_as_clan_core_reads_it() {
    let Some((lib, fp)) = flake_parts() else { return };
    let dir = clan_directory_flake("clan-directory", &lib, &fp, "");
    let at = |with_plugin: bool, attr: &str| flake_eval(with_plugin, &[&format!("path:{}#{attr}", dir.display())]);
    for with_plugin in [true, false] {
        let machines = at(with_plugin, "report.expanded.machines").json();
        // Every directory under machines/ is a machine (not the file); inventory.json's
        // machines and instances are part of the inventory.
        assert_eq!(machines.as_object().unwrap().keys().collect::<Vec<_>>(), vec!["bare", "db1", "lazy", "mac1", "web1"]);
        // The machine that exists only as a directory is in the computed tag, and so in the
        // instance over it, and in inventory.json's instance over `all`.
        assert_eq!(machines["bare"]["tags"], json!(["all", "backup", "nixos"]));
        assert_eq!(machines["bare"]["instances"], json!({ "backup": { "roles": ["server"] }, "greet": { "roles": ["peer"] } }));
        assert_eq!(machines["web1"]["tags"], json!(["all", "backup", "nixos", "web"]));
        assert_eq!(machines["mac1"]["tags"], json!(["all", "backup", "darwin"]));
        // Each machine imports its files, before its services' modules.
        let web1 = at(with_plugin, "report.machines.web1").json();
        assert_eq!(web1["files"][0], json!("nixInstances: the files of machine web1 in nixInstances.directory"));
        assert_eq!(web1["files"].as_array().unwrap().len(), 3);
        let lines = lines_sorted(&web1["lines"]);
        for l in ["web1: configuration.nix", "web1: disko.nix", "web1: hardware-configuration.nix", "greeter/greet/web1: hello"] {
            assert!(lines.contains(&l.to_string()), "{lines:?}");
        }
        assert!(lines.iter().any(|l| l.contains("backed up")), "{lines:?}");
        let bare = at(with_plugin, "report.machines.bare").json();
        assert_eq!(
            bare["files"],
            json!([
                "nixInstances: service module 'other-greeter' (machine bare)",
                "nixInstances: service module 'self-hello' (machine bare)"
            ])
        );
        // Imported by path: a configuration importing the file itself gets it once.
        let twice = lines_sorted(&at(with_plugin, "web1Twice").json());
        assert_eq!(twice.iter().filter(|l| *l == "web1: configuration.nix").count(), 1, "{twice:?}");
        assert_eq!(twice, lines);
        // A darwin machine imports configuration.nix only (clan-core's forName.nix).
        let mac1 = at(with_plugin, "darwinLines.mac1").json();
        assert_eq!(lines_sorted(&mac1), vec!["mac1: configuration.nix"]);
        // One machine's files are not another's: `lazy`'s throw only in its own module.
        assert_error(&at(with_plugin, "report.machines.lazy.lines"), "sentinel: lazy's configuration.nix");
        // The inventory the nix-instances CLI reads (cli.nix) is the expansion's input: the
        // directory's machines and inventory.json's instances included.
        let machines = at(with_plugin, "nixInstances.inventory.machines").json();
        assert_eq!(machines.as_object().unwrap().keys().collect::<Vec<_>>(), vec!["bare", "db1", "lazy", "mac1", "web1"]);
        let instances = at(with_plugin, "nixInstances.inventory.instances").json();
        assert_eq!(instances.as_object().unwrap().keys().collect::<Vec<_>>(), vec!["backup", "greet"]);
        assert_eq!(instances["greet"]["module"], json!({ "name": "greeter", "input": "other" }));
    }

    // Turned off, or no directory: only what the flake writes.
    for (k, off) in ["readDirectory = false;", "directory = null;"].iter().enumerate() {
        let dir = clan_directory_flake(&format!("clan-directory-off-{k}"), &lib, &fp, off);
        for with_plugin in [true, false] {
            let r = report(&dir, with_plugin).json();
            assert_eq!(r["expanded"]["machines"].as_object().unwrap().keys().collect::<Vec<_>>(), vec!["db1"]);
            assert_eq!(r["machines"]["db1"]["files"], json!(["nixInstances: service module 'self-hello' (machine db1)"]));
        }
    }

    // The directory is `nixInstances.directory`: here a subdirectory of the flake.
    let body = r#"{ directory = "${inputs.self}/clan"; machines.db1 = { }; }"#;
    let dir = user_flake("clan-directory-elsewhere", &lib, &fp, body);
    let files: Vec<(String, &str)> = CLAN_DIRECTORY.iter().map(|(p, t)| (format!("clan/{p}"), *t)).collect();
    write_files(&dir, &files.iter().map(|(p, t)| (p.as_str(), *t)).collect::<Vec<_>>());
    let e = flake_eval(false, &[&format!("path:{}#report.expanded.machines", dir.display())]);
    assert_eq!(e.json().as_object().unwrap().keys().collect::<Vec<_>>(), vec!["bare", "db1", "lazy", "mac1", "web1"]);
}

#[test]
fn inventory_json_errors_name_the_file_and_the_option() {
    let Some((lib, fp)) = flake_parts() else { return };
    let named = lib_has_mk_definition(&lib);
    let cases = [
        (
            r#"{ "machines": { "web1": { "deploy": { "targethost": "root@web1" } } } }"#,
            "The option `nixInstances.machines.web1.deploy.targethost' does not exist (did you mean 'targetHost'?)",
        ),
        (r#"{ "machines": { "web1": { "machineClass": "windows" } } }"#, "nixInstances.machines.web1.machineClass"),
        (
            r#"{ "instances": { "x": { "rolez": { } } } }"#,
            "The option `nixInstances.instances.x.rolez' does not exist (did you mean 'roles'?)",
        ),
        (r#"{ "services": { } }"#, "inventory.json has `services`: as in clan-core, `inventory.services` has been removed; use `instances`"),
        (r#"{ "machine": { } }"#, "inventory.json has `machine`, which is not part of the inventory (did you mean 'machines'?)"),
        (r#"{ "modules": { }, "tag": { } }"#, "inventory.json has `tag`, which is not part of the inventory (did you mean 'tags'?)"),
        (r#"[ ]"#, "inventory.json is not a JSON object"),
    ];
    for (k, (json, msg)) in cases.iter().enumerate() {
        let dir = user_flake(&format!("inventory-json-{k}"), &lib, &fp, "{ machines.db1 = { }; }");
        write_files(&dir, &[("inventory.json", json)]);
        for with_plugin in [true, false] {
            let e = report(&dir, with_plugin);
            assert_error(&e, msg);
            if named && msg.starts_with("The option") {
                assert_error(&e, "inventory.json");
            }
        }
    }
    // inventory.json and the flake both define a machine: they merge, as in clan-core.
    // `modules` (this project's CLI format) is ignored, as clan-core ignores it.
    let dir = user_flake("inventory-json-merge", &lib, &fp, "{ machines.web1.machineClass = \"nixos\"; }");
    let json = r#"{ "machines": { "web1": { "tags": ["web"] } }, "modules": { "<clan-core>-x": { "roles": ["r"] } } }"#;
    write_files(&dir, &[("inventory.json", json)]);
    let r = report(&dir, false).json();
    assert_eq!(r["expanded"]["machines"]["web1"]["tags"], json!(["all", "nixos", "web"]));
}

#[test]
fn inventory_json_goes_through_the_discharge_rules() {
    let Some((lib, fp)) = flake_parts() else { return };
    // inventory.json's definitions are definitions like the flake's: a flake entry that
    // discharges (`mkIf false`) does not remove what inventory.json defines, and adds nothing
    // itself; inventory.json's `meta` is evaluated against clan-core's meta options with the
    // flake's (equal strings merge, defaults fill the rest).
    let json = r#"{
  "meta": { "name": "c", "domain": "x.lol" },
  "machines": { "web1": { "tags": ["web"] }, "db1": { } },
  "instances": { "i": { "module": { "name": "m", "input": "self" }, "roles": { "r": { "tags": { "web": { } } } } } }
}"#;
    let body = r#"{
  meta.name = "c";
  machines.web1 = lib.mkIf false { tags = throw "sentinel: discharged machine"; };
  machines.gone = lib.mkMerge [ ];
  instances.i.roles.r.machines.db1 = lib.mkIf false { settings = throw "sentinel: discharged member"; };
  instances.j = lib.mkIf false (throw "sentinel: discharged instance");
  modules.m = {
    roles.r.perInstance = { meta, ... }: {
      nixosModule.lines = [ (builtins.toJSON { inherit (meta) name description icon domain; }) ];
    };
  };
}"#;
    let dir = user_flake("inventory-json-discharge", &lib, &fp, body);
    write_files(&dir, &[("inventory.json", json)]);
    let r = report_both(&dir);
    let mut names: Vec<&String> = r["expanded"]["machines"].as_object().unwrap().keys().collect();
    names.sort();
    assert_eq!(names, ["db1", "web1"]);
    assert_eq!(r["expanded"]["machines"]["web1"]["tags"], json!(["all", "nixos", "web"]));
    assert_eq!(r["expanded"]["machines"]["web1"]["instances"], json!({ "i": { "roles": ["r"] } }));
    assert_eq!(r["expanded"]["machines"]["db1"]["instances"], json!({}));
    assert_eq!(r["expanded"]["modules"], json!({ "self-m": ["i"] }));
    let lines = r["machines"]["web1"]["lines"].clone();
    assert_eq!(lines.as_array().unwrap().len(), 1, "{lines}");
    let meta: Value = serde_json::from_str(lines[0].as_str().unwrap()).unwrap();
    assert_eq!(meta, json!({ "name": "c", "description": null, "icon": null, "domain": "x.lol" }));
}

#[test]
fn machine_attributes_are_typed_as_clan_core_types_them() {
    let Some((lib, fp)) = flake_parts() else { return };
    // Every attribute clan-core's machine has, with its defaults.
    let body = r#"{
  machines.db1 = { };
  machines.web1 = {
    name = "web-one"; description = "the web"; icon = "web.svg"; machineClass = "nixos";
    tags = [ "web" ]; installedAt = 1700000000;
    deploy = { targetHost = "root@web1"; buildHost = "root@builder"; forwardAgent = true; };
  };
}"#;
    let more = "flake.machines = config.nixInstances.machines;";
    let dir = user_flake_with("machine-attributes", &lib, &fp, body, "", "[ ]", more);
    let m = flake_eval(false, &[&format!("path:{}#machines", dir.display())]).json();
    assert_eq!(
        m["db1"],
        json!({
            "name": "db1", "description": null, "icon": null, "machineClass": "nixos", "tags": [], "installedAt": null,
            "deploy": { "targetHost": null, "buildHost": null, "forwardAgent": null }
        })
    );
    assert_eq!(m["web1"]["name"], json!("web-one"));
    assert_eq!(m["web1"]["deploy"]["forwardAgent"], json!(true));

    // Unknown attributes are found whenever the inventory is read (reading another machine's
    // module), as clan-core's submodule checks its definitions; a value of the wrong type
    // when it is read, as any option's.
    let structure = "report.machines.db1.lines";
    let cases = [
        (
            "machines.db2.deploy.targethost = \"root@db2\";",
            structure,
            "The option `nixInstances.machines.db2.deploy.targethost' does not exist (did you mean 'targetHost'?)",
        ),
        (
            "machines.db2.descripton = \"db\";",
            structure,
            "The option `nixInstances.machines.db2.descripton' does not exist (did you mean 'description'?)",
        ),
        ("machines.db2.deploy = \"root@db2\";", structure, "nixInstances.machines.db2.deploy"),
        (
            "machines.db2.deploy = lib.mkIf true { buildhost = \"b\"; };",
            structure,
            "The option `nixInstances.machines.db2.deploy.buildhost' does not exist (did you mean 'buildHost'?)",
        ),
        (
            "machines.db2 = lib.mkMerge [ { tags = [ \"x\" ]; } { deploy.forwardagent = true; } ];",
            structure,
            "The option `nixInstances.machines.db2.deploy.forwardagent' does not exist (did you mean 'forwardAgent'?)",
        ),
        ("machines.db2.installedAt = \"yesterday\";", "machines.db2.installedAt", "nixInstances.machines.db2.installedAt"),
        ("machines.db2.deploy.forwardAgent = \"yes\";", "machines.db2.deploy.forwardAgent", "nixInstances.machines.db2.deploy.forwardAgent"),
        ("machines.db2.icon = 1;", "machines.db2.icon", "nixInstances.machines.db2.icon"),
        ("machines.db2.name = null;", "machines.db2.name", "nixInstances.machines.db2.name"),
    ];
    for (k, (bad, read, msg)) in cases.iter().enumerate() {
        let imports = format!("[ {{ _file = \"bad.nix\"; nixInstances = {{ {bad} }}; }} ]");
        let dir = user_flake_with(&format!("machine-attribute-{k}"), &lib, &fp, "{ machines.db1 = { }; }", "", &imports, more);
        for with_plugin in [true, false] {
            let e = flake_eval(with_plugin, &[&format!("path:{}#{read}", dir.display())]);
            assert_error(&e, msg);
            assert_error(&e, "bad.nix");
        }
    }
}

/// A clan-core stand-in with two modules whose perMachine and perInstance give lines.
fn clan_core_order_flake() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        write_flake(
            "clan-core-order",
            r#"{
  outputs = _: {
    clan.modules = builtins.listToAttrs (map (name: {
      inherit name;
      value = {
        roles.r.perInstance = { instanceName, machine, ... }: { nixosModule.lines = [ "${name} ${instanceName}" ]; };
        perMachine = { instances, ... }: {
          nixosModule.lines = [ "${name} perMachine: ${toString (builtins.attrNames instances)}" ];
        };
      };
    }) [ "alpha" "beta" ]);
  };
}
"#,
        )
    })
}

#[test]
fn each_machines_modules_come_in_clan_cores_order() {
    let Some((lib, fp)) = flake_parts() else { return };
    let inputs = format!(
        "inputs.clan-core.url = \"path:{}\"; inputs.base.url = \"path:{}\";",
        clan_core_order_flake().display(),
        other_flake().display()
    );
    // clan-core's ids: `<clan-core>-beta` (input null), `base-greeter`, `clan-core-alpha`
    // (input "clan-core"): in that order, where this module's one id per module
    // (`<clan-core>-alpha`) would sort alpha first.
    let body = r#"{
  machines.web1 = { };
  machines.web2 = { };
  instances.a = { module.name = "beta"; roles.r.machines = { web1 = { }; web2 = { }; }; };
  instances.b = { module = { name = "alpha"; input = "clan-core"; }; roles.r.machines = { web1 = { }; web2 = { }; }; };
  instances.c = { module.name = "alpha"; roles.r.machines.web1 = { }; };
  instances.g = { module = { name = "greeter"; input = "base"; }; roles.peer.machines = { web1 = { }; web2 = { }; }; };
}"#;
    let dir = user_flake_with("module-order", &lib, &fp, body, &inputs, "[ ]", "");
    let r = report_both(&dir);
    let m = &r["machines"];
    // web2 is in alpha's instances through "clan-core" only: clan-core gives alpha one id
    // on it, and its place.
    assert_eq!(
        m["web2"]["files"],
        json!([
            "nixInstances: service module '<clan-core>-beta' (machine web2)",
            "nixInstances: service module 'base-greeter' (machine web2)",
            "nixInstances: service module '<clan-core>-alpha' (machine web2)",
        ])
    );
    assert_eq!(
        lines_sorted(&m["web2"]["warnings"]),
        vec![
            "Missing description for role 'peer' of clanService 'base/greeter'",
            "Missing description for role 'r' of clanService '<clan-core>/beta'",
            "Missing description for role 'r' of clanService 'clan-core/alpha'",
            "Missing manifest.readme for clanService '<clan-core>/beta'",
            "Missing manifest.readme for clanService 'base/greeter'",
            "Missing manifest.readme for clanService 'clan-core/alpha'",
        ]
    );
    // web1 is in alpha through both (clan-core: two services, two places): one module here,
    // at the first place (`<clan-core>-alpha`), perMachine once with both instances; the
    // warnings once for each of clan-core's two ids.
    assert_eq!(
        m["web1"]["files"],
        json!([
            "nixInstances: service module '<clan-core>-alpha' (machine web1)",
            "nixInstances: service module '<clan-core>-beta' (machine web1)",
            "nixInstances: service module 'base-greeter' (machine web1)",
        ])
    );
    let lines = lines_sorted(&m["web1"]["lines"]);
    assert!(lines.contains(&"alpha perMachine: b c".to_string()), "{lines:?}");
    let warnings = lines_sorted(&m["web1"]["warnings"]);
    assert!(warnings.contains(&"Missing manifest.readme for clanService '<clan-core>/alpha'".to_string()), "{warnings:?}");
    assert!(warnings.contains(&"Missing manifest.readme for clanService 'clan-core/alpha'".to_string()), "{warnings:?}");
}

#[test]
fn settings_are_defined_once_as_in_clan_core() {
    let Some((lib, fp)) = flake_parts() else { return };
    let body = format!(
        "{{ machines.web1.tags = [ \"web\" ]; instances.hello = {{ module.input = \"self\"; roles.server.machines.web1 = {{ }}; }}; {HELLO} }}"
    );
    let paths = [
        "roles.server.settings",
        "roles.server.machines.web1.settings",
        "roles.server.tags.web.settings",
    ];
    for (k, path) in paths.iter().enumerate() {
        let imports = format!(
            "[ {{ _file = \"a.nix\"; nixInstances.instances.hello.{path}.greeting = \"a\"; }} \
               {{ _file = \"b.nix\"; nixInstances.instances.hello.{path}.words = [ \"b\" ]; }} ]"
        );
        let dir = user_flake_with(&format!("settings-twice-{k}"), &lib, &fp, &body, "", &imports, "");
        for with_plugin in [true, false] {
            let e = report(&dir, with_plugin);
            assert_error(&e, &format!("The option `nixInstances.instances.hello.{path}' is defined multiple times while it's expected to be unique"));
            assert_error(&e, "a.nix");
            assert_error(&e, "b.nix");
        }
    }
    // One definition left after priorities and conditions is one definition.
    let imports = "[ ({ lib, ... }: { _file = \"a.nix\"; nixInstances.instances.hello.roles.server.settings = lib.mkDefault { greeting = \"a\"; }; }) \
                     { _file = \"b.nix\"; nixInstances.instances.hello.roles.server.settings.greeting = \"b\"; } \
                     ({ lib, ... }: { _file = \"c.nix\"; nixInstances.instances.hello.roles.server.settings = lib.mkIf false { greeting = \"c\"; }; }) ]";
    let dir = user_flake_with("settings-once", &lib, &fp, &body, "", imports, "");
    let lines = lines_sorted(&report_both(&dir)["machines"]["web1"]["lines"]);
    assert!(lines.iter().any(|l| l.contains("\"greeting\":\"b\"")), "{lines:?}");
}
