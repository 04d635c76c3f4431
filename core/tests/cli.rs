//! The `nix-instances` command: JSON in, JSON out, warnings and errors on stderr.

use std::io::Write;
use std::process::{Command, Stdio};

fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nix-instances"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn expands_an_inventory_file() {
    let dir = std::env::temp_dir().join(format!("nix-instances-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("inventory.json");
    std::fs::write(&file, r#"{ "machines": { "a": { "tags": ["web"] } }, "instances": { "i": { "roles": { "r": { "tags": ["web", "nope"], "settings": { "x": 1 } } } } } }"#).unwrap();
    let (code, out, err) = run(&["expand", file.to_str().unwrap()], "");
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["instances"]["i"]["roles"]["r"]["settings"], serde_json::json!({ "x": 1 }));
    assert_eq!(v["machines"]["a"]["instances"]["i"]["roles"], serde_json::json!(["r"]));
    assert_eq!(err, "warning: instances.i.roles.r.tags.nope: tag 'nope' matches no machine; tags in use: all, nixos, web\n");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn rejects_bad_input_with_the_path_and_exit_code_1() {
    let (code, out, err) = run(&["expand", "-"], r#"{ "machines": { "db1": {} }, "instances": { "web": { "roles": { "server": { "machines": { "db2": {} } } } } } }"#);
    assert_eq!(code, 1);
    assert_eq!(out, "");
    assert_eq!(err, "error: instances.web.roles.server.machines.db2: no machine named 'db2' (did you mean 'db1'?)\n");
}

#[test]
fn multi_service_and_usage_errors() {
    let (code, out, _) = run(&["multi-service", "-"], r#"{ "module": "hello.nix", "instances": { "a": { "enable": true } } }"#);
    assert_eq!(code, 0);
    assert!(out.contains("\"namespace\": \"hello.a\""), "{out}");
    let (code, _, err) = run(&["frobnicate", "x"], "");
    assert_eq!(code, 2);
    assert!(err.contains("unknown command"), "{err}");
    let (code, _, err) = run(&["expand", "/nonexistent/inventory.json"], "");
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/inventory.json"), "{err}");
    let (code, _, err) = run(&["expand", "-"], "{ not json");
    assert_eq!(code, 2, "{err}");
}
