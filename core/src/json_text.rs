//! A [`Host`] over JSON *text*, for the CLI: input values are spans of the text, read on
//! demand, never copied into a tree.
//!
//! [`JsonText::parse`] checks the whole document once (a streaming parser without a nesting
//! limit, so pass-through values may nest to any depth). After that an input value is a
//! [`Span`]: reading a set or list scans just that span for its children's spans; a value
//! the expansion passes through is never decoded and is written out again by
//! [`JsonText::write`] straight from the text. Numbers keep their literal, so integers
//! beyond 64 bits pass through exactly. Memory is the text plus the output the expansion
//! builds, which shares equal values behind reference counts.
//!
//! Every span comes from the parser's own positions, so diagnostics can point at the key or
//! the value an attribute path names: [`JsonText::locate`].

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use struson::reader::{JsonReader, JsonStreamReader, ReaderError, ReaderSettings};
use struson::writer::{JsonStreamWriter, JsonWriter};

use crate::error::Foreign;
use crate::host::{Host, Kind};
use crate::path::{Path, Segment};

/// Bytes `start..end` of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// A value the expansion reads or builds.
#[derive(Debug, Clone)]
pub enum Value {
    /// A value of the input, as it is written in the text.
    Input(Span),
    Null,
    Bool(bool),
    Int(i64),
    String(Rc<str>),
    List(Rc<[Value]>),
    /// Attributes sorted by name, names unique.
    Attrs(Rc<[(Rc<str>, Value)]>),
}

/// One attribute of an object in the text.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    /// The quoted name.
    pub key: Span,
    pub value: Span,
}

/// A JSON syntax error: the parser's message and where.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub message: String,
    pub offset: usize,
    /// Bytes of the offending token, when known (else 0: the character at `offset`).
    pub len: usize,
}

/// What an attribute path names in the text, as far as it exists there.
#[derive(Debug, Clone)]
pub struct Located {
    /// The key of the last attribute found (none for the root or a list item).
    pub key: Option<Span>,
    /// The value of the deepest segment found.
    pub value: Span,
    /// Whether every segment was found (else `value` is the deepest existing ancestor).
    pub complete: bool,
    /// How many segments were found.
    pub found: usize,
}

/// A checked JSON document, with an index of the sets and lists read so far.
///
/// Each object or array is scanned at most once: its attributes (sorted, the last of a name
/// kept) or items are kept, by start offset, and every later read of it (the expansion's
/// field lookups, a diagnostic's [`JsonText::locate`], the CLI's views) is a lookup or a
/// binary search. Only what is read is indexed, so pass-through values (settings) cost
/// nothing; the index is as large as the structure read. Clones share the index.
#[derive(Debug, Clone)]
pub struct JsonText<'a> {
    text: &'a str,
    root: Span,
    index: Rc<Index>,
    /// The first string (or name) whose escapes make a NUL character.
    nul: Option<Span>,
}

#[derive(Debug, Default)]
struct Index {
    attributes: RefCell<FxHashMap<usize, Rc<[Entry]>>>,
    items: RefCell<FxHashMap<usize, Rc<[Span]>>>,
}

/// Objects and arrays scanned, and their bytes, by this process: the work of reading the
/// structure, which the index keeps linear (tests bound it; `nix-instances` prints it with
/// `NIX_INSTANCES_SCAN_STATS=1`).
static SCANS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static SCANNED_BYTES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn count_scan(span: Span) {
    use std::sync::atomic::Ordering::Relaxed;
    SCANS.fetch_add(1, Relaxed);
    SCANNED_BYTES.fetch_add(span.end - span.start, Relaxed);
}

/// How many objects and arrays this process has scanned, and how many bytes they held.
pub fn scan_stats() -> (usize, usize) {
    use std::sync::atomic::Ordering::Relaxed;
    (SCANS.load(Relaxed), SCANNED_BYTES.load(Relaxed))
}

fn settings() -> ReaderSettings {
    ReaderSettings { max_nesting_depth: None, track_path: false, restrict_number_values: false, ..Default::default() }
}

