//! The `nix-instances` command on unusual names (issue 13): it agrees with the plugin and the
//! twin on NUL bytes and on the last code points U+10FF00–U+10FFFF.

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

/// What `expand -` prints for an invalid inventory: the primop's message, then where to look.
fn expand_error(message: &str) -> String {
    format!("error: {message}\n\nhint: `nix-instances check -` shows each problem in the file\n")
}

#[test]
fn a_name_with_a_nul_byte_is_an_error_at_its_set() {
    for (input, path) in [
        (r#"{ "machines": { "a\u0000b": {} }, "instances": {} }"#, "machines"),
        (r#"{ "machines": {}, "instances": { "i": { "roles": { "r\u0000": {} } } } }"#, "instances.i.roles"),
    ] {
        let (code, _, err) = run(&["expand", "-"], input);
        assert_eq!(code, 1);
        assert_eq!(err, expand_error(&format!("{path}: an attribute name contains a NUL byte, which a Nix string cannot hold")));
    }
    let (code, _, err) = run(&["multi-service", "-"], r#"{ "service": "s", "instances": { "x": { "enable": true, "outputs": { "settings": { "processes": { "p\u0000": {} } } } } } }"#);
    assert_eq!(code, 1);
    assert_eq!(err, "error: services.s.x.outputs.settings.processes: an attribute name contains a NUL byte, which a Nix string cannot hold\n");
    // a string: Nix cuts it at the NUL, so the CLI refuses it rather than differ
    let (code, _, err) = run(&["expand", "-"], r#"{ "machines": { "a": { "tags": ["w\u0000x"] } }, "instances": {} }"#);
    assert_eq!(code, 1);
    assert_eq!(err, expand_error("machines.a.tags[0]: the string contains a NUL byte, which a Nix string cannot hold"));
}

#[test]
fn the_last_code_points_stand_for_themselves_in_errors_and_warnings() {
    for c in ['\u{10FF22}', '\u{10FF0A}', '\u{10FEFF}', '\u{10FFFF}'] {
        let n = format!("n{c}{c}");
        let input = serde_json::json!({ "machines": { "web": { "tags": [n] } }, "instances": { "i": { "roles": { "r": {
            "tags": [format!("{n}y")], "machines": { n.as_str(): {} } } } } } });
        let (code, _, err) = run(&["expand", "-"], &input.to_string());
        assert_eq!(code, 1);
        assert_eq!(err, expand_error(&format!("instances.i.roles.r.machines.\"{n}\": no machine named '{n}'")));
        let input = serde_json::json!({ "machines": { "web": { "tags": [n] } }, "instances": { "i": { "roles": { "r": { "tags": [format!("{n}y")] } } } } });
        let (code, out, err) = run(&["expand", "-"], &input.to_string());
        assert_eq!(code, 0, "{err}");
        let start = format!("instances.i.roles.r.tags.\"{n}y\": tag '{n}y' matches no machine (did you mean '{n}'?)");
        let warning = err.strip_prefix("warning: ").and_then(|w| w.strip_suffix('\n')).unwrap_or_else(|| panic!("{err}"));
        assert!(warning.starts_with(&start), "{warning}");
        let out: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(out["warnings"], serde_json::json!([warning]));
    }
}
