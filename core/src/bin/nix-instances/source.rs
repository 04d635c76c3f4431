//! Reading the input file (or standard input) and checking it is JSON.

use std::io::Read;
use std::path::Path;

use nix_instances_core::json_text::{JsonText, Span};

use crate::output::{stderr_is_terminal, Finding, Input, Report, Severity};
use crate::Failure;

/// The input: its name as shown in messages and its text.
pub struct Source {
    pub name: String,
    pub text: String,
}

impl<'s> From<&'s Source> for Input<'s> {
    fn from(s: &'s Source) -> Input<'s> {
        Input { name: &s.name, text: &s.text }
    }
}

impl Source {
    /// Reads `file`; `-` is standard input. Failing to read is a usage/I-O error (exit 2).
    pub fn read(file: &Path) -> Result<Source, Failure> {
        let (name, bytes) = if file.as_os_str() == "-" {
            let mut buf = Vec::new();
            std::io::stdin().read_to_end(&mut buf).map_err(|e| Failure::io(format!("standard input: {e}")))?;
            ("<stdin>".to_string(), buf)
        } else {
            let name = file.display().to_string();
            let bytes = std::fs::read(file).map_err(|e| Failure::io(format!("{name}: {e}")))?;
            (name, bytes)
        };
        let text = String::from_utf8(bytes).map_err(|e| {
            Failure::io(format!("{name}: not UTF-8 text (byte {} is not valid UTF-8): JSON must be UTF-8", e.utf8_error().valid_up_to()))
        })?;
        Ok(Source { name, text })
    }

    /// The text as a checked JSON document; a syntax error is reported at its position
    /// (exit 2).
    pub fn json(&self) -> Result<JsonText<'_>, Failure> {
        self.parse().map_err(|finding| {
            let mut shown = Vec::new();
            let _ = Report::new(self, vec![*finding]).render(&mut shown, stderr_is_terminal());
            Failure { code: 2, message: String::from_utf8_lossy(&shown).into_owned() }
        })
    }

    /// The text as a checked JSON document, or the finding of its syntax error (or of what
    /// `builtins.fromJSON` refuses) at its position.
    pub fn parse(&self) -> Result<JsonText<'_>, Box<Finding>> {
        JsonText::parse(&self.text).map_err(|e| {
            let at = e.offset.min(self.text.len());
            let span = Span { start: at, end: (at + e.len.max(1)).min(self.text.len()) };
            let finding = Finding {
                severity: Severity::Error,
                message: format!("malformed JSON: {}", e.message),
                path: None,
                span: Some(span),
                label: "here".into(),
                notes: Vec::new(),
                suggestion: None,
            };
            Box::new(finding)
        })
    }
}