/// A syntax error in words: `unexpected closing bracket`.
fn describe(e: &ReaderError) -> String {
    match e {
        ReaderError::SyntaxError(se) => {
            let kind = format!("{:?}", se.kind);
            let mut words = String::new();
            for c in kind.chars() {
                if c.is_ascii_uppercase() && !words.is_empty() {
                    words.push(' ');
                }
                words.push(c.to_ascii_lowercase());
            }
            words
        }
        other => other.to_string(),
    }
}

fn fail(e: impl std::fmt::Display) -> Foreign {
    Foreign(format!("malformed JSON: {e}"))
}

/// The numbers of a checked document that `builtins.fromJSON` refuses (see
/// [`JsonText::parse`]): the first one, as a syntax error at its place; and the first string
/// holding a NUL escape ([`JsonText::nul_string`]). One pass over the text.
fn check_numbers(text: &str, root: Span) -> Result<Option<Span>, SyntaxError> {
    let bytes = text.as_bytes();
    let mut i = root.start;
    let mut nul = None;
    while i < root.end {
        match bytes[i] {
            b'"' => {
                let start = i;
                i += 1;
                let mut has_nul = false;
                while bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        has_nul |= bytes[i + 1..].starts_with(b"u0000");
                        i += 2;
                    } else {
                        i += 1;
                    }
                }
                i += 1;
                if has_nul && nul.is_none() {
                    nul = Some(Span { start, end: i });
                }
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < root.end && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') {
                    i += 1;
                }
                let literal = &text[start..i];
                let integer = !literal.contains(['.', 'e', 'E']);
                let message = match (integer, literal.parse::<i64>(), literal.parse::<u64>()) {
                    (true, Ok(_), _) => None,
                    (true, Err(_), Ok(u)) => Some(format!(
                        "unsigned json number {u} outside of Nix integer range (Nix integers are 64-bit, at most {})",
                        i64::MAX
                    )),
                    // a float, or an integer beyond 64 bits (Nix reads it as a float)
                    _ => literal.parse::<f64>().ok().filter(|f| f.is_infinite()).map(|_| format!("number overflow parsing '{literal}'")),
                };
                if let Some(message) = message {
                    return Err(SyntaxError { message, offset: start, len: i - start });
                }
            }
            _ => i += 1,
        }
    }
    Ok(nul)
}

impl<'a> JsonText<'a> {
    /// Checks `text` is one JSON value (any nesting depth) that `builtins.fromJSON` reads, and
    /// returns it. As Nix's parser (nlohmann-json) does, a UTF-8 byte-order mark at the start
    /// is skipped, and a number is refused when it overflows a double (`1e400`) or is an
    /// integer above 2^63 - 1 and at most 2^64 - 1 (Nix 2.26 refuses it; Nix 2.8 wraps it to a
    /// negative integer). Integers beyond 64 bits otherwise pass (Nix reads them as floats).
    pub fn parse(text: &'a str) -> Result<JsonText<'a>, SyntaxError> {
        let bom = if text.starts_with('\u{FEFF}') { 3 } else { 0 };
        let mut r = JsonStreamReader::new_custom(&text.as_bytes()[bom..], settings());
        let pos = |r: &JsonStreamReader<&[u8]>| bom + r.current_position(false).data_pos.map_or(0, |p| p as usize);
        let syntax = |r: &JsonStreamReader<&[u8]>, e: &ReaderError| SyntaxError { message: describe(e), offset: pos(r), len: 0 };
        if let Err(e) = r.peek() {
            return Err(syntax(&r, &e));
        }
        let start = pos(&r);
        if let Err(e) = r.skip_value() {
            return Err(syntax(&r, &e));
        }
        let end = pos(&r);
        if let Err(e) = r.consume_trailing_whitespace() {
            return Err(SyntaxError { message: describe(&e), offset: end, len: 0 });
        }
        let nul = check_numbers(text, Span { start, end })?;
        Ok(JsonText { text, root: Span { start, end }, index: Rc::default(), nul })
    }

    /// The first string or name of the document holding a NUL character (`\u0000`), which no
    /// Nix string can hold: `builtins.fromJSON` refuses it on Nix 2.26 and cuts the string
    /// there on Nix 2.8.
    pub fn nul_string(&self) -> Option<Span> {
        self.nul
    }


    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The document's value.
    pub fn root(&self) -> Span {
        self.root
    }

    fn reader(&self, span: Span) -> JsonStreamReader<&'a [u8]> {
        JsonStreamReader::new_custom(&self.text.as_bytes()[span.start..span.end], settings())
    }

