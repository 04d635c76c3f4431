//! `nix-instances`: check, expand, explain and draw clan-style inventories (and expand
//! services-flake multiService files) with the core the Nix plugin uses.
//!
//! ```text
//! nix-instances check inventory.json            # every problem, pointing into the file
//! nix-instances expand inventory.json           # builtins.expandInstances, as JSON
//! nix-instances explain inventory.json web1     # why web1 is in each of its roles
//! nix-instances graph --format svg inventory.json > inventory.svg
//! nix-instances multi-service services.json     # builtins.expandMultiService, as JSON
//! ```
//! Exit status: 0 success, 1 invalid input, 2 usage or I/O error (see `--help`).

mod args;
mod check;
mod expand;
mod explain;
mod graph;
mod nix_source;
mod output;
mod picture;
mod reasons;
mod source;
mod svg;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use args::{Cli, Command};

/// Why a command stopped: the exit code and what to print on standard error.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// A usage or I/O problem (exit 2).
    pub fn io(message: impl Into<String>) -> Failure {
        Failure { code: 2, message: format!("nix-instances: {}\n", output::safe_lines(&message.into())) }
    }

    /// Invalid input (exit 1), shown as the primop shows it.
    pub fn invalid(message: &str) -> Failure {
        Failure { code: 1, message: format!("error: {}\n", output::safe_lines(message)) }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            // the reader went away (`| head`): stop quietly, as if killed by SIGPIPE
            return Failure { code: 141, message: String::new() };
        }
        Failure::io(e.to_string())
    }
}

fn run(cli: Cli) -> Result<u8, Failure> {
    match cli.command {
        Command::Check(a) => check::run(&a),
        Command::Expand(a) => expand::run(&a),
        Command::Explain(a) => explain::run(&a),
        Command::Graph(a) => graph::run(&a),
        Command::MultiService(a) => expand::run_multi_service(&a),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "nix-instances", &mut std::io::stdout());
            Ok(0)
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            // --help and --version are successes; anything else is a usage error
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = run(cli);
    if std::env::var_os("NIX_INSTANCES_SCAN_STATS").is_some() {
        let (scans, bytes) = nix_instances_core::json_text::scan_stats();
        eprintln!("nix-instances: scanned {scans} objects and arrays, {bytes} bytes");
    }
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            let _ = std::io::stderr().write_all(f.message.as_bytes());
            ExitCode::from(f.code)
        }
    }
}
