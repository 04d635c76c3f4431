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

use std::io::Write;
use std::rc::Rc;

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

/// A checked JSON document.
#[derive(Debug, Clone, Copy)]
pub struct JsonText<'a> {
    text: &'a str,
    root: Span,
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

impl<'a> JsonText<'a> {
    /// Checks `text` is one JSON value (any nesting depth) and returns it.
    pub fn parse(text: &'a str) -> Result<JsonText<'a>, SyntaxError> {
        let mut r = JsonStreamReader::new_custom(text.as_bytes(), settings());
        let syntax = |r: &JsonStreamReader<&[u8]>, e: &ReaderError| SyntaxError {
            message: describe(e),
            offset: r.current_position(false).data_pos.map_or(0, |p| p as usize),
        };
        if let Err(e) = r.peek() {
            return Err(syntax(&r, &e));
        }
        let start = r.current_position(false).data_pos.unwrap_or(0) as usize;
        if let Err(e) = r.skip_value() {
            return Err(syntax(&r, &e));
        }
        let end = r.current_position(false).data_pos.unwrap_or(text.len() as u64) as usize;
        let offset = end;
        if let Err(e) = r.consume_trailing_whitespace() {
            return Err(SyntaxError { message: describe(&e), offset });
        }
        Ok(JsonText { text, root: Span { start, end } })
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
    /// (as `builtins.fromJSON` and serde_json have it).
    pub fn attributes(&self, span: Span) -> Result<Vec<Entry>, Foreign> {
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
        Ok(self.entries(span)?.into_iter().rev().find(|e| e.name == name))
    }

    /// The items of an array.
    pub fn items(&self, span: Span) -> Result<Vec<Span>, Foreign> {
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
    /// The attributes of the object last read field by field: the core reads several fields
    /// of one set in a row, and each scan of it would read its whole text again.
    last: Option<(Span, Vec<Entry>)>,
}

impl<'a> TextHost<'a> {
    pub fn new(text: JsonText<'a>) -> Self {
        TextHost { text, warnings: Vec::new(), out_of_range: None, last: None }
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
            .into_iter()
            .map(|e| {
                let name: Rc<str> = Rc::from(e.name.as_str());
                (e.name.into_bytes(), name, Value::Input(e.value))
            })
            .collect())
    }

    fn attr(&mut self, v: &Value, name: &[u8]) -> Result<Option<Value>, Foreign> {
        let Ok(name) = std::str::from_utf8(name) else { return Ok(None) };
        let span = input(v)?;
        if !matches!(&self.last, Some((s, _)) if *s == span) {
            self.last = Some((span, self.text.attributes(span)?));
        }
        let entries = &self.last.as_ref().expect("just filled").1;
        Ok(entries.binary_search_by(|e| e.name.as_str().cmp(name)).ok().map(|i| Value::Input(entries[i].value)))
    }

    fn items(&mut self, v: &Value) -> Result<Vec<Value>, Foreign> {
        Ok(self.text.items(input(v)?)?.into_iter().map(Value::Input).collect())
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
        let mut h = TextHost::new(doc);
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
