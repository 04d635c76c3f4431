//! Findings (errors and warnings pointing into the input) and how they are shown: rendered
//! by codespan-reporting for people (`file:line:col`, the line, a caret), or as JSON.

use std::io::{IsTerminal, Write};

use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::{Files, SimpleFile};
use codespan_reporting::term::{self, termcolor};
use nix_instances_core::json_text::{JsonText, Span};
use nix_instances_core::path::{Path, Segment};
use serde_json::{json, Value};

use crate::args::Color;
use crate::source::Source;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn word(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem, where it is.
#[derive(Debug, Clone)]
pub struct Finding {
    pub severity: Severity,
    pub message: String,
    /// The attribute path (none for a JSON syntax error).
    pub path: Option<Path>,
    /// The bytes to underline.
    pub span: Option<Span>,
    /// The text under the caret.
    pub label: String,
    /// Further lines: `help: …`, `note: …`.
    pub notes: Vec<String>,
    /// The name a did-you-mean suggests, for tools.
    pub suggestion: Option<String>,
}

impl Finding {
    /// A finding at an attribute path, underlining what the path names in the text: the
    /// attribute's name, or its value for a type error, or the nearest enclosing value when
    /// the path does not exist in the file.
    pub fn at_path(doc: &JsonText, severity: Severity, path: Path, message: String, notes: Vec<String>) -> Finding {
        let here = doc.locate(&path);
        let type_error = message.starts_with("expected ");
        let (span, label) = match (here.complete, here.key) {
            (true, Some(key)) if !type_error => (key, path.to_string()),
            (true, _) => (first_line(doc, here.value), path.to_string()),
            (false, _) => {
                let missing = missing_part(&path, here.found);
                (first_line(doc, here.value), format!("{missing} is not here"))
            }
        };
        Finding { severity, message, path: Some(path), span: Some(span), label, notes, suggestion: None }
    }
}

/// A value's span cut to its first line (a multi-line set shows as its `{`).
fn first_line(doc: &JsonText, span: Span) -> Span {
    match doc.literal(span).find('\n') {
        Some(_) => Span { start: span.start, end: span.start + 1 },
        None => span,
    }
}

/// The first segment of `path` that the text lacks, shown as an attribute name.
fn missing_part(path: &Path, found: usize) -> String {
    match path.segments().get(found) {
        Some(Segment::Attr(name)) => format!("'{}'", nix_instances_core::path::show_name(name)),
        Some(Segment::Index(i)) => format!("item {i}"),
        None => "the value".into(),
    }
}

/// Findings about one input.
pub struct Report<'s> {
    pub source: &'s Source,
    pub findings: Vec<Finding>,
}

impl<'s> Report<'s> {
    pub fn new(source: &'s Source, findings: Vec<Finding>) -> Report<'s> {
        Report { source, findings }
    }

    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }

    fn file(&self) -> SimpleFile<&str, &str> {
        SimpleFile::new(self.source.name.as_str(), self.source.text.as_str())
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let file = self.file();
        match file.location((), offset) {
            Ok(l) => (l.line_number, l.column_number),
            Err(_) => (1, 1),
        }
    }

    /// Where the input text's byte `span` is, for a line of text: `file:line:col` (for an
    /// inventory read from Nix, in the .nix file, or the attribute path where Nix knows none).
    pub fn position(&self, span: Span) -> String {
        if let Some(nix) = &self.source.nix {
            return nix.position(span);
        }
        let (l, c) = self.line_col(span.start);
        format!("{}:{l}:{c}", self.source.name)
    }

    /// The same as JSON: `{ line, column }` (and `file` for an inventory read from Nix).
    pub fn position_json(&self, span: Span) -> Value {
        if let Some(nix) = &self.source.nix {
            return nix.position_json(span);
        }
        let (line, column) = self.line_col(span.start);
        json!({ "line": line, "column": column })
    }

    /// Every finding, rendered for people.
    pub fn render(&self, out: &mut dyn Write, color: bool) -> std::io::Result<()> {
        if let Some(nix) = &self.source.nix {
            return nix.render(&self.findings, out, color);
        }
        let file = self.file();
        let config = term::Config::default();
        for f in &self.findings {
            let d = match f.severity {
                Severity::Error => Diagnostic::error(),
                Severity::Warning => Diagnostic::warning(),
            };
            let mut d = d.with_message(&f.message).with_notes(f.notes.clone());
            if let Some(span) = f.span {
                d = d.with_labels(vec![Label::primary((), span.start..span.end).with_message(&f.label)]);
            }
            emit(out, color, &config, &file, &d)?;
        }
        Ok(())
    }

    /// Every finding as JSON objects: severity, message, path, file, line, column, span.
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.findings
                .iter()
                .map(|f| {
                    let (file, line, column, span) = match &self.source.nix {
                        Some(nix) => nix.finding_json(f),
                        None => {
                            let (line, column) = f.span.map(|s| self.line_col(s.start)).unzip();
                            let span = f.span.map(|s| json!({ "start": s.start, "end": s.end }));
                            (json!(self.source.name), json!(line), json!(column), json!(span))
                        }
                    };
                    json!({
                        "severity": f.severity.word(),
                        "message": f.message,
                        "path": f.path.as_ref().map(|p| p.to_string()),
                        "segments": f.path.as_ref().map(segments_json),
                        "file": file,
                        "line": line,
                        "column": column,
                        "span": span,
                        "suggestion": f.suggestion,
                        "notes": f.notes,
                    })
                })
                .collect(),
        )
    }
}

/// Writes one diagnostic about `files`, coloured or not.
pub fn emit<'f, F: Files<'f>>(
    out: &mut dyn Write,
    color: bool,
    config: &term::Config,
    files: &'f F,
    d: &Diagnostic<F::FileId>,
) -> std::io::Result<()> {
    let result = if color {
        let mut buf = termcolor::Buffer::ansi();
        let r = term::emit_to_write_style(&mut buf, config, files, d);
        out.write_all(buf.as_slice())?;
        r
    } else {
        term::emit_to_io_write(out, config, files, d)
    };
    result.map_err(|e| std::io::Error::other(e.to_string()))
}

/// A path's segments: names as strings, indices as numbers.
pub fn segments_json(p: &Path) -> Value {
    Value::Array(
        p.segments()
            .iter()
            .map(|s| match s {
                Segment::Attr(n) => Value::from(String::from_utf8_lossy(n).into_owned()),
                Segment::Index(i) => Value::from(*i),
            })
            .collect(),
    )
}

/// Whether to colour text for this stream.
pub fn use_color(choice: Color, terminal: bool) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => terminal && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// Whether standard error is a terminal.
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// Whether standard output is a terminal.
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// Prints a JSON value (pretty) and a newline to standard output.
pub fn print_json(v: &Value) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)
}
