//! Messages that keep every byte of the names they quote.
//!
//! Nix strings and attribute names are bytes, not necessarily UTF-8. Messages are built as Rust
//! strings, so a byte that is not part of valid UTF-8 is carried as two characters: the escape
//! [`ESCAPE`] (U+10FEFF, a noncharacter) followed by U+10FF00 + byte. [`to_bytes`] turns them
//! back into that byte where the message leaves for Nix. The escape character itself, when a
//! name holds it, is written twice. Every other character, U+10FF00–U+10FFFF included, stands
//! for itself, so no valid UTF-8 name can be mistaken for an escaped byte. The pure-Nix twin,
//! which never decodes, shows the same bytes.

use std::borrow::Cow;

/// Starts an escape: followed by itself (the character itself) or by `BYTE_BASE + byte`.
const ESCAPE: char = '\u{10FEFF}';
const BYTE_BASE: u32 = 0x10_FF00;

/// `bytes` as a string, invalid UTF-8 bytes escaped losslessly.
pub fn show(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        if !s.contains(ESCAPE) {
            return Cow::Borrowed(s);
        }
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == ESCAPE {
                out.push(ESCAPE);
            }
            out.push(c);
        }
        for &b in chunk.invalid() {
            out.push(ESCAPE);
            out.push(char::from_u32(BYTE_BASE + u32::from(b)).expect("a valid scalar value"));
        }
    }
    Cow::Owned(out)
}

/// The bytes of a message made with [`show`]: escaped bytes restored.
pub fn to_bytes(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        let c = match c {
            ESCAPE => match chars.next() {
                Some(b) if (BYTE_BASE..=BYTE_BASE + 0xFF).contains(&u32::from(b)) => {
                    out.push((u32::from(b) - BYTE_BASE) as u8);
                    continue;
                }
                // `ESCAPE ESCAPE`, or an escape that `show` did not make: the character itself
                Some(ESCAPE) | None => ESCAPE,
                Some(other) => {
                    out.extend_from_slice(ESCAPE.encode_utf8(&mut [0; 4]).as_bytes());
                    other
                }
            },
            c => c,
        };
        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    }
    out
}

/// Whether `c` must not reach a terminal or a text file as it is: control characters (C0,
/// DEL, C1: escape sequences, line breaks, bells), the Unicode line and paragraph separators,
/// the bidirectional formatting characters (which reorder what is shown around them), and the
/// two characters XML 1.0 forbids besides controls (U+FFFE, U+FFFF).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// `s` safe to print: every character [`is_unsafe`] holds is written as JSON writes it,
/// `\u001b` (with `\n`, `\r`, `\t` as Nix writes those in strings), so a name holding an
/// escape sequence shows what it holds and does nothing to the terminal. Everything else is
/// kept, so names in messages read as written.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        push_visible(&mut out, c);
    }
    Cow::Owned(out)
}

/// Appends `c`, escaped when [`is_unsafe`].
pub fn push_visible(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if is_unsafe(c) => {
            use std::fmt::Write;
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        }
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_escapes_what_a_terminal_or_xml_would_act_on() {
        assert_eq!(visible("plain é ✓"), "plain é ✓");
        assert_eq!(visible("a\u{1b}]0;x\u{7}b\n\u{9b}\u{202e}\u{fffe}"), "a\\u001b]0;x\\u0007b\\n\\u009b\\u202e\\ufffe");
    }

    #[test]
    fn round_trips_every_byte() {
        let bytes: Vec<u8> = (0..=255u8).chain("é✓".bytes()).chain([0xC3, b'x']).collect();
        assert_eq!(to_bytes(&show(&bytes)), bytes);
        assert_eq!(show(b"plain"), "plain");
    }

    #[test]
    fn the_last_code_points_stand_for_themselves() {
        // U+10FF00–U+10FFFF (once mistaken for escaped bytes) and the escape character itself,
        // alone, next to each other and next to invalid bytes
        for c in (0x10_FE00..=0x10_FFFF).filter_map(char::from_u32) {
            let mut name = format!("a{c}{c}\u{10FEFF}{c}").into_bytes();
            assert_eq!(to_bytes(&show(&name)), name, "U+{:X}", u32::from(c));
            name.extend([0xFF, b'"']);
            name.extend(c.to_string().bytes());
            assert_eq!(to_bytes(&show(&name)), name, "U+{:X}", u32::from(c));
        }
        assert_eq!(to_bytes(&format!("x: {}", show("\u{10FF22}".as_bytes()))), "x: \u{10FF22}".as_bytes());
    }
}
