//! Unit tests of the expansion over JSON values.

use super::{check, expand};
use crate::json::JsonHost;
use serde_json::{json, Value};

fn run(input: Value) -> (Result<Value, String>, Vec<String>) {
    let mut h = JsonHost::default();
    let r = expand(&mut h, &input).map_err(|e| e.to_string());
    (r, h.warnings)
}

fn ok(input: Value) -> Value {
    run(input).0.unwrap()
}

#[test]
fn effective_tags_combine_own_static_and_computed() {
    let out = ok(json!({
        "machines": { "a": { "tags": ["web", "web"] }, "b": { "machineClass": "darwin" } },
        "tags": { "backup": ["b", "a"] },
        "instances": {}
    }));
    assert_eq!(out["machines"]["a"]["tags"], json!(["all", "backup", "nixos", "web"]));
    assert_eq!(out["machines"]["b"]["tags"], json!(["all", "backup", "darwin"]));
    assert_eq!(out["tags"], json!({ "all": ["a", "b"], "backup": ["a", "b"], "darwin": ["b"], "nixos": ["a"], "web": ["a"] }));
}

#[test]
fn a_given_computed_tag_replaces_the_computed_one() {
    let out = ok(json!({ "machines": { "a": {}, "b": {} }, "tags": { "all": ["b"] }, "instances": {} }));
    assert_eq!(out["tags"]["all"], json!(["b"]));
    assert_eq!(out["machines"]["a"]["tags"], json!(["nixos"]));
}

#[test]
fn members_import_explicit_then_tag_settings_in_tag_order() {
    let out = ok(json!({
        "machines": { "a": { "tags": ["x", "y"] }, "b": { "tags": ["y"] } },
        "instances": { "i": { "roles": { "r": {
            "machines": { "a": { "settings": "A" } },
            "tags": { "y": { "settings": "Y" }, "x": {} },
            "settings": "R"
        } } } }
    }));
    let r = &out["instances"]["i"]["roles"]["r"];
    assert_eq!(r["machines"]["a"]["settings"]["imports"], json!(["A", {}, "Y"]));
    assert_eq!(r["machines"]["b"]["settings"]["imports"], json!([{}, "Y"]));
    assert_eq!(r["settings"], json!("R"));
    assert_eq!(r["extraModules"], json!([]));
    assert_eq!(out["instances"]["i"]["moduleId"], json!("<clan-core>-i"));
    assert_eq!(out["modules"], json!({ "<clan-core>-i": ["i"] }));
    assert_eq!(out["machines"]["b"]["instances"], json!({ "i": { "roles": ["r"] } }));
}

#[test]
fn unknown_machines_get_a_suggestion() {
    let (r, _) = run(json!({ "machines": { "db1": {} }, "instances": { "web": { "roles": { "server": { "machines": { "db2": {} } } } } } }));
    assert_eq!(r.unwrap_err(), "instances.web.roles.server.machines.db2: no machine named 'db2' (did you mean 'db1'?)");
}

#[test]
fn unmatched_role_tags_warn() {
    let (r, w) = run(json!({ "machines": { "a": { "tags": ["web"] } }, "instances": { "i": { "roles": { "r": { "tags": ["wbe"] } } } } }));
    assert_eq!(r.unwrap()["warnings"], json!(w));
    assert_eq!(w, vec!["instances.i.roles.r.tags.wbe: tag 'wbe' matches no machine (did you mean 'web'?); tags in use: all, nixos, web"]);
}

#[test]
fn module_validation() {
    let base = |modules: Value, roles: Value| json!({
        "machines": { "a": {}, "b": {} },
        "instances": { "i": { "module": { "name": "m" }, "roles": roles }, "j": { "module": { "name": "m" } } },
        "modules": { "<clan-core>-m": modules }
    });
    let err = |v| run(v).0.unwrap_err();
    assert_eq!(
        err(base(json!({ "roles": ["server", "client"] }), json!({ "sever": {} }))),
        "instances.i.roles.sever: module '<clan-core>-m' has no role 'sever' (did you mean 'server'?); its roles: client, server"
    );
    assert_eq!(
        err(base(json!({ "maxInstances": 1 }), json!({}))),
        "instances.j: module '<clan-core>-m' allows at most 1 instances; used by i, j"
    );
    assert_eq!(
        err(base(json!({ "constraints": { "server": { "maxMachines": 1 } } }), json!({ "server": { "tags": ["all"] } }))),
        "instances.i.roles.server: module '<clan-core>-m' needs at most 1 machines in role 'server', got 2"
    );
    assert_eq!(
        err(base(json!({ "constraints": { "server": { "minMachines": 1 } } }), json!({ "server": { "machines": { "a": {} } } }))),
        "instances.j.roles.server: module '<clan-core>-m' needs at least 1 machines in role 'server', got 0"
    );
}

