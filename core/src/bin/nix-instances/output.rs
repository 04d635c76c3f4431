//! Findings (errors and warnings pointing into the input) and how they are shown: rendered
//! by codespan-reporting for people (`file:line:col`, the line, a caret), or as JSON.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::io::{IsTerminal, Write};
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::{self, Files};
use codespan_reporting::term::{self, termcolor};
use nix_instances_core::json_text::{JsonText, Span};
use nix_instances_core::path::{Path, Segment};
use nix_instances_core::text::{is_unsafe, push_visible, visible};
use serde_json::{json, Value};

use crate::args::Color;
use crate::nix_source::NixOrigin;

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
            (false, _) => match list_item(doc, &path, &here) {
                // a role's tags given as a list: `tags.<t>` names the item "t"
                Some(item) => (item, path.to_string()),
                None => {
                    let missing = missing_part(&path, here.found);
                    (first_line(doc, here.value), format!("{missing} is not here"))
                }
            },
        };
        Finding { severity, message, path: Some(path), span: Some(span), label, notes, suggestion: None }
    }
}

/// When the path's last segment is a name and the deepest value found is a list holding that
/// name as a string (a role's `tags` written as a list), that item.
fn list_item(doc: &JsonText, path: &Path, here: &nix_instances_core::json_text::Located) -> Option<Span> {
    let segments = path.segments();
    let Some(Segment::Attr(name)) = segments.get(here.found) else { return None };
    if here.found + 1 != segments.len() || doc.kind(here.value) != nix_instances_core::host::Kind::List {
        return None;
    }
    let name = std::str::from_utf8(name).ok()?;
    let items = doc.items(here.value).ok()?;
    items.iter().copied().find(|s| doc.kind(*s) == nix_instances_core::host::Kind::String && doc.string(*s).is_ok_and(|t| t == name))
}

/// A value's span cut to its first line (a multi-line set shows as its `{`).
fn first_line(doc: &JsonText, span: Span) -> Span {
    match doc.literal(span).find('\n') {
        Some(_) => Span { start: span.start, end: span.start + 1 },
        None => span,
    }
}

/// Text from the input made safe to print: each line [`visible`] (control characters and the
/// like escaped, `\u001b`), line breaks kept.
pub fn safe_lines(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.split('\n').map(visible).collect::<Vec<_>>().join("\n"))
}

/// Where the lines of a text start, and how many characters precede every block of
/// [`BLOCK`] bytes: a position's line and column in O(log lines + BLOCK), whatever the length
/// of its line (a minified file is one line).
pub struct Lines {
    starts: Vec<usize>,
    chars_before: Vec<usize>,
}

const BLOCK: usize = 4096;

impl Lines {
    pub fn new(text: &str) -> Lines {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        starts.extend(bytes.iter().enumerate().filter(|(_, &b)| b == b'\n').map(|(i, _)| i + 1));
        let mut chars_before = Vec::with_capacity(bytes.len() / BLOCK + 1);
        let mut n = 0;
        for block in bytes.chunks(BLOCK) {
            chars_before.push(n);
            n += block.iter().filter(|&&b| (b as i8) >= -0x40).count();
        }
        chars_before.push(n);
        Lines { starts, chars_before }
    }

    /// Characters before byte `offset`.
    fn chars(&self, text: &str, offset: usize) -> usize {
        let block = offset / BLOCK;
        let from = block * BLOCK;
        self.chars_before[block] + text.as_bytes()[from..offset].iter().filter(|&&b| (b as i8) >= -0x40).count()
    }

    /// The 0-based line of `offset` and its byte range (without the line break).
    pub fn line(&self, text: &str, offset: usize) -> (usize, Range<usize>) {
        let line = self.starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.starts[line];
        let mut end = self.starts.get(line + 1).map_or(text.len(), |&s| s - 1);
        if end > start && text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        (line, start..end)
    }

    /// 1-based line and column (in characters) of byte `offset`.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let (line, range) = self.line(text, offset);
        (line + 1, self.chars(text, offset) - self.chars(text, range.start) + 1)
    }
}

/// Bytes of a line shown around a span: a longer line is cut to a window.
const LONG_LINE: usize = 160;
const BEFORE: usize = 60;
const AFTER: usize = 60;
/// At most this much of a span is underlined.
const UNDERLINE: usize = 80;

/// The one line a finding shows, as codespan-reporting reads it: a window of the input's line
/// around the span (the whole line when it is short), unsafe characters escaped, with the
/// real line and column.
struct Excerpt<'a> {
    name: &'a str,
    text: String,
    line: usize,
    column: usize,
}

impl<'a> Excerpt<'a> {
    /// The excerpt of `span` in `source`, and the span's range in it.
    fn new(name: &'a str, source: &str, lines: &Lines, span: Span) -> (Excerpt<'a>, Range<usize>) {
        let (line, range) = lines.line(source, span.start);
        let (_, column) = lines.line_col(source, span.start);
        let start = span.start.clamp(range.start, range.end);
        let end = ceil(source, span.end.clamp(start, range.end));
        let (from, to, shown_end) = if range.len() <= LONG_LINE {
            (range.start, range.end, end)
        } else {
            let shown_end = floor(source, end.min(start + UNDERLINE)).max(start);
            (floor(source, start.saturating_sub(BEFORE).max(range.start)), ceil(source, (shown_end + AFTER).min(range.end)), shown_end)
        };
        let mut text = String::new();
        if from > range.start {
            text.push('…');
        }
        let mut label = 0..0;
        for (k, c) in source[from..to].char_indices() {
            if from + k == start {
                label.start = text.len();
            }
            if from + k == shown_end {
                label.end = text.len();
            }
            push_visible(&mut text, c);
        }
        if shown_end == to {
            label.end = text.len();
        }
        if start == to {
            label.start = text.len();
        }
        label.end = label.end.max(label.start);
        if to < range.end {
            text.push('…');
        }
        (Excerpt { name, text, line: line + 1, column }, label)
    }
}

