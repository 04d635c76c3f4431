//! `nix-instances`: the expansions over JSON, for tools that keep an `inventory.json`.
//!
//! ```text
//! nix-instances expand inventory.json          # expandInstances
//! nix-instances multi-service services.json    # expandMultiService
//! ```
//! The result goes to stdout as JSON; warnings and errors go to stderr. Exit status: 0 on
//! success, 1 when the input is rejected, 2 on a usage or I/O error.

use std::process::ExitCode;

use nix_instances_core::json::JsonHost;
use nix_instances_core::{instances, multi_service};

const USAGE: &str = "usage: nix-instances expand INVENTORY.json\n       nix-instances multi-service SERVICES.json\n(use - to read standard input)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, file) = match args.as_slice() {
        [c, f] => (c.as_str(), f.as_str()),
        [h] if h == "--help" || h == "-h" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        [v] if v == "--version" => {
            println!("nix-instances {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let expand = match command {
        "expand" => instances::expand::<JsonHost>,
        "multi-service" => multi_service::expand::<JsonHost>,
        _ => {
            eprintln!("nix-instances: unknown command '{command}'\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let text = if file == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(file)
    };
    let input: serde_json::Value = match text.map_err(|e| e.to_string()).and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string())) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("nix-instances: {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut host = JsonHost::default();
    let result = expand(&mut host, &input);
    for w in &host.warnings {
        eprintln!("warning: {w}");
    }
    match result {
        Ok(out) => {
            println!("{}", serde_json::to_string_pretty(&out).expect("JSON values serialise"));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}", String::from_utf8_lossy(&nix_instances_core::text::to_bytes(&e.to_string())));
            ExitCode::from(1)
        }
    }
}
