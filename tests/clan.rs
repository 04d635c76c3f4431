//! clan-core fidelity: clan-core's own framework (`lib/clan`, `modules/clan`,
//! `lib/inventory/distributed-service`, run from a checkout with a stub nixpkgs) and this
//! project's flake-parts module (nix/flake-module.nix, through flake-parts' mkFlake) on the
//! same inventories: the VM-test inventories of every service in clan-core's `clanServices/`
//! (or one machine per role where a service has none), plus hand-written inventories
//! (tests/nix/clan-compare/inventories.nix). Each machine's NixOS and nix-darwin modules are
//! evaluated against a stub NixOS where every option is free-form, and the definitions
//! compared (tests/nix/clan-compare/inspect.nix).
//!
//! The service modules are loaded unchanged, as `inputs.clan-core.clan.modules.<name>`.
//!
//! Needs CLAN_CORE (a clan-core checkout), NIXPKGS_LIB and FLAKE_PARTS; skipped otherwise.
//! Run with `--nocapture` to see the report.

mod common;
use common::{nix, nix_string, repo, Eval};
use serde_json::Value;
use std::collections::BTreeMap;

fn env_path(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            eprintln!("skipped: {var} is unset");
            None
        }
    }
}

struct Checkouts {
    lib: String,
    clan_core: String,
    flake_parts: String,
}

fn checkouts() -> Option<Checkouts> {
    Some(Checkouts {
        clan_core: env_path("CLAN_CORE")?,
        lib: env_path("NIXPKGS_LIB")?,
        flake_parts: env_path("FLAKE_PARTS")?,
    })
}

impl Checkouts {
    /// `let lib = …; <harness bindings>; in body`.
    fn expr(&self, body: &str) -> String {
        format!(
            r#"let
  root = {lib};
  lib = import (if builtins.pathExists (root + "/lib/default.nix") then root + "/lib" else root);
  clanCore = {clan_core};
  flakeParts = {flake_parts};
  repo = {repo};
  harness = repo + "/tests/nix/clan-compare";
  compare = import (harness + "/compare.nix") {{ inherit lib clanCore flakeParts repo; }};
  services = import (harness + "/cases.nix") {{ inherit lib clanCore; }};
  inventories = import (harness + "/inventories.nix") {{ inherit lib clanCore; }};
  cases = services.cases // inventories;
in {body}"#,
            lib = path_expr(&self.lib),
            clan_core = path_expr(&self.clan_core),
            flake_parts = path_expr(&self.flake_parts),
            repo = path_expr(&repo().display().to_string()),
        )
    }

    fn eval(&self, body: &str, with_plugin: bool) -> Eval {
        nix().eval_with(&self.expr(body), with_plugin, &["--read-write-mode"], &[])
    }
}

/// A Nix path expression for an absolute path (as a string, so nothing is copied).
fn path_expr(p: &str) -> String {
    format!("(/. + {})", nix_string(p))
}

/// One side of one case: the rendered machines, or the error message. This project's side
/// runs with the plugin loaded (the primop) or not (the pure-Nix twin).
fn side(c: &Checkouts, case: &str, which: &str, with_plugin: bool) -> Result<Value, String> {
    let e = c.eval(&format!("(compare cases.{}).{which}", nix_string(case)), with_plugin);
    if e.success {
        Ok(e.json())
    } else {
        assert!(!e.crashed, "nix crashed:\n{}", e.stderr);
        Err(message(&e.stderr))
    }
}

/// The message of a Nix error: the text after the last `error:` (Nix 2.2x puts the trace
/// first), or the lines after it when it stands alone, shortened to one line.
fn message(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let Some(i) = lines.iter().rposition(|l| l.trim_start().starts_with("error:")) else {
        return stderr.trim().to_string();
    };
    let first = lines[i].trim_start().trim_start_matches("error:").trim();
    let text: Vec<&str> = std::iter::once(first)
        .chain(lines[i + 1..].iter().map(|l| l.trim()))
        .filter(|l| !l.is_empty() && !l.starts_with("(use '--show-trace'"))
        .take(3)
        .collect();
    let t = text.join(" ");
    if t.len() > 300 { format!("{}…", &t[..300]) } else { t }
}

/// Paths where two rendered values differ (at most `limit`).
fn differences(a: &Value, b: &Value, path: String, out: &mut Vec<String>, limit: usize) {
    if out.len() >= limit || a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => differences(u, v, format!("{path}.{k}"), out, limit),
                    (Some(_), None) => out.push(format!("{path}.{k}: only clan-core")),
                    (None, Some(_)) => out.push(format!("{path}.{k}: only here")),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                differences(u, v, format!("{path}[{i}]"), out, limit);
            }
        }
        _ => {
            let short = |v: &Value| {
                let s = v.to_string();
                if s.len() > 160 { format!("{}…", &s[..160]) } else { s }
            };
            out.push(format!("{path}: clan-core {} / here {}", short(a), short(b)))
        }
    }
}

