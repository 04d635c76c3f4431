//! `check`: every problem of an inventory, each pointing into the file.

use std::io::Write;

use nix_instances_core::json_text::{JsonText, TextHost};
use nix_instances_core::path::Path;
use nix_instances_core::read;
use nix_instances_core::{instances, Diagnostic, Error};
use serde_json::json;

use crate::args::{CheckArgs, NixArgs};
use crate::nix_source::Show;
use crate::output::{print_json, stdout_is_terminal, use_color, Finding, Report, Severity};
use crate::source::Source;
use crate::Failure;

/// What the core finds wrong with an inventory: errors and warnings, each with its path.
pub struct Problem {
    pub severity: Severity,
    pub path: Path,
    pub message: String,
    /// The name a did-you-mean suggests (already in `message`).
    pub suggestion: Option<String>,
}

/// The inventory's size, when its structure could be read: machines and instances.
type Size = Option<(usize, usize)>;

/// Every problem the core reports for the inventory in `doc` ([`instances::check`]): every
/// semantic error and warning, or the first structural (type) error; and an integer out of
/// 64-bit range as a finding at that number.
pub fn problems(doc: &JsonText) -> (Vec<Problem>, Size, Option<Finding>) {
    let mut host = TextHost::new(doc.clone());
    let root = host.root();
    let problem = |severity, d: Diagnostic| Problem { severity, path: d.path, message: d.message, suggestion: d.suggestion };
    match instances::check(&mut host, &root) {
        Ok(report) => {
            let mut out: Vec<Problem> = report.errors.into_iter().map(|d| problem(Severity::Error, d)).collect();
            out.extend(report.warnings.into_iter().map(|d| problem(Severity::Warning, d)));
            (out, Some(size(doc)), None)
        }
        Err(Error::Foreign(f)) => {
            let finding = Finding {
                severity: Severity::Error,
                message: f.0,
                path: None,
                span: host.out_of_range,
                label: "this number".into(),
                notes: Vec::new(),
                suggestion: None,
            };
            (Vec::new(), None, Some(finding))
        }
        Err(e) => {
            let ds = e.into_diagnostics().unwrap_or_default();
            (ds.into_iter().map(|d| problem(Severity::Error, d)).collect(), None, None)
        }
    }
}

/// How many machines and instances the inventory has.
fn size(doc: &JsonText) -> (usize, usize) {
    let count = |name: &str| {
        crate::reasons::find(doc, doc.root(), &[name])
            .filter(|e| doc.kind(e.value) == nix_instances_core::host::Kind::Attrs)
            .and_then(|e| doc.attributes(e.value).ok())
            .map_or(0, |a| a.len())
    };
    (count("machines"), count("instances"))
}

pub fn run(a: &CheckArgs) -> Result<u8, Failure> {
    with_input(a.input.file.as_deref(), &a.input.nix, Show::Nothing, a.json, |source, doc| run_on(a, source, doc))
}

/// Reads and parses `file` or the inventory in Nix `nix` names (`show`: the leaves Nix
/// evaluates, [`Source::load_from`]), then runs `f` on it. With `json` (a command's `--json`),
/// an input that cannot be read (or that nix fails to evaluate) or is not JSON Nix reads also
/// writes `check --json`'s document on standard output, with the problem as its one
/// diagnostic (no path; a position for a syntax error), so that a tool always gets one JSON
/// document; the text goes to stderr as always.
pub fn with_input<T>(
    file: Option<&std::path::Path>,
    nix: &NixArgs,
    show: Show,
    json: bool,
    f: impl FnOnce(&Source, JsonText) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let source = match Source::load_from(file, nix, show) {
        Ok(s) => s,
        Err(failure) => {
            if json {
                let empty = Source { name: Source::name_of(file, nix), text: String::new(), nix: None };
                print_json(&failure_document(&empty, &failure))?;
            }
            return Err(failure);
        }
    };
    let doc = match source.parse() {
        Ok(doc) => doc,
        Err(finding) => {
            let report = Report::new(&source, vec![*finding]);
            if json {
                print_json(&document(&report))?;
            }
            let mut shown = Vec::new();
            report.render(&mut shown, crate::output::stderr_is_terminal())?;
            return Err(Failure { code: 2, message: String::from_utf8_lossy(&shown).into_owned() });
        }
    };
    f(&source, doc)
}

