//! The primops, the pure-Nix twins and the CLI give the same answers: on every case file in
//! tests/cases (with its expected result or exact error), on the laziness probes, and on
//! randomly generated inventories, valid and broken.

mod common;
use common::{nix, repo, Eval};

use serde_json::{json, Map, Value};
use std::path::PathBuf;

struct Impl {
    primop: &'static str,
    twin: &'static str,
    cli: &'static str,
    cases: &'static str,
}

const INSTANCES: Impl = Impl {
    primop: "builtins.expandInstances",
    twin: "nix/expand-instances.nix",
    cli: "expand",
    cases: "tests/cases/instances",
};
const MULTI_SERVICE: Impl = Impl {
    primop: "builtins.expandMultiService",
    twin: "nix/multi-service.nix",
    cli: "multi-service",
    cases: "tests/cases/multi-service",
};

fn twin(i: &Impl) -> String {
    format!("(import {}/{})", repo().display(), i.twin)
}

/// The CLI built by `cargo test --workspace` (core crate), beside this test's directory.
fn cli() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let cli = exe.parent().unwrap().parent().unwrap().join("nix-instances");
    assert!(cli.exists(), "{} is missing: run the workspace's tests (scripts/test.sh, or cargo test --workspace)", cli.display());
    cli
}

fn run_cli(i: &Impl, input: &Value) -> Eval {
    let dir = nix().dir().join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{}-{}.json", i.cli, std::process::id() as u128 * 1_000_000 + rand_u32() as u128));
    std::fs::write(&file, serde_json::to_string(input).unwrap()).unwrap();
    let out = std::process::Command::new(cli()).arg(i.cli).arg(&file).output().unwrap();
    Eval::from(out)
}

fn rand_u32() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

fn cases(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "nix"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "too few case files in {dir}");
    files
}

/// The whole error message, every line of it: the `error:` line [`Eval::error`] finds and the
/// lines that continue it (Nix indents them; the CLI does not), up to an empty line or Nix's
/// own next line (a position, a trace, the `--show-trace` hint).
fn full_error(e: &Eval) -> String {
    let first = e.error();
    let lines: Vec<&str> = e.stderr.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim_start().strip_prefix("error:").is_some_and(|m| m.trim() == first))
        .expect("the error line");
    let mut message = first;
    for l in &lines[at + 1..] {
        let l = l.trim();
        if l.is_empty() || ["(use '--show-trace'", "at ", "… ", "while "].iter().any(|p| l.starts_with(p)) {
            break;
        }
        message.push('\n');
        message.push_str(l);
    }
    message
}

/// Both evaluations succeeded with the same value, or failed with the same message.
fn assert_same(what: &str, a: &Eval, b: &Eval) {
    assert!(!a.crashed && !b.crashed, "{what}: nix crashed:\n{}\n{}", a.stderr, b.stderr);
    match (a.success, b.success) {
        (true, true) => assert_eq!(a.json(), b.json(), "{what}: results differ"),
        (false, false) => assert_eq!(full_error(a), full_error(b), "{what}: errors differ"),
        _ => panic!("{what}: one failed, the other did not:\n--- a\n{}{}\n--- b\n{}{}", a.stdout, a.stderr, b.stdout, b.stderr),
    }
}

/// Whether a value is plain JSON data all through (no paths, functions or throwing thunks):
/// only such inputs can be handed to the CLI.
const PLAIN: &str = r#"(let plain = v: let t = builtins.typeOf v; in
    if t == "set" then builtins.all (n: plain v.${n}) (builtins.attrNames v)
    else if t == "list" then builtins.all plain v
    else builtins.elem t [ "null" "bool" "int" "float" "string" ];
  in v: let r = builtins.tryEval (plain v); in r.success && r.value)"#;

