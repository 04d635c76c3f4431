//! `check`: every problem of an inventory, each pointing into the file.

use std::io::Write;

use nix_instances_core::json_text::{JsonText, TextHost};
use nix_instances_core::path::Path;
use nix_instances_core::{instances, Diagnostic, Error};
use serde_json::json;

use crate::args::CheckArgs;
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
    let mut host = TextHost::new(*doc);
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
            .and_then(|e| doc.attributes(e.value).ok())
            .map_or(0, |a| a.len())
    };
    (count("machines"), count("instances"))
}

pub fn run(a: &CheckArgs) -> Result<u8, Failure> {
    let source = Source::load(&a.input, crate::nix_source::Show::Nothing)?;
    let doc = source.json()?;
    let (problems, size, foreign) = problems(&doc);
    let mut findings: Vec<Finding> = problems
        .into_iter()
        .map(|p| {
            let message = match &source.nix {
                Some(nix) => nix.retype(&doc, &p.path, p.message),
                None => p.message,
            };
            let mut f = Finding::at_path(&doc, p.severity, p.path, message, Vec::new());
            f.suggestion = p.suggestion;
            f
        })
        .collect();
    findings.extend(foreign);
    let report = Report::new(&source, findings);
    let (errors, warnings) = (report.count(Severity::Error), report.count(Severity::Warning));
    if a.json {
        print_json(&json!({
            "file": source.name,
            "valid": errors == 0,
            "errors": errors,
            "warnings": warnings,
            "diagnostics": report.to_json(),
        }))?;
    } else {
        let mut out = std::io::stdout().lock();
        report.render(&mut out, use_color(a.color, stdout_is_terminal()))?;
        let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
        let summary = match size {
            Some((m, i)) if errors == 0 => {
                format!("{}: valid ({}, {}); {}", source.name, plural(m, "machine"), plural(i, "instance"), plural(warnings, "warning"))
            }
            _ => format!("{}: {}, {}", source.name, plural(errors, "error"), plural(warnings, "warning")),
        };
        writeln!(out, "{summary}")?;
    }
    Ok(if errors > 0 { 1 } else { 0 })
}