/// clan's option types: `maxInstances` and `maxMachines` are `nullOr ints.positive`,
/// `minMachines` is `nullOr ints.unsigned`; checked even when no instance uses the module.
#[test]
fn limits_are_checked_like_clan_option_types() {
    let err = |module: Value| run(json!({ "modules": { "x": module } })).0.unwrap_err();
    assert_eq!(err(json!({ "maxInstances": 0 })), "modules.x.maxInstances: expected a positive integer or null, got 0");
    assert_eq!(err(json!({ "maxInstances": -1 })), "modules.x.maxInstances: expected a positive integer or null, got -1");
    assert_eq!(err(json!({ "maxInstances": "1" })), "modules.x.maxInstances: expected a positive integer or null, got a string");
    assert_eq!(
        err(json!({ "constraints": { "r": { "minMachines": -1 } } })),
        "modules.x.constraints.r.minMachines: expected a non-negative integer or null, got -1"
    );
    assert_eq!(
        err(json!({ "constraints": { "r": { "maxMachines": 0 } } })),
        "modules.x.constraints.r.maxMachines: expected a positive integer or null, got 0"
    );
    let ok = |module: Value| run(json!({ "modules": { "x": module } })).0.is_ok();
    assert!(ok(json!({ "maxInstances": 1, "constraints": { "r": { "minMachines": 0, "maxMachines": 1 } } })));
    assert!(ok(json!({ "maxInstances": null, "constraints": { "r": { "minMachines": null, "maxMachines": null } } })));
}

#[test]
fn machines_and_instances_are_optional() {
    let out = ok(json!({}));
    assert_eq!(out["instances"], json!({}));
    assert_eq!(out["machines"], json!({}));
    assert_eq!(out["tags"], json!({ "all": [], "darwin": [], "nixos": [] }));
    assert_eq!(ok(json!({ "machines": { "a": {} } }))["machines"]["a"]["tags"], json!(["all", "nixos"]));
    let out = ok(json!({ "instances": { "i": { "roles": { "r": { "tags": ["all"] } } } } }));
    assert_eq!(out["instances"]["i"]["roles"]["r"]["machines"], json!({}));
}

/// Every semantic error comes back at once, sorted by path, each with its suggestion.
#[test]
fn every_semantic_error_at_once() {
    let input = json!({
        "machines": { "db1": {}, "web1": {} },
        "tags": { "backup": ["web1", "web3", "db3"] },
        "modules": {
            "<clan-core>-m": { "roles": ["server", "client"], "maxInstances": 1, "constraints": { "server": { "minMachines": 1 }, "sever": { "maxMachines": 1 } } }
        },
        "instances": {
            "b": { "module": { "name": "m" }, "roles": { "sever": { "machines": { "db1": {}, "db2": {} }, "tags": ["all"] } } },
            "a": { "module": { "name": "m" }, "roles": { "server": { "machines": { "web2": {} } } } }
        }
    });
    let mut h = JsonHost::default();
    let report = check(&mut h, &input).unwrap();
    let shown: Vec<(String, Option<&str>)> = report.errors.iter().map(|d| (d.to_string(), d.suggestion.as_deref())).collect();
    assert_eq!(
        shown,
        [
            ("instances.a.roles.server.machines.web2: no machine named 'web2' (did you mean 'web1'?)".to_string(), Some("web1")),
            ("instances.b: module '<clan-core>-m' allows at most 1 instances; used by a, b".to_string(), None),
            ("instances.b.roles.server: module '<clan-core>-m' needs at least 1 machines in role 'server', got 0".to_string(), None),
            (
                "instances.b.roles.sever: module '<clan-core>-m' has no role 'sever' (did you mean 'server'?); its roles: client, server".to_string(),
                Some("server")
            ),
            ("instances.b.roles.sever: module '<clan-core>-m' needs at most 1 machines in role 'sever', got 3".to_string(), None),
            ("instances.b.roles.sever.machines.db2: no machine named 'db2' (did you mean 'db1'?)".to_string(), Some("db1")),
            ("tags.backup[1]: no machine named 'web3' (did you mean 'web1'?)".to_string(), Some("web1")),
            ("tags.backup[2]: no machine named 'db3' (did you mean 'db1'?)".to_string(), Some("db1")),
        ]
    );
    assert_eq!(report.errors[0].path.segments().len(), 6);
    // expand reports the same list as one error, and no warnings
    let (r, w) = run(input);
    let lines: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert_eq!(r.unwrap_err(), format!("8 errors in the inventory:\n{}", lines.join("\n")));
    assert!(w.is_empty());
}