fn check_case_files(i: &Impl) {
    for file in cases(i.cases) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let case = format!("(import {})", file.display());
        let meta = nix()
            .eval(&format!("let c = {case}; in {{ error = c.error or null; errors = c.errors or null; expect = c ? expect; json = {PLAIN} c.input; }}"), false)
            .json();
        let primop = nix().eval(&format!("{} {case}.input", i.primop), true);
        let pure = nix().eval(&format!("{} {case}.input", twin(i)), false);
        // `error`: the one failure; `errors`: several, each line after the count
        let expected_error = match (meta["error"].as_str(), meta["errors"].as_array()) {
            (Some(err), _) => Some(err.to_string()),
            (None, Some(lines)) => {
                assert!(lines.len() > 1, "{name}: `errors` lists several failures; one is `error`");
                let lines: Vec<&str> = lines.iter().map(|l| l.as_str().unwrap()).collect();
                Some(format!("{} errors in the inventory:\n{}", lines.len(), lines.join("\n")))
            }
            (None, None) => None,
        };
        if let Some(err) = expected_error {
            assert_eq!(full_error(&primop), err, "{name}: primop");
            assert_eq!(full_error(&pure), err, "{name}: twin");
            let caught = nix().eval(&format!("(builtins.tryEval ({} {case}.input)).success", i.primop), true);
            assert_eq!(caught.json(), json!(false), "{name}: the error is not catchable by tryEval");
        } else {
            assert!(meta["expect"].as_bool().unwrap(), "{name}: a case needs `expect` or `error`");
            let expect = nix().eval(&format!("{case}.expect"), false).json();
            assert_eq!(primop.json(), expect, "{name}: primop");
            assert_eq!(pure.json(), expect, "{name}: twin");
            if let Some(ws) = expect.get("warnings").and_then(Value::as_array) {
                let printed: Vec<Value> = primop.warnings().into_iter().map(Value::from).collect();
                assert_eq!(&printed, ws, "{name}: warnings printed by the primop");
            }
        }
        if meta["json"].as_bool().unwrap() {
            let input = nix().eval(&format!("{case}.input"), false).json();
            assert_same(&format!("{name}: CLI vs primop"), &run_cli(i, &input), &primop);
        }
    }
}

#[test]
fn instances_case_files() {
    check_case_files(&INSTANCES);
}

#[test]
fn multi_service_case_files() {
    check_case_files(&MULTI_SERVICE);
}

#[test]
fn laziness_probes_hold_for_primop_and_twin() {
    for (probe, i) in [("instances-lazy.nix", &INSTANCES), ("multi-service-lazy.nix", &MULTI_SERVICE)] {
        let path = repo().join("tests/cases").join(probe);
        let primop = nix().eval(&format!("import {} {}", path.display(), i.primop), true);
        assert_eq!(primop.json(), json!(true), "{probe} with the primop:\n{}", primop.stderr);
        let pure = nix().eval(&format!("import {} {}", path.display(), twin(i)), false);
        assert_eq!(pure.json(), json!(true), "{probe} with the twin:\n{}", pure.stderr);
    }
}

// ---- random inventories ---------------------------------------------------------------------

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    fn subset<'a>(&mut self, xs: &[&'a str], percent: u64) -> Vec<&'a str> {
        xs.iter().copied().filter(|_| self.chance(percent)).collect()
    }
}

const MACHINES: &[&str] = &["web1", "web2", "db1", "db-2", "my host", "edge"];
const TAGS: &[&str] = &["web", "db", "backup", "all", "nixos", "darwin", "edge"];
const ROLES: &[&str] = &["server", "client", "peer"];
const MODULE_NAMES: &[&str] = &["borg", "web", "vpn"];

