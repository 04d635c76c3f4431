//! Running a real `nix` with the freshly built plugin, isolated from the user's Nix set-up:
//! a private NIX_CONF_DIR, state, log and store directories, HOME and XDG dirs, and a
//! cleared environment, so nothing of the machine's own configuration changes results.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The plugin cargo built for this test run: target/<profile>/deps/libnix_instances.so, beside
/// the test executable (`cargo test` builds it there without copying it up a level).
pub fn plugin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let so = exe.parent().unwrap().join("libnix_instances.so");
    assert!(so.exists(), "the plugin {} was not built", so.display());
    so
}

/// A private Nix environment under a temporary directory.
pub struct Nix {
    dir: PathBuf,
}

static SHARED: OnceLock<Nix> = OnceLock::new();

/// One private environment shared by the tests of a binary.
pub fn nix() -> &'static Nix {
    SHARED.get_or_init(Nix::new)
}

impl Nix {
    pub fn new() -> Nix {
        // Under cargo's per-target temporary directory; environments left by earlier runs
        // (the shared one is a static, never dropped) are removed here.
        let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let crate_name = std::env::current_exe().unwrap().file_stem().unwrap().to_string_lossy().into_owned();
        if let Ok(entries) = std::fs::read_dir(&base) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let stale = name
                    .strip_prefix("nix-env-")
                    .and_then(|rest| rest.split('-').next())
                    .and_then(|pid| pid.parse::<u32>().ok())
                    .is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists());
                if stale {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let dir = base.join(format!(
            "nix-env-{}-{crate_name}-{}",
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
        ));
        for d in ["conf", "home", "state", "log", "cache", "config"] {
            std::fs::create_dir_all(dir.join(d)).unwrap();
        }
        std::fs::write(dir.join("conf/nix.conf"), include_str!("../../scripts/private-nix.conf")).unwrap();
        let nix = Nix { dir };
        // Create the private store once, before tests race to initialise it.
        let init = nix.command("nix-instantiate").args(["--eval", "-E", "null"]).output().expect("nix-instantiate runs");
        assert!(init.status.success(), "cannot initialise a private Nix store: {}", String::from_utf8_lossy(&init.stderr));
        nix
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `program` with the isolated environment.
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NIX_CONF_DIR", self.dir.join("conf"))
            .env("NIX_USER_CONF_FILES", self.dir.join("conf/nix.conf"))
            .env("NIX_STATE_DIR", self.dir.join("state"))
            .env("NIX_LOG_DIR", self.dir.join("log"))
            .env("NIX_STORE_DIR", "/nix/store")
            .env("HOME", self.dir.join("home"))
            .env("XDG_CACHE_HOME", self.dir.join("cache"))
            .env("XDG_CONFIG_HOME", self.dir.join("config"))
            .env("NIX_REMOTE", format!("local?root={}", self.dir.join("root").display()))
            .env("TMPDIR", std::env::temp_dir());
        c
    }

    /// `nix-instantiate --eval --strict --json` of `expr`, with the plugin loaded or not.
    pub fn eval(&self, expr: &str, with_plugin: bool) -> Eval {
        self.eval_with(expr, with_plugin, &[], &[])
    }

    pub fn eval_with(&self, expr: &str, with_plugin: bool, args: &[&str], env: &[(&str, &str)]) -> Eval {
        let mut c = self.command("nix-instantiate");
        if with_plugin {
            c.arg("--option").arg("plugin-files").arg(plugin());
        }
        c.args(["--eval", "--strict", "--json"]).args(args).arg("-E").arg(expr);
        for (k, v) in env {
            c.env(k, v);
        }
        Eval::from(c.output().expect("nix-instantiate runs (is Nix installed? scripts/setup.sh)"))
    }

    /// The new CLI: `nix --option plugin-files … eval --json …`.
    pub fn nix_eval(&self, args: &[&str]) -> Eval {
        let mut c = self.command("nix");
        c.arg("--option").arg("plugin-files").arg(plugin()).arg("eval").arg("--json").args(args);
        Eval::from(c.output().expect("nix runs"))
    }
}

impl Drop for Nix {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The outcome of one evaluation.
#[derive(Debug)]
pub struct Eval {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
    /// Killed by a signal, or Nix's own crash exit: never acceptable.
    pub crashed: bool,
}

impl From<Output> for Eval {
    fn from(o: Output) -> Eval {
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        Eval {
            success: o.status.success(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            crashed: o.status.code().is_none() || stderr.contains("terminate called"),
            stderr,
        }
    }
}

impl Eval {
    /// The JSON result; panics with Nix's stderr if the evaluation failed.
    pub fn json(&self) -> serde_json::Value {
        assert!(self.success, "evaluation failed:\n{}", self.stderr);
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("bad JSON ({e}): {}", self.stdout))
    }

    /// The first line of the error message, without Nix's `error: ` prefix. Nix 2.8 prints
    /// `error: <message>` first; Nix 2.2x prints a bare `error:`, the trace, then an indented
    /// `error: <message>`. Either way it is the first `error:` line that carries text.
    pub fn error(&self) -> String {
        assert!(!self.success, "evaluation succeeded where it should fail: {}", self.stdout);
        assert!(!self.crashed, "nix crashed:\n{}", self.stderr);
        self.stderr
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("error:"))
            .map(str::trim)
            .find(|m| !m.is_empty() && !m.starts_with("while evaluating"))
            .unwrap_or_else(|| panic!("no error message in:\n{}", self.stderr))
            .to_string()
    }

    /// Warnings Nix printed (`warning: …` lines), in order.
    pub fn warnings(&self) -> Vec<String> {
        self.stderr.lines().filter_map(|l| l.strip_prefix("warning: ")).map(str::to_string).collect()
    }
}

/// A Nix string literal for `s`.
pub fn nix_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `import <repo>/nix/lib.nix`.
pub fn lib_expr() -> String {
    format!("(import {}/nix/lib.nix)", repo().display())
}

/// The two primops, by name.
pub const PRIMOP_I: &str = "builtins.expandInstances";
pub const PRIMOP_S: &str = "builtins.expandMultiService";

/// The pure-Nix twin of `builtins.expandInstances`.
pub fn twin_i() -> String {
    format!("(import {}/nix/expand-instances.nix)", repo().display())
}

/// The pure-Nix twin of `builtins.expandMultiService`.
pub fn twin_s() -> String {
    format!("(import {}/nix/multi-service.nix)", repo().display())
}
