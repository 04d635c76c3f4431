//! `check`: every problem of an inventory, each pointing into the file.

use std::io::Write;

use nix_instances_core::json_text::{JsonText, TextHost};
use nix_instances_core::path::Path;
use nix_instances_core::{instances, Error};
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
}

/// Every problem the core reports for the inventory in `doc`, and how big it is.
pub fn problems(doc: &JsonText) -> (Vec<Problem>, Option<(usize, usize)>, Option<Finding>) {
    let mut host = TextHost::new(*doc);
    let root = host.root();
    let result = instances::expand(&mut host, &root);
    let mut out = Vec::new();
    let mut foreign = None;
    let mut size = None;
    match result {
        Ok(v) => size = Some((v.get("machines").map_or(0, |m| m.entries().len()), v.get("instances").map_or(0, |i| i.entries().len()))),
        Err(Error::Invalid { path, message }) => out.push(Problem { severity: Severity::Error, path, message }),
        Err(Error::Foreign(f)) => {
            foreign = Some(Finding {
                severity: Severity::Error,
                message: f.0,
                path: None,
                span: host.out_of_range,
                label: "this number".into(),
                notes: Vec::new(),
            })
        }
    }
    for w in &host.warnings {
        let (path, message) = split_path(w);
        out.push(Problem { severity: Severity::Warning, path, message: message.to_string() });
    }
    (out, size, foreign)
}

/// `instances.i.roles."a b".tags[0]: message` → the path and the message. Warnings reach the
/// CLI as text; this reads back the path the core wrote in front.
fn split_path(text: &str) -> (Path, &str) {
    let mut path = Path::root();
    let mut rest = text;
    loop {
        if let Some(r) = rest.strip_prefix(": ") {
            return (path, r);
        }
        if let Some(r) = rest.strip_prefix('[') {
            let Some(end) = r.find(']') else { break };
            let Ok(i) = r[..end].parse() else { break };
            path = path.index(i);
            rest = &r[end + 1..];
            continue;
        }
        let r = if path.is_empty() { rest } else if let Some(r) = rest.strip_prefix('.') { r } else { break };
        if let Some(q) = r.strip_prefix('"') {
            let mut name = String::new();
            let mut chars = q.char_indices();
            let mut end = None;
            while let Some((k, c)) = chars.next() {
                match c {
                    '\\' => name.extend(chars.next().map(|(_, c)| c)),
                    '"' => {
                        end = Some(k + 1);
                        break;
                    }
                    c => name.push(c),
                }
            }
            let Some(end) = end else { break };
            path = path.attr(name);
            rest = &q[end..];
        } else {
            let end = r.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-'))).unwrap_or(r.len());
            if end == 0 {
                break;
            }
            path = path.attr(&r[..end]);
            rest = &r[end..];
        }
    }
    (Path::root(), text)
}

pub fn run(a: &CheckArgs) -> Result<u8, Failure> {
    let source = Source::read(&a.input.file)?;
    let doc = source.json()?;
    let (problems, size, foreign) = problems(&doc);
    let mut findings: Vec<Finding> =
        problems.into_iter().map(|p| Finding::at_path(&doc, p.severity, p.path, p.message, Vec::new())).collect();
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

#[cfg(test)]
mod tests {
    use super::split_path;

    #[test]
    fn paths_in_front_of_messages_read_back() {
        let (p, m) = split_path(r#"instances."a: b\"".roles.r.tags[2]: tag 'x' matches no machine"#);
        assert_eq!(p.to_string(), r#"instances."a: b\"".roles.r.tags[2]"#);
        assert_eq!(m, "tag 'x' matches no machine");
        let (p, m) = split_path("no path here");
        assert!(p.is_empty());
        assert_eq!(m, "no path here");
    }
}