/// `check --json`'s document for a failure that is not about a place in the file (an
/// unreadable file, a name asked for that is not there): its message as the one diagnostic.
pub fn failure_document(source: &Source, failure: &Failure) -> serde_json::Value {
    let message = failure.message.trim_end().trim_start_matches("nix-instances: ").trim_start_matches("error: ").to_string();
    let finding = Finding { severity: Severity::Error, message, path: None, span: None, label: String::new(), notes: Vec::new(), suggestion: None };
    document(&Report::new(source, vec![finding]))
}

/// `check --json`'s document.
fn document(report: &Report) -> serde_json::Value {
    let (errors, warnings) = (report.count(Severity::Error), report.count(Severity::Warning));
    json!({
        "file": report.source.name,
        "valid": errors == 0,
        "errors": errors,
        "warnings": warnings,
        "diagnostics": report.to_json(),
    })
}

/// The findings of `check` about the inventory in `doc`, and its size when its structure
/// could be read.
fn findings(source: &Source, doc: &JsonText) -> (Vec<Finding>, Size) {
    let (problems, size, foreign) = problems(doc);
    let mut findings: Vec<Finding> = problems
        .into_iter()
        .map(|p| {
            // a placeholder of a value JSON cannot hold named as what it is (`a function`)
            let message = match &source.nix {
                Some(nix) => nix.retype(doc, &p.path, p.message),
                None => p.message,
            };
            let mut f = Finding::at_path(doc, p.severity, p.path, message, Vec::new());
            f.suggestion = p.suggestion;
            f
        })
        .collect();
    findings.extend(foreign);
    // a NUL escape the expansion does not read (the core names the others at their path)
    if let Some(span) = doc.nul_string() {
        let named = findings.iter().any(|f| f.message == read::NUL_IN_NAME || f.message == read::NUL_IN_STRING);
        if !named {
            findings.push(crate::expand::nul_finding(span));
        }
    }
    (findings, size)
}

/// The JSON document of a command's `--json` that failed: `check --json`'s, with every
/// finding when the inventory is invalid (exit 1), else the failure's message as its one
/// diagnostic.
pub fn json_failure(source: &Source, doc: &JsonText, failure: &Failure) -> serde_json::Value {
    if failure.code == 1 {
        let (findings, _) = findings(source, doc);
        if findings.iter().any(|f| f.severity == Severity::Error) {
            return document(&Report::new(source, findings));
        }
    }
    failure_document(source, failure)
}

fn run_on(a: &CheckArgs, source: &Source, doc: JsonText) -> Result<u8, Failure> {
    let (findings, size) = findings(source, &doc);
    let report = Report::new(source, findings);
    let (errors, warnings) = (report.count(Severity::Error), report.count(Severity::Warning));
    if a.json {
        print_json(&document(&report))?;
    } else {
        let mut out = std::io::stdout().lock();
        report.render(&mut out, use_color(a.color, stdout_is_terminal()))?;
        let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
        let summary = match size {
            Some((m, i)) if errors == 0 => {
                let name = nix_instances_core::text::visible(&source.name);
                format!("{name}: valid ({}, {}); {}", plural(m, "machine"), plural(i, "instance"), plural(warnings, "warning"))
            }
            _ => format!("{}: {}, {}", nix_instances_core::text::visible(&source.name), plural(errors, "error"), plural(warnings, "warning")),
        };
        writeln!(out, "{summary}")?;
    }
    Ok(if errors > 0 { 1 } else { 0 })
}
