//! The bridge against a real `nix`: registration, laziness of the boundary, errors raised by Nix
//! re-thrown unchanged, validation errors throw-like, panics contained, GC safety.

mod common;
use common::{lib_expr, nix};

const SMALL: &str = r#"{ machines = { web1 = { tags = [ "web" ]; }; db1 = { }; }; instances.hello.roles.server.tags = [ "web" ]; }"#;

#[test]
fn registration_survives_linking() {
    let with = nix().eval("builtins ? nixInstancesVersion && builtins ? expandInstances && builtins ? expandMultiService", true);
    assert_eq!(with.json(), serde_json::json!(true), "primops missing: the shim's static registration was dropped");
    let version = nix().eval("builtins.nixInstancesVersion", true);
    assert_eq!(version.json(), serde_json::json!(env!("CARGO_PKG_VERSION")));
    let without = nix().eval("builtins ? nixInstancesVersion", false);
    assert_eq!(without.json(), serde_json::json!(false));
}

#[test]
fn primops_live_in_builtins_only() {
    // `__` names: not added to the global scope, like other plugins' primops.
    let e = nix().eval("expandInstances", true);
    assert!(e.error().contains("undefined variable 'expandInstances'"), "{}", e.stderr);
}

#[test]
fn library_picks_the_primop_when_loaded() {
    let expr = format!("let l = {}; in [ l.hasPlugin l.version ]", lib_expr());
    assert_eq!(nix().eval(&expr, true).json(), serde_json::json!([true, env!("CARGO_PKG_VERSION")]));
    assert_eq!(nix().eval(&expr, false).json(), serde_json::json!([false, null]));
}

#[test]
fn try_eval_catches_a_throw_in_a_forced_position() {
    for expr in [
        r#"builtins.tryEval (builtins.expandInstances { machines = throw "x"; instances = { }; })"#,
        r#"builtins.tryEval (builtins.expandInstances { machines.a.tags = [ (throw "x") ]; instances = { }; })"#,
        r#"builtins.tryEval (builtins.expandMultiService { service = "s"; instances.a.enable = throw "x"; })"#,
    ] {
        assert_eq!(nix().eval(expr, true).json(), serde_json::json!({ "success": false, "value": false }), "{expr}");
    }
}