fn random_inventory(rng: &mut Rng, seed: u64) -> Value {
    let machines: Vec<&str> = rng.subset(MACHINES, 60);
    let mut ms = Map::new();
    for m in &machines {
        let mut v = Map::new();
        if rng.chance(70) {
            v.insert("tags".into(), json!(rng.subset(TAGS, 30)));
        }
        if rng.chance(30) {
            v.insert("machineClass".into(), json!(rng.pick(&["nixos", "darwin"])));
        }
        if rng.chance(20) {
            v.insert("deploy".into(), json!({ "host": m }));
        }
        ms.insert(m.to_string(), Value::Object(v));
    }
    let mut inv = Map::new();
    inv.insert("machines".into(), Value::Object(ms));
    if rng.chance(40) {
        let mut tags = Map::new();
        for t in rng.subset(TAGS, 25) {
            let mut ms = rng.subset(&machines, 40);
            if rng.chance(15) {
                ms.push(rng.pick(MACHINES)); // perhaps unknown
            }
            tags.insert(t.into(), json!(ms));
        }
        inv.insert("tags".into(), Value::Object(tags));
    }
    let mut instances = Map::new();
    let mut module_ids = Vec::new();
    for k in 0..rng.below(4) {
        let name = format!("inst{k}");
        let mut inst = Map::new();
        let module_name = rng.pick(MODULE_NAMES);
        let input = if rng.chance(30) { Some("my-input") } else { None };
        if rng.chance(70) {
            let mut m = Map::new();
            m.insert("name".into(), json!(module_name));
            if let Some(i) = input {
                m.insert("input".into(), json!(i));
            }
            inst.insert("module".into(), Value::Object(m));
            module_ids.push(format!("{}-{module_name}", input.unwrap_or("<clan-core>")));
        } else {
            module_ids.push(format!("<clan-core>-{name}"));
        }
        let mut roles = Map::new();
        for r in rng.subset(ROLES, 50) {
            let mut role = Map::new();
            let mut rm = Map::new();
            let mut explicit = rng.subset(&machines, 30);
            if rng.chance(15) {
                explicit.push(rng.pick(MACHINES)); // perhaps unknown
            }
            for m in explicit {
                let entry = if rng.chance(50) { json!({ "settings": format!("S:{name}.{r}.{m}") }) } else { json!({}) };
                rm.insert(m.into(), entry);
            }
            if !rm.is_empty() || rng.chance(30) {
                role.insert("machines".into(), Value::Object(rm));
            }
            let tags = rng.subset(TAGS, 25);
            if rng.chance(50) {
                role.insert("tags".into(), json!(tags));
            } else {
                let mut ts = Map::new();
                for t in tags {
                    let entry = if rng.chance(50) { json!({ "settings": format!("S:{name}.{r}.tag.{t}") }) } else { json!({}) };
                    ts.insert(t.into(), entry);
                }
                role.insert("tags".into(), Value::Object(ts));
            }
            if rng.chance(50) {
                role.insert("settings".into(), json!({ "marker": format!("S:{name}.{r}") }));
            }
            if rng.chance(30) {
                role.insert("extraModules".into(), json!([format!("E:{name}.{r}")]));
            }
            roles.insert(r.into(), Value::Object(role));
        }
        inst.insert("roles".into(), Value::Object(roles));
        instances.insert(name, Value::Object(inst));
    }
    inv.insert("instances".into(), Value::Object(instances));
    if rng.chance(40) && !module_ids.is_empty() {
        let mut modules = Map::new();
        let id = module_ids[rng.below(module_ids.len())].clone();
        let mut m = Map::new();
        if rng.chance(60) {
            m.insert("roles".into(), json!(rng.subset(ROLES, 70)));
        }
        if rng.chance(40) {
            m.insert("maxInstances".into(), json!(rng.below(3)));
        }
        if rng.chance(40) {
            let mut cs = Map::new();
            let r = rng.pick(ROLES);
            cs.insert(r.into(), json!({ "minMachines": rng.below(2), "maxMachines": 1 + rng.below(3) }));
            m.insert("constraints".into(), Value::Object(cs));
        }
        modules.insert(id, Value::Object(m));
        inv.insert("modules".into(), Value::Object(modules));
    }
    let _ = seed;
    Value::Object(inv)
}