    /// The kind of a value: from its first byte (the document is already checked).
    pub fn kind(&self, span: Span) -> Kind {
        let literal = &self.text[span.start..span.end];
        match literal.as_bytes().first() {
            Some(b'{') => Kind::Attrs,
            Some(b'[') => Kind::List,
            Some(b'"') => Kind::String,
            Some(b't' | b'f') => Kind::Bool,
            Some(b'n') => Kind::Null,
            _ if literal.contains(['.', 'e', 'E']) => Kind::Float,
            _ => Kind::Int,
        }
    }

    /// The literal text of a value.
    pub fn literal(&self, span: Span) -> &'a str {
        &self.text[span.start..span.end]
    }

    /// The attributes of an object, in text order (duplicates included).
    pub fn entries(&self, span: Span) -> Result<Vec<Entry>, Foreign> {
        let mut r = self.reader(span);
        let at = |r: &JsonStreamReader<&[u8]>| span.start + r.current_position(false).data_pos.unwrap_or(0) as usize;
        r.begin_object().map_err(fail)?;
        let mut out = Vec::new();
        while r.has_next().map_err(fail)? {
            let key_start = at(&r);
            let name = r.next_name_owned().map_err(fail)?;
            let key = Span { start: key_start, end: at(&r) };
            r.peek().map_err(fail)?;
            let value_start = at(&r);
            r.skip_value().map_err(fail)?;
            out.push(Entry { name, key, value: Span { start: value_start, end: at(&r) } });
        }
        Ok(out)
    }

    /// The attributes of an object, sorted by name; of duplicate names the last one counts
    /// (as `builtins.fromJSON` and serde_json have it). Scanned once, then from the index.
    pub fn attributes(&self, span: Span) -> Result<Rc<[Entry]>, Foreign> {
        if let Some(a) = self.index.attributes.borrow().get(&span.start) {
            return Ok(a.clone());
        }
        let a: Rc<[Entry]> = Rc::from(self.scan_attributes(span)?);
        self.index.attributes.borrow_mut().insert(span.start, a.clone());
        Ok(a)
    }

    fn scan_attributes(&self, span: Span) -> Result<Vec<Entry>, Foreign> {
        count_scan(span);
        let mut entries = self.entries(span)?;
        // stable: equal names keep text order, then the last of each run is kept
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        let mut out: Vec<Entry> = Vec::with_capacity(entries.len());
        for e in entries {
            match out.last_mut() {
                Some(last) if last.name == e.name => *last = e,
                _ => out.push(e),
            }
        }
        Ok(out)
    }

    /// One attribute of an object (the last of that name).
    pub fn attribute(&self, span: Span, name: &str) -> Result<Option<Entry>, Foreign> {
        let a = self.attributes(span)?;
        Ok(a.binary_search_by(|e| e.name.as_str().cmp(name)).ok().map(|i| a[i].clone()))
    }

    /// The items of an array. Scanned once, then from the index.
    pub fn items(&self, span: Span) -> Result<Rc<[Span]>, Foreign> {
        if let Some(a) = self.index.items.borrow().get(&span.start) {
            return Ok(a.clone());
        }
        count_scan(span);
        let a: Rc<[Span]> = Rc::from(self.scan_items(span)?);
        self.index.items.borrow_mut().insert(span.start, a.clone());
        Ok(a)
    }

    fn scan_items(&self, span: Span) -> Result<Vec<Span>, Foreign> {
        let mut r = self.reader(span);
        let at = |r: &JsonStreamReader<&[u8]>| span.start + r.current_position(false).data_pos.unwrap_or(0) as usize;
        r.begin_array().map_err(fail)?;
        let mut out = Vec::new();
        while r.has_next().map_err(fail)? {
            r.peek().map_err(fail)?;
            let start = at(&r);
            r.skip_value().map_err(fail)?;
            out.push(Span { start, end: at(&r) });
        }
        Ok(out)
    }

    /// A string's contents.
    pub fn string(&self, span: Span) -> Result<String, Foreign> {
        self.reader(span).next_string().map_err(fail)
    }

    /// Where an attribute path points: the key and value of its last segment, or of the
    /// deepest part of it that exists.
    pub fn locate(&self, path: &Path) -> Located {
        let mut here = Located { key: None, value: self.root, complete: true, found: 0 };
        for (depth, seg) in path.segments().iter().enumerate() {
            let next = match (seg, self.kind(here.value)) {
                (Segment::Attr(name), Kind::Attrs) => std::str::from_utf8(name)
                    .ok()
                    .and_then(|n| self.attribute(here.value, n).ok().flatten())
                    .map(|e| Located { key: Some(e.key), value: e.value, complete: true, found: depth + 1 }),
                (Segment::Index(i), Kind::List) => self
                    .items(here.value)
                    .ok()
                    .and_then(|items| items.get(*i).copied())
                    .map(|s| Located { key: None, value: s, complete: true, found: depth + 1 }),
                _ => None,
            };
            match next {
                Some(n) => here = n,
                None => {
                    here.complete = false;
                    return here;
                }
            }
        }
        here
    }

    /// Writes `v` as JSON. `pretty` indents the structure the expansion built; an input value
    /// is copied from the text through the streaming parser on one line (so the output stays
    /// linear in the input at any nesting depth), numbers exactly as written.
    pub fn write(&self, v: &Value, mut out: impl Write, pretty: bool) -> std::io::Result<()> {
        self.write_value(v, &mut out, pretty.then_some(0))
    }

    fn write_value(&self, v: &Value, out: &mut dyn Write, indent: Option<usize>) -> std::io::Result<()> {
        let newline = |out: &mut dyn Write, level: usize| match indent {
            Some(_) => write!(out, "\n{:width$}", "", width = 2 * level),
            None => Ok(()),
        };
        let inner = indent.map(|i| i + 1);
        match v {
            Value::Input(span) => {
                let mut w = JsonStreamWriter::new(&mut *out);
                self.reader(*span).transfer_to(&mut w).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
                w.finish_document().map(|_| ())
            }
            Value::Null => out.write_all(b"null"),
            Value::Bool(b) => write!(out, "{b}"),
            Value::Int(i) => write!(out, "{i}"),
            Value::String(s) => serde_json::to_writer(&mut *out, s.as_ref()).map_err(std::io::Error::from),
            Value::List(items) if items.is_empty() => out.write_all(b"[]"),
            Value::List(items) => {
                out.write_all(b"[")?;
                for (k, item) in items.iter().enumerate() {
                    if k > 0 {
                        out.write_all(b",")?;
                    }
                    newline(out, inner.unwrap_or(0))?;
                    self.write_value(item, out, inner)?;
                }
                newline(out, indent.unwrap_or(0))?;
                out.write_all(b"]")
            }
            Value::Attrs(entries) if entries.is_empty() => out.write_all(b"{}"),
            Value::Attrs(entries) => {
                out.write_all(b"{")?;
                for (k, (name, value)) in entries.iter().enumerate() {
                    if k > 0 {
                        out.write_all(b",")?;
                    }
                    newline(out, inner.unwrap_or(0))?;
                    serde_json::to_writer(&mut *out, name.as_ref()).map_err(std::io::Error::from)?;
                    out.write_all(if indent.is_some() { b": " } else { b":" })?;
                    self.write_value(value, out, inner)?;
                }
                newline(out, indent.unwrap_or(0))?;
                out.write_all(b"}")
            }
        }
    }
}

