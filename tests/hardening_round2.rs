//! Hardening, round 2 (issue 13): the defect classes an adversarial pass found, each tested
//! against a real `nix` with the plugin and against the pure-Nix twin.
//!
//! - string context in name positions; names with NUL bytes; multiService error order;
//! - code points U+10FF00–U+10FFFF in messages; uncoloured validation errors on a terminal;
//! - did-you-mean on huge names; Ctrl-C during a long expansion; quadratic role look-ups;
//! - two copies of the plugin; the multiService drop-in's laziness.
//!
//! Run: cargo test --features nix-instances/test-hooks --test hardening_round2

mod common;
use common::{nix, nix_string, repo, twin_i, twin_s, Eval, PRIMOP_I, PRIMOP_S};

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};


/// The error of `<primop> input` and of `<twin> input`, asserted equal, returned.
fn same_error(primop: &str, twin: &str, input: &str) -> String {
    let p = nix().eval(&format!("{primop} ({input})"), true).error();
    let t = nix().eval(&format!("{twin} ({input})"), false).error();
    assert_eq!(p, t, "primop and twin disagree on {input}");
    p
}

/// Runs `c` to its end, or kills it after `limit` and panics: a guard against a hang (the
/// super-linear versions of what these tests run take hours), not a timing assertion.
fn run_guarded(mut c: Command, limit: Duration, what: &str) -> Eval {
    let mut child = c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("nix runs");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let o = std::thread::spawn(move || {
        let mut s = Vec::new();
        out.read_to_end(&mut s).map(|_| s)
    });
    let e = std::thread::spawn(move || {
        let mut s = Vec::new();
        err.read_to_end(&mut s).map(|_| s)
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: no result after {limit:?}: the work grows faster than the input");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = o.join().unwrap().unwrap();
    let stderr = e.join().unwrap().unwrap();
    Eval::from(std::process::Output { status, stdout, stderr })
}

fn eval_guarded(expr: &str, with_plugin: bool, what: &str) -> Eval {
    let mut c = nix().command("nix-instantiate");
    if with_plugin {
        c.arg("--option").arg("plugin-files").arg(common::plugin());
    }
    c.args(["--eval", "--strict", "--json", "-E", expr]);
    run_guarded(c, Duration::from_secs(600), what)
}

// ---- string context -----------------------------------------------------------------------------

/// A string with context: it refers to a store path (made without building anything).
const WITH_CONTEXT: &str = r#""${builtins.toFile "ctx" "x"}""#;

#[test]
fn string_context_where_a_name_is_read_is_an_error_with_the_path() {
    let c = WITH_CONTEXT;
    let msg = "expected a string without context (a name), got a string with context";
    for (input, path) in [
        (format!("{{ machines.a = {{ }}; instances.i.module.name = {c}; }}"), "instances.i.module.name"),
        (format!("{{ machines.a = {{ }}; instances.i.module = {{ name = \"n\"; input = {c}; }}; }}"), "instances.i.module.input"),
        (format!("{{ machines.a.tags = [ \"web\" {c} ]; instances = {{ }}; }}"), "machines.a.tags[1]"),
        (format!("{{ machines.a = {{ }}; tags.t = [ {c} ]; instances = {{ }}; }}"), "tags.t[0]"),
        (format!("{{ machines.a = {{ }}; instances.i.roles.r.tags = [ \"all\" {c} ]; }}"), "instances.i.roles.r.tags[1]"),
        (format!("{{ machines.a = {{ }}; instances = {{ }}; modules.m.roles = [ {c} ]; }}"), "modules.m.roles[0]"),
    ] {
        assert_eq!(same_error(PRIMOP_I, &twin_i(), &input), format!("{path}: {msg}"));
    }
    // a type error still comes first, and a string without context is fine
    let input = "{ machines.a.tags = [ 1 ]; instances = { }; }";
    assert_eq!(same_error(PRIMOP_I, &twin_i(), input), "machines.a.tags[0]: expected a string, got an integer");
    let ok = format!("({PRIMOP_I} {{ machines.a.tags = [ (builtins.unsafeDiscardStringContext {c}) ]; instances = {{ }}; }}).machines.a.tags");
    assert_eq!(nix().eval(&ok, true).json().as_array().unwrap().len(), 3);
}

#[test]
fn string_context_of_the_multi_service_name_flows_into_its_strings() {
    let expr = |f: &str| {
        format!(
            "let r = {f} {{ service = {WITH_CONTEXT}; instances = {{ a = {{ }}; b.namespace = \"given\"; }}; }}; in \
             {{ service = builtins.attrNames (builtins.getContext r.service); \
                namespace = builtins.attrNames (builtins.getContext r.instances.a.namespace); \
                given = builtins.getContext r.instances.b.namespace; \
                name = builtins.getContext r.instances.a.name; }}"
        )
    };
    let p = nix().eval(&expr(PRIMOP_S), true).json();
    let t = nix().eval(&expr(&twin_s()), false).json();
    assert_eq!(p, t);
    assert_eq!(p["service"].as_array().unwrap().len(), 1, "{p}");
    assert_eq!(p["service"], p["namespace"]);
    assert_eq!(p["given"], serde_json::json!({}));
    assert_eq!(p["name"], serde_json::json!({}));
}

// ---- NUL bytes in names -------------------------------------------------------------------------

/// A set with a name holding a NUL byte, made by builtins.fromJSON: the Nix text holds only
/// the JSON escape, never a NUL byte (Nix 2.26 rejects those in source text).
fn nul_set(value: &str) -> String {
    format!(r#"(builtins.mapAttrs (_: _: {value}) (builtins.fromJSON "{{\"a\\u0000b\": 1, \"a\": 2}}"))"#)
}

/// Nix 2.26's own error when `builtins.fromJSON` (or `fromTOML`) meets a NUL byte.
const NIX_REFUSES_NUL: &str = "cannot be represented as Nix string because it contains null bytes";

/// Whether this Nix lets Nix code make an attribute name holding a NUL byte. Nix 2.8 does
/// (`builtins.fromJSON` keeps the byte); Nix 2.26 does not: `fromJSON` and `fromTOML` refuse
/// such a string or name with an error of their own ([`NIX_REFUSES_NUL`]), so no expression
/// can hand the primop one.
fn nix_makes_nul_names() -> bool {
    let e = nix().eval(&format!("builtins.length (builtins.attrNames {})", nul_set("null")), false);
    if e.success {
        assert_eq!(e.json(), serde_json::json!(2), "the NUL name and `a` are two names");
        true
    } else {
        assert!(e.error().contains(NIX_REFUSES_NUL), "neither a NUL name nor Nix's refusal: {}", e.stderr);
        false
    }
}

#[test]
fn attribute_names_with_a_nul_byte_are_an_error_at_the_set() {
    let msg = "an attribute name contains a NUL byte, which a Nix string cannot hold";
    // Nix 2.8: the primop and the twin reject the name at the set. Nix 2.26: the input cannot
    // be made; the primop and the twin both fail with fromJSON's own error, unchanged.
    let makes = nix_makes_nul_names();
    let expected = |path: &str, got: &str| {
        if makes {
            assert_eq!(got, format!("{path}: {msg}"));
        } else {
            assert!(got.contains(NIX_REFUSES_NUL), "{path}: not Nix's own error: {got}");
        }
    };
    let set = nul_set("{ }");
    for (input, path) in [
        (format!("{{ machines = {set}; instances = {{ }}; }}"), "machines"),
        (format!("{{ machines.a = {{ }}; tags = {}; instances = {{ }}; }}", nul_set("[ ]")), "tags"),
        (format!("{{ machines.a = {{ }}; instances = {set}; }}"), "instances"),
        (format!("{{ machines.a = {{ }}; instances.i.roles = {set}; }}"), "instances.i.roles"),
        (format!("{{ machines.a = {{ }}; instances.i.roles.r.machines = {set}; }}"), "instances.i.roles.r.machines"),
        (format!("{{ machines.a = {{ }}; instances.i.roles.r.tags = {set}; }}"), "instances.i.roles.r.tags"),
        (format!("{{ machines.a = {{ }}; instances = {{ }}; modules = {set}; }}"), "modules"),
        (format!("{{ machines.a = {{ }}; instances = {{ }}; modules.m.constraints = {set}; }}"), "modules.m.constraints"),
    ] {
        expected(path, &same_error(PRIMOP_I, &twin_i(), &input));
    }
    for (input, path) in [
        (format!("{{ service = \"s\"; instances = {set}; }}"), "instances"),
        (
            format!("{{ service = \"s\"; instances.x = {{ enable = true; outputs.settings.processes = {set}; }}; }}"),
            "services.s.x.outputs.settings.processes",
        ),
    ] {
        expected(path, &same_error(PRIMOP_S, &twin_s(), &input));
    }
    if !makes {
        return;
    }
    // a NUL name where names are never read passes through untouched
    let input = format!("{{ machines.a = {{ }}; instances.i.roles.r.settings = {set}; }}");
    let expr = format!("builtins.length (builtins.attrNames ({PRIMOP_I} {input}).instances.i.roles.r.settings)");
    assert_eq!(nix().eval(&expr, true).json(), serde_json::json!(2));
}

// ---- multiService error order -------------------------------------------------------------------

#[test]
fn multi_service_twin_reports_the_earliest_error_not_a_later_uncatchable_one() {
    // `c` aborts when forced: neither `tryEval` nor the primop's order would get past it, so
    // only an expansion that stops at the first error reports `b`'s (or `a`'s)
    let later = r#"c = { enable = true; outputs = abort "instance c forced"; }; d = abort "instance d forced";"#;
    let dup = "services.s.b.outputs.settings.processes.p: process 'p' is defined by both instances 'a' and 'b' of service 's'; \
               process names must be unique across instances, so include the instance name in it (e.g. processes.\"${name}-p\")";
    for (instances, expected) in [
        (format!("a = {{ enable = true; outputs.settings.processes.p = 1; }}; b = {{ enable = true; outputs.settings.processes = {{ o = 1; p = 1; }}; }}; {later}"), dup.to_string()),
        (format!("a.enable = true; b = {{ enable = true; outputs.settings = [ ]; }}; {later}"), "services.s.b.outputs.settings: expected a set, got a list".to_string()),
        (format!("a.enable = true; b = {{ enable = true; outputs = assert false; {{ }}; }}; {later}"), "assertion 'false' failed".to_string()),
        (format!("a.enable = \"yes\"; {later}"), "services.s.a.enable: expected a Boolean, got a string".to_string()),
    ] {
        let input = format!("{{ service = \"s\"; instances = {{ {instances} }}; }}");
        let p = nix().eval(&format!("{PRIMOP_S} {input}"), true).error();
        let t = nix().eval(&format!("{} {input}", twin_s()), false).error();
        assert!(p.contains(&expected), "primop: {p}\n  expected: {expected}");
        assert_eq!(p, t, "twin differs from the primop on {input}");
    }
    // and with no error before it, the later abort is what both report
    let input = format!("{{ service = \"s\"; instances = {{ a.enable = true; {later} }}; }}");
    assert!(nix().eval(&format!("{PRIMOP_S} {input}"), true).error().contains("instance c forced"));
    assert!(nix().eval(&format!("{} {input}", twin_s()), false).error().contains("instance c forced"));
}

// ---- messages: the last code points, colour -----------------------------------------------------

#[test]
fn code_points_u10ff00_to_u10ffff_show_as_themselves() {
    // U+10FF22 was shown as `"`, U+10FF0A as a newline, U+10FFE9 as a byte that is not UTF-8
    let names: Vec<String> = ['\u{10FF22}', '\u{10FF0A}', '\u{10FFE9}', '\u{10FEFF}', '\u{10FFFF}']
        .iter()
        .map(|c| format!("n{c}{c}x"))
        .collect();
    for n in &names {
        let s = nix_string(n);
        // an error naming it (path and message) and a warning about it (message and value)
        let input = format!("{{ machines.web = {{ }}; instances.i.roles.r.machines.{s} = {{ }}; }}");
        let e = same_error(PRIMOP_I, &twin_i(), &input);
        assert_eq!(e, format!("instances.i.roles.r.machines.\"{n}\": no machine named '{n}'"));
        let input = format!("{{ machines.web.tags = [ {s} ]; instances.i.roles.r.tags = [ {} ]; }}", nix_string(&format!("{n}y")));
        let w = |f: &str, plugin| nix().eval(&format!("({f} {input}).warnings"), plugin);
        let (p, t) = (w(PRIMOP_I, true), w(&twin_i(), false));
        assert_eq!(p.json(), t.json(), "warnings value for {n:?}");
        let text = p.json()[0].as_str().unwrap().to_string();
        assert!(text.contains(&format!("(did you mean '{n}'?)")), "{text}");
        assert_eq!(p.warnings(), vec![text], "the printed warning is the value");
    }
}

/// Stderr of `nix-instantiate --eval <file>` run on a terminal (through `script`), where Nix
/// colours its output.
fn on_a_terminal(expr: &str, with_plugin: bool) -> String {
    let file = nix().dir().join(format!("tty-{}.nix", if with_plugin { "primop" } else { "twin" }));
    std::fs::write(&file, expr).unwrap();
    let plugin = if with_plugin { format!("--option plugin-files {} ", common::plugin().display()) } else { String::new() };
    let cmd = format!("nix-instantiate {plugin}--eval {} 2>&1", file.display());
    let out = nix().command("script").args(["-qec", &cmd, "/dev/null"]).env("TERM", "xterm").output().expect("script (util-linux) runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_validation_error_looks_the_same_from_primop_and_twin_on_a_terminal() {
    let msg = "machines.a.tags: expected a list, got an integer";
    let input = "{ machines.a.tags = 1; instances = { }; }";
    let p = on_a_terminal(&format!("{PRIMOP_I} {input}"), true);
    let t = on_a_terminal(&format!("{} {input}", twin_i()), false);
    // what stands before the message on its line: Nix's (coloured) `error:` prefix, the same
    let before = |s: &str| {
        let line = s.lines().find(|l| l.contains(msg)).unwrap_or_else(|| panic!("no message in {s:?}"));
        line[..line.find(msg).unwrap()].to_string()
    };
    assert!(t.contains('\x1b'), "no colours at all: is this a terminal? {t:?}");
    assert_eq!(before(&p), before(&t), "primop:\n{p:?}\ntwin:\n{t:?}");
    // and nothing but the line's end after it
    let after = |s: &str| {
        let line = s.lines().find(|l| l.contains(msg)).unwrap();
        line[line.find(msg).unwrap() + msg.len()..].trim_end_matches('\r').to_string()
    };
    assert_eq!(after(&p), after(&t));
}

// ---- super-linear work ----------------------------------------------------------------------------

#[test]
fn did_you_mean_on_a_huge_name_is_no_work() {
    // an unknown machine name of 100 KB among 24 machine names as long: each Levenshtein
    // distance takes 10^10 steps (the primop took 13 s for one); names this long get no
    // suggestion. (Not longer: Nix 2.8's regex, which the twin's path quoting uses, overflows
    // its stack on a 1 MB name.)
    let expr = |f: &str| {
        format!(
            r#"let
              long = c: builtins.concatStringsSep "" (builtins.genList (_: c) 100000);
              letters = builtins.genList (k: builtins.substring k 1 "abcefghijklmnopqrstuvwxyz") 24;
              machines = builtins.listToAttrs (map (c: {{ name = long c; value = {{ }}; }}) letters);
            in {f} {{ inherit machines; instances.i.roles.r.machines.${{long "d"}} = {{ }}; }}"#
        )
    };
    let p = eval_guarded(&expr(PRIMOP_I), true, "primop").error();
    let t = eval_guarded(&expr(&twin_i()), false, "twin").error();
    assert_eq!(p, t);
    assert!(p.starts_with("instances.i.roles.r.machines.dddd") && !p.contains("did you mean"), "{}", &p[..100]);
}

#[test]
fn role_look_ups_are_not_quadratic() {
    // 200,000 roles, each allowed by a module listing them all and constrained: a linear scan
    // per role is 4*10^10 name comparisons
    let n = 200_000;
    let expr = |f: &str| {
        format!(
            r#"let
              roles = builtins.genList (k: "role${{toString k}}") {n};
              asSet = v: builtins.listToAttrs (map (r: {{ name = r; value = v; }}) roles);
            in builtins.length (builtins.attrNames ({f} {{
              machines.a = {{ }};
              instances.i = {{ module.name = "m"; roles = asSet {{ }}; }};
              modules."<clan-core>-m" = {{ inherit roles; constraints = asSet {{ maxMachines = 1; }}; }};
            }}).instances.i.roles)"#
        )
    };
    assert_eq!(eval_guarded(&expr(PRIMOP_I), true, "primop").json(), serde_json::json!(n));
    assert_eq!(eval_guarded(&expr(&twin_i()), false, "twin").json(), serde_json::json!(n));
}

// ---- Ctrl-C ----------------------------------------------------------------------------------------

#[test]
fn ctrl_c_stops_a_long_expansion() {
    // 10^5 machines, all in role `r` of each of 10^5 instances whose module constrains it: the
    // constraint check alone walks 10^10 memberships (many minutes), all in Rust, and the last
    // instance breaks its constraint, so without an interrupt the expansion ends in a
    // validation error, never in Nix's "interrupted by the user".
    let expr = format!(
        r#"let
          n = 100000;
          pad = k: let s = toString k; in builtins.substring 0 (6 - builtins.stringLength s) "000000" + s;
          machines = builtins.listToAttrs (builtins.genList (k: {{ name = "m${{pad k}}"; value = {{ }}; }}) n);
          instance = {{ module.name = "x"; roles.r.tags = [ "all" ]; }};
          instances = builtins.listToAttrs (builtins.genList (k: {{ name = "i${{pad k}}"; value = instance; }}) n)
            // {{ z = {{ module.name = "y"; roles.r.tags = [ "all" ]; }}; }};
          modules = {{
            "<clan-core>-x".constraints.r.maxMachines = n;
            "<clan-core>-y".constraints.r.maxMachines = 1;
          }};
          ready = builtins.deepSeq (builtins.attrNames instances) (builtins.deepSeq machines true);
        in builtins.seq ready (builtins.trace "input ready" ({PRIMOP_I} {{ inherit machines instances modules; }}).warnings)"#
    );
    let mut c = nix().command("nix-instantiate");
    c.arg("--option").arg("plugin-files").arg(common::plugin()).args(["--eval", "--strict", "-E", &expr]);
    let mut child = c.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            panic!("nix ended before the expansion began: {seen}");
        }
        seen.push_str(&line);
        if line.contains("input ready") {
            break;
        }
    }
    // now in the primop (the input is all built): interrupt it a moment later
    std::thread::sleep(Duration::from_millis(500));
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let rest = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(300) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("nix did not stop on SIGINT: the expansion went on");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let rest = rest.join().unwrap();
    assert_eq!(status.code(), Some(1), "{rest}");
    assert!(rest.contains("interrupted by the user"), "not Nix's interrupt: {rest}");
}

// ---- loading --------------------------------------------------------------------------------------

#[test]
fn a_second_copy_of_the_plugin_steps_aside_with_one_warning() {
    let copy = nix().dir().join("second-copy-libnix_instances.so");
    std::fs::copy(common::plugin(), &copy).unwrap();
    let files = format!("{} {}", common::plugin().display(), copy.display());
    let out = nix()
        .command("nix-instantiate")
        .args(["--option", "plugin-files", &files, "--eval", "--strict", "--json", "-E"])
        .arg(r#"map (n: builtins.length (builtins.filter (m: m == n) (builtins.attrNames builtins))) [ "expandInstances" "expandMultiService" "nixInstancesVersion" ]"#)
        .output()
        .unwrap();
    let e = Eval::from(out);
    assert_eq!(e.json(), serde_json::json!([1, 1, 1]), "{}", e.stderr);
    let warnings: Vec<_> = e.warnings().into_iter().filter(|w| w.contains("nix-instances")).collect();
    assert_eq!(warnings.len(), 1, "{}", e.stderr);
    assert!(warnings[0].contains("another copy of the plugin"), "{}", warnings[0]);
}

// ---- the multiService drop-in's laziness ------------------------------------------------------------

/// `config.settings.log_level` of a process-compose-like configuration with `multiService`
/// (of the service module file `web`), where every enabled instance's process names throw.
fn log_level_expr(lib: &str, multi_service: &str, web: &str) -> String {
    format!(
        r#"let
          lib = import ({lib} + "/lib");
          multiService = {multi_service};
          svc = {{ name, ... }}: {{
            outputs.settings = {{
              log_level = "info";
              processes = throw "process names of ${{name}} forced";
            }};
          }};
          eval = lib.evalModules {{
            specialArgs.pkgs = {{ }};
            modules = [
              {{
                options.settings = lib.mkOption {{
                  default = {{ }};
                  type = lib.types.submoduleWith {{
                    modules = [ {{
                      options.log_level = lib.mkOption {{ type = lib.types.str; default = "debug"; }};
                      options.processes = lib.mkOption {{ type = lib.types.attrsOf lib.types.raw; default = {{ }}; }};
                    }} ];
                  }};
                }};
              }}
              (multiService {web})
              {{ imports = [ svc ]; }}
            ];
          }};
        in eval.config.settings.log_level"#
    )
}

#[test]
fn multi_service_drop_in_reads_other_settings_without_process_names() {
    let lib = match std::env::var("NIXPKGS_LIB") {
        Ok(l) if !l.is_empty() => nix_string(&l),
        _ => return eprintln!("skipped: NIXPKGS_LIB is unset (a checkout of nixpkgs.lib)"),
    };
    let ours = |expand: &str| format!("import {}/nix/multi-service-module.nix {{ expandMultiService = {expand}; }}", repo().display());
    // the module under test: services.web.{a,b} enabled, defined through `svc`
    let web = nix().dir().join("web.nix");
    std::fs::write(&web, "{ }\n").unwrap();
    let web = web.display().to_string();
    let with = |ms: &str| {
        log_level_expr(&lib, ms, &web).replace(
            "{ imports = [ svc ]; }",
            "{ services.web.a = { enable = true; imports = [ svc ]; }; services.web.b = { enable = true; imports = [ svc ]; }; }",
        )
    };
    assert_eq!(nix().eval(&with(&ours(PRIMOP_S)), true).json(), serde_json::json!("info"));
    assert_eq!(nix().eval(&with(&ours(&twin_s())), false).json(), serde_json::json!("info"));
    // services-flake's own multiService reads it the same way
    match std::env::var("SERVICES_FLAKE") {
        Ok(sf) if !sf.is_empty() => {
            let original = format!("(import ({} + \"/nix/lib.nix\")).multiService", nix_string(&sf));
            assert_eq!(nix().eval(&with(&original), false).json(), serde_json::json!("info"));
        }
        _ => eprintln!("note: SERVICES_FLAKE is unset: not compared with services-flake's multiService"),
    }
    // reading the processes still forces them, and still finds duplicates
    let procs = with(&ours(PRIMOP_S)).replace("eval.config.settings.log_level", "builtins.attrNames eval.config.settings.processes");
    assert!(nix().eval(&procs, true).error().contains("process names of a forced"));
}

// ---- memory ------------------------------------------------------------------------------------------

#[test]
fn a_table_too_large_for_memory_is_a_nix_error_not_an_abort() {
    // 1,000 machines in a role of each of 1,000 instances: 10^6 memberships, whose tables
    // (12 MB and more) the test hook's allocator refuses above 1 MB, as an address-space limit
    // would. An infallible allocation aborts nix (SIGABRT, "memory allocation of … failed");
    // the reserved ones report Nix's own "out of memory".
    let expr = r#"let
      n = 1000;
      machines = builtins.listToAttrs (builtins.genList (k: { name = "m${toString k}"; value = { }; }) n);
      instances = builtins.listToAttrs (builtins.genList (k: { name = "i${toString k}"; value = { roles.r.tags = [ "all" ]; }; }) n);
      arg = { inherit machines instances; };
    in builtins.seq (builtins.deepSeq arg null)
      (builtins.seq (builtins.nixInstancesTestAllocCap 1000000) (builtins.expandInstances arg).warnings)"#;
    let e = nix().eval(expr, true);
    assert!(!e.crashed, "nix aborted:\n{}", e.stderr);
    assert_eq!(e.error(), "out of memory");
    // the same expansion without the cap: fine
    let fine = expr.replace("builtins.nixInstancesTestAllocCap 1000000", "true");
    assert_eq!(nix().eval(&fine, true).json(), serde_json::json!([]));
}