#[test]
fn abort_still_aborts() {
    let e = nix().eval(r#"builtins.tryEval (builtins.expandInstances { machines = abort "boom"; instances = { }; })"#, true);
    assert!(!e.success);
    assert!(e.stderr.contains("evaluation aborted with the following error message: 'boom'"), "{}", e.stderr);
}

#[test]
fn nix_errors_are_rethrown_unchanged() {
    // The same message Nix gives for the expression on its own, with the same trace.
    let cases = [
        (r#"1 + "a""#, r#"builtins.expandInstances { machines = 1 + "a"; instances = { }; }"#),
        ("let x = x; in x", "builtins.expandInstances { machines = let x = x; in x; instances = { }; }"),
        (r#"assert false; 1"#, r#"builtins.expandInstances { machines.m.tags = assert false; [ ]; instances = { }; }"#),
    ];
    for (alone, inside) in cases {
        let expected = nix().eval(alone, false).error();
        let got = nix().eval(inside, true).error();
        assert_eq!(got, expected, "{inside}");
    }
    let e = nix().eval(r#"builtins.expandInstances { machines = throw "my own message"; instances = { }; }"#, true);
    assert_eq!(e.error(), "my own message");
}

#[test]
fn validation_errors_are_throw_like_with_path_and_position() {
    let bad = r#"builtins.expandInstances { machines.db1 = { }; instances.web.roles.server.machines.db2 = { }; }"#;
    assert_eq!(nix().eval(&format!("(builtins.tryEval ({bad})).success"), true).json(), serde_json::json!(false));
    let e = nix().eval(bad, true);
    assert_eq!(e.error(), "instances.web.roles.server.machines.db2: no machine named 'db2' (did you mean 'db1'?)");
    assert!(e.stderr.contains("«string»:1:1"), "no call position in:\n{}", e.stderr);
}

#[test]
fn warnings_are_printed_and_returned() {
    let e = nix().eval(
        r#"(builtins.expandInstances { machines.a = { }; instances.i.roles.r.tags = [ "nope" ]; }).warnings"#,
        true,
    );
    let expected = "instances.i.roles.r.tags.nope: tag 'nope' matches no machine; tags in use: all, nixos";
    assert_eq!(e.json(), serde_json::json!([expected]));
    assert_eq!(e.warnings(), vec![expected.to_string()]);
}

#[test]
fn settings_pass_through_as_the_same_value() {
    // A function is comparable only by identity: it survives only if passed through untouched.
    let expr = r#"let f = x: x + 1; r = builtins.expandInstances { machines.a = { }; instances.i.roles.r = { machines.a.settings = f; settings = f; extraModules = f; }; }; in
      [ ((builtins.head r.instances.i.roles.r.machines.a.settings.imports) 1) (r.instances.i.roles.r.settings 2) (r.instances.i.roles.r.extraModules 3) ]"#;
    assert_eq!(nix().eval(expr, true).json(), serde_json::json!([2, 3, 4]));
}

#[cfg(feature = "test-hooks")]
#[test]
fn a_rust_panic_becomes_a_nix_error() {
    let e = nix().eval("builtins.tryEval (builtins.nixInstancesTestPanic 1)", true);
    assert!(!e.crashed, "nix crashed:\n{}", e.stderr);
    assert!(
        e.error().starts_with("internal error in nix-instances: deliberate panic from the test hook"),
        "{}",
        e.stderr
    );
    // The evaluator goes on working afterwards.
    let after = nix().eval("[ (builtins.tryEval (builtins.nixInstancesTestPanic 1)).success or null ]", true);
    assert!(!after.success && !after.crashed);
}

#[cfg(not(feature = "test-hooks"))]
#[test]
fn a_rust_panic_becomes_a_nix_error() {
    panic!("this test needs the test hooks: run scripts/test.sh, or cargo test --features test-hooks");
}

/// A large inventory: `machines` machines, `instances` instances with three roles each.
pub fn large_inventory(machines: usize, instances: usize) -> String {
    format!(
        r#"let
          ms = builtins.genList (i: "m${{toString i}}") {machines};
          tagOf = i: "t${{toString (i - (i / 20) * 20)}}";
        in {{
          machines = builtins.listToAttrs (builtins.genList (i: {{ name = "m${{toString i}}"; value = {{ tags = [ (tagOf i) ]; }}; }}) {machines});
          instances = builtins.listToAttrs (builtins.genList (i: {{
            name = "i${{toString i}}";
            value.roles = {{
              server.tags = [ (tagOf i) ];
              client.tags.${{tagOf (i + 1)}}.settings = {{ n = i; }};
              admin.machines.${{builtins.elemAt ms (i - (i / {machines}) * {machines})}}.settings = {{ admin = true; }};
            }};
          }}) {instances});
        }}"#
    )
}

#[cfg(feature = "test-hooks")]
#[test]
fn results_survive_garbage_collection() {
    let inv = large_inventory(1000, 300);
    // builtins.toJSON forces everything, settings included, into one string compared in Nix.
    let expr = format!(
        "let inv = {inv}; a = builtins.toJSON (builtins.nixInstancesTestGcStress \"instances\" inv); \
         b = builtins.toJSON ({lib}.pure.expandInstances inv); in {{ same = a == b; size = builtins.stringLength a; }}",
        lib = lib_expr()
    );
    // A tiny initial heap and a collection every 64 values held by Rust.
    let e = nix().eval_with(&expr, true, &[], &[("GC_INITIAL_HEAP_SIZE", "1M"), ("GC_FREE_SPACE_DIVISOR", "100")]);
    assert!(!e.crashed, "{}", e.stderr);
    let v = e.json();
    assert_eq!(v["same"], serde_json::json!(true), "the result changed under garbage collection");
    assert!(v["size"].as_u64().unwrap() > 1_000_000, "the case is too small to stress the collector");
}

#[test]
fn non_utf8_names_pass_through() {
    // builtins.substring cuts "é" in the middle of its UTF-8 encoding.
    let expr = r#"let n = builtins.substring 0 1 "é"; r = builtins.expandInstances { machines.${n} = { }; instances.i.roles.r.machines.${n} = { }; }; in
      [ (builtins.attrNames r.machines == [ n ]) (r.instances.i.roles.r.machines ? ${n}) ]"#;
    assert_eq!(nix().eval(expr, true).json(), serde_json::json!([true, true]));
}

#[test]
fn the_new_cli_and_a_path_flake_load_the_plugin() {
    let e = nix().nix_eval(&["--expr", &format!("({SMALL_CALL}).machines.web1.instances")]);
    assert_eq!(e.json(), serde_json::json!({ "hello": { "roles": ["server"] } }));

    let flake = nix().dir().join("flake");
    std::fs::create_dir_all(&flake).unwrap();
    std::fs::write(
        flake.join("flake.nix"),
        format!(
            "{{ outputs = {{ self }}: {{ hasPlugin = {lib}.hasPlugin; result = builtins.expandInstances {SMALL}; }}; }}",
            lib = lib_expr()
        ),
    )
    .unwrap();
    let url = format!("path:{}", flake.display());
    let e = nix().nix_eval(&["--impure", &format!("{url}#result.tags.web")]);
    assert_eq!(e.json(), serde_json::json!(["web1"]));
    let e = nix().nix_eval(&[&format!("{}#result.machines.db1", url)]);
    assert_eq!(e.json(), serde_json::json!({ "tags": ["all", "nixos"], "instances": {} }));
}

const SMALL_CALL: &str = r#"builtins.expandInstances { machines = { web1 = { tags = [ "web" ]; }; db1 = { }; }; instances.hello.roles.server.tags = [ "web" ]; }"#;