/// Every structural position (never inside settings or extraModules).
fn structural_paths(v: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    if let Some(last) = path.last() {
        if last == "settings" || last == "extraModules" {
            return;
        }
    }
    out.push(path.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                path.push(k.clone());
                structural_paths(child, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                path.push(format!("#{i}"));
                structural_paths(child, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn at_mut<'a>(v: &'a mut Value, path: &[String]) -> &'a mut Value {
    path.iter().fold(v, |v, seg| match seg.strip_prefix('#') {
        Some(i) => &mut v[i.parse::<usize>().unwrap()],
        None => &mut v[seg.as_str()],
    })
}

/// Breaks the inventory at one random structural position.
fn break_somewhere(rng: &mut Rng, inv: &mut Value) {
    let mut paths = Vec::new();
    structural_paths(inv, &mut Vec::new(), &mut paths);
    let path = paths[rng.below(paths.len())].clone();
    let wrong = [json!(7), json!("x"), json!([1]), json!(true), json!(null), json!({}), json!({ "ghost": {} })];
    let replacement = wrong[rng.below(wrong.len())].clone();
    if path.is_empty() {
        *inv = replacement;
    } else if rng.chance(20) {
        // delete instead
        let (last, parent) = path.split_last().unwrap();
        if let Some(obj) = at_mut(inv, parent).as_object_mut() {
            obj.remove(last);
        }
    } else {
        *at_mut(inv, &path) = replacement;
    }
}

fn differential(i: &Impl, generate: fn(&mut Rng, u64) -> Value, count: u64) -> (usize, usize) {
    let (mut ok, mut failed) = (0, 0);
    for seed in 1..=count {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut input = generate(&mut rng, seed);
        if rng.chance(40) {
            break_somewhere(&mut rng, &mut input);
        }
        let file = nix().dir().join(format!("random-{}-{seed}.json", i.cli));
        std::fs::write(&file, serde_json::to_string(&input).unwrap()).unwrap();
        let arg = format!("(builtins.fromJSON (builtins.readFile {}))", file.display());
        let primop = nix().eval(&format!("{} {arg}", i.primop), true);
        let pure = nix().eval(&format!("{} {arg}", twin(i)), false);
        let what = format!("seed {seed}: {input}");
        assert_same(&format!("{what}\nprimop vs twin"), &primop, &pure);
        assert_same(&format!("{what}\nCLI vs primop"), &run_cli(i, &input), &primop);
        if primop.success {
            ok += 1
        } else {
            failed += 1
        }
    }
    (ok, failed)
}

#[test]
fn random_inventories_agree() {
    let (ok, failed) = differential(&INSTANCES, random_inventory, 120);
    eprintln!("random inventories: {ok} expanded, {failed} rejected, all alike in primop, twin and CLI");
    assert!(ok >= 30 && failed >= 20, "the generator should make both kinds: {ok} valid, {failed} invalid");
}

fn random_services(rng: &mut Rng, _seed: u64) -> Value {
    let mut instances = Map::new();
    for k in 0..rng.below(5) {
        let name = format!("{}{k}", rng.pick(&["hello", "pg", "my svc"]));
        let mut inst = Map::new();
        if rng.chance(70) {
            inst.insert("enable".into(), json!(rng.chance(70)));
        }
        if rng.chance(30) {
            inst.insert("namespace".into(), json!(format!("ns-{k}")));
        }
        if rng.chance(30) {
            inst.insert("dataDir".into(), json!(format!("/data/{k}")));
        }
        if rng.chance(80) {
            let mut procs = Map::new();
            for p in rng.subset(&["hello", "worker", "db"], 30) {
                procs.insert(p.to_string(), json!({ "command": format!("C:{name}.{p}") }));
            }
            procs.insert(name.clone(), json!({ "command": format!("C:{name}") }));
            inst.insert("outputs".into(), json!({ "settings": { "processes": procs, "other": "O" } }));
        }
        instances.insert(name, Value::Object(inst));
    }
    let mut arg = Map::new();
    match rng.below(3) {
        0 => {
            arg.insert("service".into(), json!("hello"));
        }
        1 => {
            arg.insert("module".into(), json!(rng.pick(&["./hello.nix", "/x/postgres/", "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-apache-kafka.nix"])));
        }
        _ => {
            arg.insert("module".into(), json!("./x.nix"));
            arg.insert("service".into(), json!(null));
        }
    }
    arg.insert("instances".into(), Value::Object(instances));
    Value::Object(arg)
}

#[test]
fn random_services_agree() {
    let (ok, failed) = differential(&MULTI_SERVICE, random_services, 60);
    eprintln!("random services: {ok} expanded, {failed} rejected, all alike in primop, twin and CLI");
    assert!(ok >= 15 && failed >= 5, "the generator should make both kinds: {ok} valid, {failed} invalid");
}

// ---- scale: work and messages that must stay linear -------------------------------------------

/// 100,000 modules with `maxInstances = 1` and 100,001 instances, one over: the check grouped
/// the instances per module by scanning all of them for each module (147 s here; issue 13).
/// Primop and twin give the same single error.
#[test]
fn max_instances_check_is_linear_in_modules_and_instances() {
    let input = r#"(let n = 100000; ids = builtins.genList (k: toString k) n; in {
        modules = builtins.listToAttrs (map (k: { name = "<clan-core>-m${k}"; value.maxInstances = 1; }) ids);
        instances = builtins.listToAttrs (map (k: { name = "i${k}"; value.module.name = "m${k}"; }) ids)
          // { extra.module.name = "m7"; };
      })"#;
    let primop = nix().eval(&format!("builtins.expandInstances {input}"), true);
    let pure = nix().eval(&format!("{} {input}", twin(&INSTANCES)), false);
    assert_eq!(full_error(&primop), "instances.i7: module '<clan-core>-m7' allows at most 1 instances; used by extra, i7");
    assert_same("primop vs twin", &primop, &pure);
}

/// 20,000 tags in use and 200 role tags that match none: each warning names ten tags and counts
/// the rest (each used to list all 20,000: 200 x 20,000 names), in the `warnings` value and on
/// stderr alike.
#[test]
fn unmatched_tag_warnings_stay_small() {
    let input = r#"(let n = 20000; in {
        machines = builtins.listToAttrs (builtins.genList (k: { name = "m${toString k}"; value.tags = [ "t${toString (100000 + k)}" ]; }) n);
        instances.i.roles.r.tags = builtins.genList (k: "unmatched-role-tag-${toString k}") 200;
      })"#;
    let primop = nix().eval(&format!("(builtins.expandInstances {input}).warnings"), true);
    let pure = nix().eval(&format!("({} {input}).warnings", twin(&INSTANCES)), false);
    assert_same("primop vs twin", &primop, &pure);
    let warnings = primop.json();
    let warnings = warnings.as_array().unwrap();
    assert_eq!(warnings.len(), 200);
    assert_eq!(
        warnings[0],
        "instances.i.roles.r.tags.unmatched-role-tag-0: tag 'unmatched-role-tag-0' matches no machine; \
         tags in use: all, nixos, t100000, t100001, t100002, t100003, t100004, t100005, t100006, t100007 (and 19992 more)"
    );
    assert!(warnings.iter().all(|w| w.as_str().unwrap().len() < 250));
    assert_eq!(primop.warnings(), warnings.iter().map(|w| w.as_str().unwrap().to_string()).collect::<Vec<_>>());
}

