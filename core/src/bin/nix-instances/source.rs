//! Reading the input file (or standard input) and checking it is JSON.

use std::io::Read;
use std::path::Path;

use nix_instances_core::json_text::{JsonText, Span};

use crate::args::{Input as InputArgs, NixArgs};
use crate::nix_source::{NixInput, NixOrigin, Show};
use crate::output::{stderr_is_terminal, Finding, Input, Report, Severity};
use crate::Failure;

/// The input: its name as shown in messages and its text.
pub struct Source {
    pub name: String,
    pub text: String,
    /// For an inventory read from Nix: where its attributes are defined.
    pub nix: Option<NixOrigin>,
}

impl<'s> From<&'s Source> for Input<'s> {
    fn from(s: &'s Source) -> Input<'s> {
        Input { name: &s.name, text: &s.text, nix: s.nix.as_ref() }
    }
}

impl Source {
    /// The input the command line names: a JSON file, or an inventory in Nix (`show`: the
    /// settings and other leaves the subcommand prints, so Nix evaluates them).
    pub fn load(input: &InputArgs, show: Show) -> Result<Source, Failure> {
        Source::load_from(input.file.as_deref(), &input.nix, show)
    }

    /// [`Source::load`] from the JSON file, if any, and the Nix arguments.
    pub fn load_from(file: Option<&Path>, nix: &NixArgs, show: Show) -> Result<Source, Failure> {
        match (NixInput::of(nix), file) {
            (Some(n), _) => crate::nix_source::load(&n, show),
            (None, Some(file)) => Source::read(file),
            (None, None) => Err(Failure::io("no inventory given: INVENTORY.json, --flake or --file")),
        }
    }

    /// The name of the input `file` and `nix` name, as [`Source::name`] would be, for a
    /// document about an input that could not be read.
    pub fn name_of(file: Option<&Path>, nix: &NixArgs) -> String {
        match (NixInput::of(nix), file) {
            (Some(NixInput::Flake { reference, attr }), _) => format!("{reference}#{}", attr.unwrap_or_default()),
            (Some(NixInput::File { file, attr: Some(a) }), _) => format!("{}, attribute {a}", file.display()),
            (Some(NixInput::File { file, attr: None }), _) => file.display().to_string(),
            (None, Some(f)) if f.as_os_str() == "-" => "<stdin>".into(),
            (None, Some(f)) => f.display().to_string(),
            (None, None) => String::new(),
        }
    }

    /// The input as arguments of another `nix-instances` command (for hints).
    pub fn argument(&self) -> String {
        match &self.nix {
            Some(n) => n.argument.clone(),
            None if self.name == "<stdin>" => "-".into(),
            None => self.name.clone(),
        }
    }

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
        Ok(Source { name, text, nix: None })
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