/// The expansion over a [`JsonText`]. Warnings are collected for the caller; an integer
/// outside 64 bits in a position the expansion reads is recorded in `out_of_range`.
#[derive(Debug)]
pub struct TextHost<'a> {
    pub text: JsonText<'a>,
    pub warnings: Vec<String>,
    pub out_of_range: Option<Span>,
}

impl<'a> TextHost<'a> {
    pub fn new(text: JsonText<'a>) -> Self {
        TextHost { text, warnings: Vec::new(), out_of_range: None }
    }

    /// The document as a value.
    pub fn root(&self) -> Value {
        Value::Input(self.text.root())
    }
}

fn input(v: &Value) -> Result<Span, Foreign> {
    match v {
        Value::Input(s) => Ok(*s),
        _ => Err(Foreign("nix-instances: an output value was read as input".into())),
    }
}

impl Host for TextHost<'_> {
    type Value = Value;
    type Name = Rc<str>;

    fn kind(&mut self, v: &Value) -> Result<Kind, Foreign> {
        Ok(match v {
            Value::Input(s) => self.text.kind(*s),
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Bool,
            Value::Int(_) => Kind::Int,
            Value::String(_) => Kind::String,
            Value::List(_) => Kind::List,
            Value::Attrs(_) => Kind::Attrs,
        })
    }

    fn attrs(&mut self, v: &Value) -> Result<Vec<(Vec<u8>, Rc<str>, Value)>, Foreign> {
        let entries = self.text.attributes(input(v)?)?;
        Ok(entries
            .iter()
            .map(|e| {
                let name: Rc<str> = Rc::from(e.name.as_str());
                (e.name.clone().into_bytes(), name, Value::Input(e.value))
            })
            .collect())
    }

    fn attr(&mut self, v: &Value, name: &[u8]) -> Result<Option<Value>, Foreign> {
        let Ok(name) = std::str::from_utf8(name) else { return Ok(None) };
        Ok(self.text.attribute(input(v)?, name)?.map(|e| Value::Input(e.value)))
    }

    fn items(&mut self, v: &Value) -> Result<Vec<Value>, Foreign> {
        Ok(self.text.items(input(v)?)?.iter().copied().map(Value::Input).collect())
    }

    fn string(&mut self, v: &Value) -> Result<Vec<u8>, Foreign> {
        Ok(self.text.string(input(v)?)?.into_bytes())
    }

    fn int(&mut self, v: &Value) -> Result<i64, Foreign> {
        let span = input(v)?;
        let literal = self.text.literal(span);
        literal.parse::<i64>().map_err(|_| {
            self.out_of_range = Some(span);
            Foreign(format!("the integer {literal} does not fit in 64 bits (Nix integers are 64-bit)"))
        })
    }

    fn bool(&mut self, v: &Value) -> Result<bool, Foreign> {
        Ok(self.text.literal(input(v)?) == "true")
    }

    fn make_null(&mut self) -> Result<Value, Foreign> {
        Ok(Value::Null)
    }

    fn make_bool(&mut self, b: bool) -> Result<Value, Foreign> {
        Ok(Value::Bool(b))
    }

    fn make_int(&mut self, i: i64) -> Result<Value, Foreign> {
        Ok(Value::Int(i))
    }

    fn make_string(&mut self, s: &[u8]) -> Result<Value, Foreign> {
        Ok(Value::String(Rc::from(String::from_utf8_lossy(s).as_ref())))
    }

    fn make_list(&mut self, items: &[Value]) -> Result<Value, Foreign> {
        Ok(Value::List(Rc::from(items)))
    }

    fn name(&mut self, name: &[u8]) -> Result<Rc<str>, Foreign> {
        Ok(Rc::from(String::from_utf8_lossy(name).as_ref()))
    }

    fn make_attrs(&mut self, names: &[Rc<str>], values: &[Value]) -> Result<Value, Foreign> {
        let mut entries: Vec<(Rc<str>, Value)> = names.iter().cloned().zip(values.iter().cloned()).collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Value::Attrs(Rc::from(entries)))
    }

    fn warn(&mut self, message: &str) {
        // JSON text is UTF-8: bytes that are not become U+FFFD.
        self.warnings.push(String::from_utf8_lossy(&crate::text::to_bytes(message)).into_owned());
    }
}