fn floor(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

impl<'a> Files<'a> for Excerpt<'a> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, files::Error> {
        Ok(self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, files::Error> {
        Ok(&self.text)
    }

    fn line_index(&'a self, (): (), _byte_index: usize) -> Result<usize, files::Error> {
        Ok(0)
    }

    fn line_number(&'a self, (): (), line_index: usize) -> Result<usize, files::Error> {
        Ok(self.line + line_index)
    }

    fn column_number(&'a self, (): (), _line_index: usize, _byte_index: usize) -> Result<usize, files::Error> {
        Ok(self.column)
    }

    fn line_range(&'a self, (): (), line_index: usize) -> Result<Range<usize>, files::Error> {
        match line_index {
            0 => Ok(0..self.text.len()),
            n => Err(files::Error::LineTooLarge { given: n, max: 0 }),
        }
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

/// The input findings are about: its name as shown in messages and its text (from a
/// `source::Source`, which converts into it).
#[derive(Clone, Copy)]
pub struct Input<'s> {
    pub name: &'s str,
    pub text: &'s str,
    /// For an inventory read from Nix: where its attributes are defined in the .nix files.
    pub nix: Option<&'s NixOrigin>,
}

/// Findings about one input.
pub struct Report<'s> {
    pub source: Input<'s>,
    pub findings: Vec<Finding>,
    lines: OnceCell<Lines>,
}

impl<'s> Report<'s> {
    pub fn new(source: impl Into<Input<'s>>, findings: Vec<Finding>) -> Report<'s> {
        Report { source: source.into(), findings, lines: OnceCell::new() }
    }

    fn lines(&self) -> &Lines {
        self.lines.get_or_init(|| Lines::new(self.source.text))
    }

    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.lines().line_col(self.source.text, offset)
    }

    /// Where the input text's byte `span` is, for a line of text: `file:line:col` (for an
    /// inventory read from Nix, in the .nix file, or the attribute path where Nix knows none).
    pub fn position(&self, span: Span) -> String {
        if let Some(nix) = self.source.nix {
            return nix.position(span);
        }
        let (l, c) = self.line_col(span.start);
        format!("{}:{l}:{c}", self.source.name)
    }

    /// The same as JSON: `{ line, column }` (and `file` for an inventory read from Nix).
    pub fn position_json(&self, span: Span) -> Value {
        if let Some(nix) = self.source.nix {
            return nix.position_json(span);
        }
        let (line, column) = self.line_col(span.start);
        json!({ "line": line, "column": column })
    }

    /// Every finding, rendered for people: the message, the place, the line (a window of it
    /// when it is long) with the span underlined. Text from the input is escaped ([`visible`]).
    /// For an inventory read from Nix, the lines are those of the .nix files.
    pub fn render(&self, out: &mut dyn Write, color: bool) -> std::io::Result<()> {
        if let Some(nix) = self.source.nix {
            return nix.render(&self.findings, out, color);
        }
        let name = visible(self.source.name);
        for f in &self.findings {
            let place = f.span.map(|span| (self.source.text, self.lines(), span));
            emit_finding(out, color, &name, place, f, Vec::new())?;
        }
        Ok(())
    }

    /// Every finding as JSON objects: severity, message, path, file, line, column, span.
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.findings
                .iter()
                .map(|f| {
                    let (file, line, column, span) = match self.source.nix {
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

/// Renders one finding for people: its message and notes, and when it has a `place` (a text,
/// its [`Lines`] and the span), the span's line as an [`Excerpt`] (a window of a long line)
/// named `name` (already escaped). `notes_before` come first among the notes. Text from the
/// input is escaped ([`visible`]).
pub fn emit_finding(
    out: &mut dyn Write,
    color: bool,
    name: &str,
    place: Option<(&str, &Lines, Span)>,
    f: &Finding,
    notes_before: Vec<String>,
) -> std::io::Result<()> {
    let d = match f.severity {
        Severity::Error => Diagnostic::error(),
        Severity::Warning => Diagnostic::warning(),
    };
    let notes = notes_before.iter().chain(&f.notes).map(|n| visible(n).into_owned()).collect();
    let d = d.with_message(visible(&f.message)).with_notes(notes);
    let (excerpt, d) = match place {
        Some((text, lines, span)) => {
            let (excerpt, range) = Excerpt::new(name, text, lines, span);
            (excerpt, d.with_labels(vec![Label::primary((), range).with_message(visible(&f.label))]))
        }
        None => (Excerpt { name, text: String::new(), line: 1, column: 1 }, d),
    };
    emit(out, color, &term::Config::default(), &excerpt, &d)
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
