//! The Nix library with the real module system: `multiService` as a drop-in for
//! services-flake's. Needs nixpkgs' lib: set NIXPKGS_LIB to a checkout of nixpkgs.lib (or
//! nixpkgs); without it these tests report themselves skipped.

mod common;
use common::{nix, repo};
use serde_json::json;

fn nixpkgs_lib() -> Option<String> {
    match std::env::var("NIXPKGS_LIB") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            eprintln!("skipped: NIXPKGS_LIB is unset (a checkout of nixpkgs.lib)");
            None
        }
    }
}

fn dropin(with_plugin: bool, lib: &str) -> serde_json::Value {
    let expr = format!(
        "import {}/tests/nix/multi-service-dropin.nix {{ nixpkgsLib = {}; }}",
        repo().display(),
        common::nix_string(lib)
    );
    nix().eval(&expr, with_plugin).json()
}

#[test]
fn multi_service_drop_in_evaluates_the_seed_example() {
    let Some(lib) = nixpkgs_lib() else { return };
    let native = dropin(true, &lib);
    let pure = dropin(false, &lib);
    assert_eq!(native, pure, "plugin and twin give different module results");
    let p = &native["processes"];
    assert_eq!(
        p.as_object().unwrap().keys().collect::<Vec<_>>(),
        vec!["greeter-g1", "hello1", "hello2"]
    );
    let hello = "/nix/store/00000000000000000000000000000000-hello-2.12.1/bin/hello";
    assert_eq!(p["hello1"], json!({ "command": format!("{hello} --greeting='Hello, world!'"), "namespace": "hello.hello1" }));
    assert_eq!(p["hello2"], json!({ "command": format!("{hello} --greeting='Hello, Nix!'"), "namespace": "hello.hello2" }));
    assert_eq!(p["greeter-g1"]["namespace"], json!("greeter.g1"));
    assert_eq!(
        native["dataDirs"],
        json!({ "hello1": "./data/hello1", "hello2": "./data/hello2", "hello3": "./data/hello3" })
    );
    assert_eq!(native["duplicateFails"], json!(true));
}
