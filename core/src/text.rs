//! Messages that keep every byte of the names they quote.
//!
//! Nix strings and attribute names are bytes, not necessarily UTF-8. Messages are built as Rust
//! strings, so a byte that is not part of valid UTF-8 is carried as a character of the last
//! private-use plane (U+10FF00 + byte) and turned back into that byte by [`to_bytes`] where the
//! message leaves for Nix. The pure-Nix twin, which never decodes, shows the same bytes.

use std::borrow::Cow;

const ESCAPE_BASE: u32 = 0x10_FF00;

/// `bytes` as a string, invalid UTF-8 bytes escaped losslessly.
pub fn show(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for &b in chunk.invalid() {
            out.push(char::from_u32(ESCAPE_BASE + u32::from(b)).expect("a valid scalar value"));
        }
    }
    Cow::Owned(out)
}

/// The bytes of a message made with [`show`]: escaped bytes restored.
pub fn to_bytes(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        match u32::from(c) {
            n @ ESCAPE_BASE..=0x10_FFFF => out.push((n - ESCAPE_BASE) as u8),
            _ => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_byte() {
        let bytes: Vec<u8> = (0..=255u8).chain("é✓".bytes()).chain([0xC3, b'x']).collect();
        assert_eq!(to_bytes(&show(&bytes)), bytes);
        assert_eq!(show(b"plain"), "plain");
    }
}