/// Reading an output value built by the expansion: for the CLI's views of it.
impl Value {
    /// The attribute `name` of a set built by the expansion.
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Attrs(entries) => entries.binary_search_by(|(k, _)| k.as_ref().cmp(name)).ok().map(|i| &entries[i].1),
            _ => None,
        }
    }

    /// The attributes of a set built by the expansion (else none).
    pub fn entries(&self) -> &[(Rc<str>, Value)] {
        match self {
            Value::Attrs(entries) => entries,
            _ => &[],
        }
    }

    /// The items of a list built by the expansion (else none).
    pub fn list(&self) -> &[Value] {
        match self {
            Value::List(items) => items,
            _ => &[],
        }
    }

    /// A string built by the expansion.
    pub fn str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path;

    fn expand(text: &str) -> Result<String, String> {
        let doc = JsonText::parse(text).map_err(|e| e.message)?;
        let mut h = TextHost::new(doc.clone());
        let root = h.root();
        let out = crate::instances::expand(&mut h, &root).map_err(|e| e.to_string())?;
        let mut buf = Vec::new();
        doc.write(&out, &mut buf, false).unwrap();
        Ok(String::from_utf8(buf).unwrap())
    }

    #[test]
    fn pass_through_values_keep_big_integers_and_any_depth() {
        let deep = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
        let text = format!(
            r#"{{"machines":{{"a":{{}}}},"instances":{{"i":{{"roles":{{"r":{{"machines":{{"a":{{}}}},"settings":{{"big":123456789012345678901234567890,"deep":{deep}}}}}}}}}}}}}"#
        );
        let out = expand(&text).unwrap();
        assert!(out.contains(r#""big":123456789012345678901234567890"#), "{out}");
        assert!(out.contains(&deep), "deep value not passed through");
    }

    #[test]
    fn big_integers_where_the_expansion_reads_them_are_named() {
        let text = r#"{"machines":{},"instances":{},"modules":{"m":{"maxInstances":99999999999999999999}}}"#;
        assert_eq!(expand(text).unwrap_err(), "the integer 99999999999999999999 does not fit in 64 bits (Nix integers are 64-bit)");
    }

    #[test]
    fn locate_finds_keys_values_and_the_deepest_ancestor() {
        let text = "{\n  \"a\": { \"b\\u0063\": [10, {\"d\": true}] }\n}";
        let doc = JsonText::parse(text).unwrap();
        let at = |s: Span| &text[s.start..s.end];
        let l = doc.locate(&path!["a", "bc"].index(1).attr("d"));
        assert!(l.complete);
        assert_eq!((at(l.key.unwrap()), at(l.value)), ("\"d\"", "true"));
        let l = doc.locate(&path!["a", "bc"]);
        assert_eq!(at(l.key.unwrap()), "\"b\\u0063\"");
        let l = doc.locate(&path!["a", "x", "y"]);
        assert!(!l.complete);
        assert_eq!(at(l.key.unwrap()), "\"a\"");
    }

    #[test]
    fn duplicate_names_keep_the_last() {
        let doc = JsonText::parse(r#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
        let attrs = doc.attributes(doc.root()).unwrap();
        let shown: Vec<_> = attrs.iter().map(|e| (e.name.as_str(), doc.literal(e.value))).collect();
        assert_eq!(shown, vec![("a", "3"), ("b", "2")]);
    }

    #[test]
    fn syntax_errors_have_an_offset() {
        let e = JsonText::parse("{\"a\": [1, }").unwrap_err();
        assert_eq!(e.offset, 10, "{}", e.message);
        assert!(JsonText::parse("1 2").is_err());
    }
}