/// Leaves of a rendered value, and how many of them throw under the stub NixOS.
fn leaves(v: &Value) -> (usize, usize) {
    match v {
        Value::Object(o) if o.get("__throws") == Some(&Value::Bool(true)) => (0, 1),
        Value::Object(o) => o.values().map(leaves).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1)),
        Value::Array(a) => a.iter().map(leaves).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1)),
        _ => (1, 0),
    }
}

#[derive(Debug)]
enum Outcome {
    /// Equal definitions: how many leaves compared, how many throw on both sides.
    Agree(usize, usize),
    /// clan-core's framework fails on the case under the stubs; whether this project fails
    /// with the same message.
    ClanFails(String, bool),
    Fails(String),
    Differs(Vec<String>),
}

#[test]
fn clan_services_and_inventories_match_clan_core() {
    let Some(c) = checkouts() else { return };
    let list = c.eval("builtins.mapAttrs (_: case: case.service or null) cases", false).json();
    let mut outcomes: BTreeMap<String, (Option<String>, Outcome)> = BTreeMap::new();
    for (case, service) in list.as_object().unwrap() {
        let clan = side(&c, case, "clan", false);
        let pure = side(&c, case, "ours", false);
        let native = side(&c, case, "ours", true);
        let outcome = match (clan, pure, native) {
            (Err(e), pure, native) => {
                let same = pure.as_ref().err() == Some(&e) && native.as_ref().err() == Some(&e);
                Outcome::ClanFails(e, same)
            }
            (Ok(_), Err(e), _) => Outcome::Fails(format!("(twin) {e}")),
            (Ok(_), _, Err(e)) => Outcome::Fails(format!("(plugin) {e}")),
            (Ok(clan), Ok(pure), Ok(native)) if pure == clan && native == clan => {
                let (n, t) = leaves(&clan);
                Outcome::Agree(n, t)
            }
            (Ok(clan), Ok(pure), Ok(native)) => {
                let mut d = Vec::new();
                let ours = if pure != clan { pure } else { native };
                differences(&clan, &ours, String::new(), &mut d, 8);
                Outcome::Differs(d)
            }
        };
        outcomes.insert(case.clone(), (service.as_str().map(str::to_string), outcome));
    }

    // Per service: it works unchanged when every case of it that clan-core's framework
    // evaluates agrees.
    let mut per_service: BTreeMap<String, Vec<&Outcome>> = BTreeMap::new();
    for (service, o) in outcomes.values() {
        if let Some(s) = service {
            per_service.entry(s.clone()).or_default().push(o);
        }
    }
    let evaluable: Vec<&String> = per_service
        .iter()
        .filter(|(_, os)| os.iter().any(|o| !matches!(o, Outcome::ClanFails(..))))
        .map(|(s, _)| s)
        .collect();
    let working: Vec<&String> = per_service
        .iter()
        .filter(|(_, os)| {
            os.iter().any(|o| matches!(o, Outcome::Agree(..)))
                && os.iter().all(|o| matches!(o, Outcome::Agree(..) | Outcome::ClanFails(..)))
        })
        .map(|(s, _)| s)
        .collect();
    let inventories: Vec<&String> = outcomes.iter().filter(|(_, (s, _))| s.is_none()).map(|(k, _)| k).collect();
    let inventories_agree = inventories.iter().filter(|k| matches!(outcomes[**k].1, Outcome::Agree(..))).count();

    eprintln!("== clan-core comparison ==");
    for (case, (_, o)) in &outcomes {
        match o {
            Outcome::Agree(n, t) => eprintln!("agree        {case} ({n} values equal, {t} throwing on both sides)"),
            Outcome::ClanFails(e, same) => {
                let here = if *same { "the same error here" } else { "a different outcome here" };
                eprintln!("clan fails   {case} ({here}): {e}")
            }
            Outcome::Fails(e) => eprintln!("FAILS here   {case}: {e}"),
            Outcome::Differs(d) => {
                eprintln!("DIFFERS      {case}:");
                for l in d {
                    eprintln!("               {l}");
                }
            }
        }
    }
    eprintln!(
        "services: {} of {} work unchanged ({} of {} evaluate under clan-core's framework with a stub nixpkgs)",
        working.len(),
        per_service.len(),
        evaluable.len(),
        per_service.len()
    );
    eprintln!("hand-written inventories: {inventories_agree} of {} agree", inventories.len());

    let broken: Vec<&String> = outcomes
        .iter()
        .filter(|(_, (_, o))| matches!(o, Outcome::Fails(_) | Outcome::Differs(_)))
        .map(|(k, _)| k)
        .collect();
    // The harness itself: clan-core's framework must evaluate its own example service.
    assert!(evaluable.contains(&&"hello-world".to_string()), "clan-core's framework does not evaluate hello-world here");
    assert!(broken.is_empty(), "cases that clan-core evaluates but that fail or differ here: {broken:?}");
    // Where clan-core's framework fails under the stubs, this project fails the same way.
    let unlike: Vec<&String> =
        outcomes.iter().filter(|(_, (_, o))| matches!(o, Outcome::ClanFails(_, false))).map(|(k, _)| k).collect();
    assert!(unlike.is_empty(), "cases where clan-core fails but this project does not fail the same way: {unlike:?}");
    assert_eq!(working.len(), evaluable.len());
}