/// clan-core's own inventory.json (only `machines`) expands alike in CLI, primop and twin.
/// Skipped without CLAN_CORE.
#[test]
fn clan_core_inventory_json_expands() {
    let Ok(clan) = std::env::var("CLAN_CORE") else {
        eprintln!("skipped: CLAN_CORE is not set");
        return;
    };
    let file = PathBuf::from(clan).join("inventory.json");
    let input: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let arg = format!("(builtins.fromJSON (builtins.readFile {}))", file.display());
    let primop = nix().eval(&format!("builtins.expandInstances {arg}"), true);
    assert!(primop.success, "{}", primop.stderr);
    assert_same("twin vs primop", &nix().eval(&format!("{} {arg}", twin(&INSTANCES)), false), &primop);
    assert_same("CLI vs primop", &run_cli(&INSTANCES, &input), &primop);
    assert_eq!(primop.json()["instances"], json!({}));
}

// ---- against clan-core's own framework ----------------------------------------------------------

/// The ids clan-core's checks would give for our error message: `<service>-maxInstances`,
/// `<service>-<instance>-<role>-minMachines` / `-maxMachines`; other failures (the documented
/// extensions, such as an unknown machine) are left out.
fn constraint_ids(message: &str) -> Vec<String> {
    let mut ids: Vec<String> = message
        .lines()
        .filter_map(|line| {
            let (path, what) = line.split_once(": module 'self-")?;
            let (service, what) = what.split_once('\'')?;
            let segments: Vec<&str> = path.split('.').collect();
            match (segments.as_slice(), what) {
                (["instances", _], w) if w.starts_with(" allows at most") => Some(format!("{service}-maxInstances")),
                (["instances", i, "roles", r], w) if w.starts_with(" needs at least") => Some(format!("{service}-{i}-{r}-minMachines")),
                (["instances", i, "roles", r], w) if w.starts_with(" needs at most") => Some(format!("{service}-{i}-{r}-maxMachines")),
                _ => None,
            }
        })
        .collect();
    ids.sort();
    ids
}

/// On each inventory of tests/nix/clan-constraints.nix, clan-core's framework (run unchanged)
/// and expandInstances find the same maxInstances and role constraint failures. Skipped
/// without CLAN_CORE and NIXPKGS_LIB.
#[test]
fn constraint_checks_agree_with_clan_core() {
    let (Ok(clan), Ok(nixpkgs_lib)) = (std::env::var("CLAN_CORE"), std::env::var("NIXPKGS_LIB")) else {
        eprintln!("skipped: CLAN_CORE or NIXPKGS_LIB is not set");
        return;
    };
    let harness = format!(
        "(import {}/tests/nix/clan-constraints.nix {{ clanCore = {}; nixpkgsLib = {}; }})",
        repo().display(),
        common::nix_string(&clan),
        common::nix_string(&nixpkgs_lib)
    );
    let by_clan = nix().eval(&format!("{harness}.clan"), false);
    assert!(by_clan.success, "clan-core's framework did not evaluate:\n{}", by_clan.stderr);
    let by_clan = by_clan.json();
    let scenarios = by_clan.as_object().unwrap();
    assert!(scenarios.len() >= 5);
    let mut failing = 0;
    for (name, ids) in scenarios {
        let mut expected: Vec<String> = ids.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
        expected.sort();
        let arg = format!("{harness}.ours.{name}");
        let primop = nix().eval(&format!("builtins.expandInstances {arg}"), true);
        assert_same(&format!("{name}: twin vs primop"), &nix().eval(&format!("{} {arg}", twin(&INSTANCES)), false), &primop);
        let ours = if primop.success { Vec::new() } else { constraint_ids(&full_error(&primop)) };
        assert_eq!(ours, expected, "{name}: expandInstances vs clan-core's cliChecks");
        failing += usize::from(!expected.is_empty());
    }
    assert!(failing >= 4, "the scenarios should exercise failing checks");
}
