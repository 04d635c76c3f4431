//! Attribute paths as shown in messages: `instances.web.roles."my role".machines[0]`.

use std::fmt;

/// One step of a [`Path`]: an attribute name (raw bytes) or a list index.
///
/// Ordered as the messages are sorted: names bytewise, indices numerically (an attribute
/// name sorts before an index, though no set in the input has both at one place).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    Attr(Vec<u8>),
    Index(usize),
}

/// A path from the primop's argument (or `services.<name>` for multi-service) to a value.
/// Paths order segment by segment; a path sorts before the paths it is a prefix of.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Path(Vec<Segment>);

impl Path {
    pub fn root() -> Path {
        Path(Vec::new())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The segments, from the argument down.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// This path extended by an attribute name.
    pub fn attr(&self, name: impl AsRef<[u8]>) -> Path {
        let mut p = self.clone();
        p.0.push(Segment::Attr(name.as_ref().to_vec()));
        p
    }

    /// This path extended by a list index.
    pub fn index(&self, i: usize) -> Path {
        let mut p = self.clone();
        p.0.push(Segment::Index(i));
        p
    }
}

/// Builds a path from attribute names: `path!["instances", name, "roles"]`.
#[macro_export]
macro_rules! path {
    ($($seg:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut p = $crate::path::Path::root();
        $( p = p.attr($seg); )*
        p
    }};
}

/// Whether `name` is written bare in a path (else it is quoted).
pub fn is_identifier(name: &[u8]) -> bool {
    match name.split_first() {
        Some((first, rest)) => {
            (first.is_ascii_alphabetic() || *first == b'_')
                && rest.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'\'' | b'-'))
        }
        None => false,
    }
}

/// A name as it appears in a path: bare, or quoted with `\` and `"` escaped.
pub fn show_name(name: &[u8]) -> String {
    let text = crate::text::show(name);
    if is_identifier(name) {
        text.into_owned()
    } else {
        let mut s = String::with_capacity(text.len() + 2);
        s.push('"');
        for c in text.chars() {
            if c == '"' || c == '\\' {
                s.push('\\');
            }
            s.push(c);
        }
        s.push('"');
        s
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Segment::Attr(name) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(&show_name(name))?;
                }
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_attrs_indices_and_quotes() {
        let p = path!["instances", "my web", "roles"].attr("server").index(2);
        assert_eq!(p.to_string(), r#"instances."my web".roles.server[2]"#);
        assert_eq!(path!["a\"b"].to_string(), r#""a\"b""#);
        assert_eq!(path!["x-1'"].to_string(), "x-1'");
        assert_eq!(path!["1x"].to_string(), "\"1x\"");
        assert_eq!(path![""].to_string(), "\"\"");
    }
}