#[test]
fn structural_errors_stop_at_the_first() {
    let mut h = JsonHost::default();
    let input = json!({ "machines": { "a": { "tags": "x" } }, "instances": { "i": { "roles": { "r": { "machines": { "ghost": {} } } } } } });
    let e = check(&mut h, &input).unwrap_err();
    assert_eq!(e.to_string(), "machines.a.tags: expected a list, got a string");
    let ds = e.into_diagnostics().unwrap();
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0].path, crate::path!["machines", "a", "tags"]);
}

/// Quadratic work here (modules x instances) took minutes at this size (issue 13).
#[test]
fn max_instances_check_is_linear() {
    let n = 50_000;
    let mut instances = serde_json::Map::new();
    let mut modules = serde_json::Map::new();
    for k in 0..n {
        instances.insert(format!("i{k}"), json!({ "module": { "name": format!("m{k}") } }));
        modules.insert(format!("<clan-core>-m{k}"), json!({ "maxInstances": 1 }));
    }
    instances.insert("extra".into(), json!({ "module": { "name": "m7" } }));
    let mut h = JsonHost::default();
    let report = check(&mut h, &json!({ "instances": instances, "modules": modules })).unwrap();
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].to_string(), "instances.i7: module '<clan-core>-m7' allows at most 1 instances; used by extra, i7");
}

/// 5,000 tags in use and 1,000 unmatched role tags: each warning names ten tags and counts the
/// rest (they used to list all, 5,000 x 1,000 names).
#[test]
fn unmatched_tag_warnings_stay_small() {
    let machines: serde_json::Map<String, Value> = (0..5_000).map(|k| (format!("m{k}"), json!({ "tags": [format!("t{k:05}")] }))).collect();
    let tags: Vec<String> = (0..1_000).map(|k| format!("unmatched-{k}")).collect();
    let (r, w) = run(json!({ "machines": machines, "instances": { "i": { "roles": { "r": { "tags": tags } } } } }));
    assert!(r.is_ok());
    assert_eq!(w.len(), 1_000);
    assert_eq!(
        w[0],
        "instances.i.roles.r.tags.unmatched-0: tag 'unmatched-0' matches no machine; \
         tags in use: all, nixos, t00000, t00001, t00002, t00003, t00004, t00005, t00006, t00007 (and 4992 more)"
    );
    assert!(w.iter().all(|w| w.len() < 200));
}

#[test]
fn type_errors_name_the_path() {
    let err = |v| run(v).0.unwrap_err();
    assert_eq!(err(json!([])), "expected a set, got a list");
    assert_eq!(err(json!({ "instances": [] })), "instances: expected a set, got a list");
    assert_eq!(err(json!({ "machines": { "a": { "tags": "web" } }, "instances": {} })), "machines.a.tags: expected a list, got a string");
    assert_eq!(err(json!({ "machines": { "a": { "tags": [1] } }, "instances": {} })), "machines.a.tags[0]: expected a string, got an integer");
    assert_eq!(
        err(json!({ "machines": { "a": { "machineClass": "linux" } }, "instances": {} })),
        "machines.a.machineClass: expected \"nixos\" or \"darwin\", got \"linux\""
    );
    assert_eq!(
        err(json!({ "machines": {}, "instances": { "my i": { "roles": { "r": { "tags": 3 } } } } })),
        "instances.\"my i\".roles.r.tags: expected a set or a list of tag names, got an integer"
    );
}

#[test]
fn output_does_not_depend_on_tag_list_order() {
    let a = ok(json!({ "machines": { "a": { "tags": ["x", "y", "x"] } }, "instances": { "i": { "roles": { "r": { "tags": ["y", "x"] } } } } }));
    let b = ok(json!({ "machines": { "a": { "tags": ["y", "x"] } }, "instances": { "i": { "roles": { "r": { "tags": ["x", "y", "y"] } } } } }));
    assert_eq!(a, b);
}
