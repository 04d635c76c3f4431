//! `expand`: the expansion as JSON, whole or cut down to one machine or one instance; and
//! `multi-service`. Also the expansion every other subcommand starts from.

use std::io::Write;
use std::rc::Rc;

use nix_instances_core::instances::query;
use nix_instances_core::json_text::{JsonText, TextHost, Value};
use nix_instances_core::suggest::did_you_mean;
use nix_instances_core::text::visible;
use nix_instances_core::{instances, multi_service, Error};

use crate::args::{ExpandArgs, MultiServiceArgs};
use crate::nix_source::{NixInput, Show};
use crate::source::Source;
use crate::Failure;

/// A cut of the expansion built by the core: for one machine or one instance.
type Cut<'a> = fn(&mut TextHost<'a>, &Value, &[u8]) -> Result<Option<Value>, Error>;

/// An inventory's expansion and the warnings made on the way.
pub struct Expanded {
    pub out: Value,
    pub warnings: Vec<String>,
}

/// Expands with `expand` (instances or multi-service); an invalid input fails with the
/// core's message (exit 1), as the primop words it, and for an inventory a pointer to `check`.
fn run_core<'a>(
    source: &Source,
    doc: JsonText<'a>,
    expand: fn(&mut TextHost<'a>, &Value) -> Result<Value, Error>,
    hint: bool,
) -> Result<Expanded, Failure> {
    let mut host = TextHost::new(doc);
    let root = host.root();
    match expand(&mut host, &root) {
        Ok(out) => {
            refuse_nul(source, &host.text, hint)?;
            Ok(Expanded { out, warnings: host.warnings })
        }
        Err(e) => Err(failure(source, &host, e, hint)),
    }
}

/// What `builtins.fromJSON` says of a string holding a NUL character (Nix 2.26; Nix 2.8 cuts
/// the string there instead), as a finding at that string.
pub const NUL_IN_TEXT: &str = "the string contains a NUL character (\\u0000), which a Nix string cannot hold: \
     builtins.fromJSON refuses the file (Nix 2.26) or cuts the string there (Nix 2.8)";

pub fn nul_finding(span: nix_instances_core::json_text::Span) -> crate::output::Finding {
    crate::output::Finding {
        severity: crate::output::Severity::Error,
        message: NUL_IN_TEXT.into(),
        path: None,
        span: Some(span),
        label: "this string".into(),
        notes: Vec::new(),
        suggestion: None,
    }
}

/// An input the core accepted that still holds a NUL character in a string it passes through:
/// an invalid input (exit 1) at that string's place.
pub fn refuse_nul(source: &Source, doc: &JsonText, hint: bool) -> Result<(), Failure> {
    match doc.nul_string() {
        None => Ok(()),
        Some(span) => {
            let at = crate::output::Report::new(source, Vec::new()).position(span);
            let mut f = Failure::invalid(&format!("{}: {NUL_IN_TEXT}", visible(&at)));
            if hint {
                f.message.push_str(&format!("\nhint: `nix-instances check {}` shows each problem in the file\n", visible(&source.argument())));
            }
            Err(f)
        }
    }
}

/// The failure of an invalid input: the warnings so far on standard error, the core's
/// message (at its place in the file for a number out of range), and with `hint` a pointer
/// to `check`.
pub fn failure(source: &Source, host: &TextHost, e: Error, hint: bool) -> Failure {
    print_warnings(&host.warnings);
    // from Nix: a placeholder of a value JSON cannot hold named as what it is (`a function`)
    let e = match (e, &source.nix) {
        (Error::Invalid { path, message }, Some(nix)) => {
            let message = nix.retype(&host.text, &path, message);
            Error::Invalid { path, message }
        }
        (Error::Diagnostics(mut ds), Some(nix)) => {
            for d in &mut ds {
                d.message = nix.retype(&host.text, &d.path, std::mem::take(&mut d.message));
            }
            Error::Diagnostics(ds)
        }
        (e, _) => e,
    };
    // each diagnostic on its line, escaped whole: a name's line break shows as `\n`
    let line = |s: String| visible(&String::from_utf8_lossy(&nix_instances_core::text::to_bytes(&s))).into_owned();
    let mut message = match &e {
        Error::Diagnostics(ds) if ds.len() > 1 => {
            let mut m = format!("{} errors in the inventory:", ds.len());
            for d in ds {
                m.push('\n');
                m.push_str(&line(d.to_string()));
            }
            m
        }
        e => line(e.to_string()),
    };
    if let (Error::Foreign(_), Some(span)) = (&e, host.out_of_range) {
        let at = crate::output::Report::new(source, Vec::new()).position(span);
        message = format!("{}: {message}", visible(&at));
    }
    let mut failure = Failure::invalid(&message);
    if hint && e.is_invalid() {
        // after a blank line: the message itself is what the primop says
        let file = source.argument();
        let file = nix_instances_core::text::visible(&file);
        failure.message.push_str(&format!("\nhint: `nix-instances check {file}` shows each problem in the file\n"));
    }
    failure
}

/// The inventory's expansion (`builtins.expandInstances`).
pub fn inventory<'a>(source: &Source, doc: JsonText<'a>) -> Result<Expanded, Failure> {
    run_core(source, doc, instances::expand::<TextHost<'a>>, true)
}

/// Warnings on standard error, one `warning: …` line each, as Nix prints them.
pub fn print_warnings(warnings: &[String]) {
    let mut err = std::io::stderr().lock();
    for w in warnings {
        let _ = writeln!(err, "warning: {}", visible(w));
    }
}

fn write(doc: &JsonText, v: &Value, compact: bool) -> Result<(), Failure> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    doc.write(v, &mut out, !compact)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

pub fn run(a: &ExpandArgs) -> Result<u8, Failure> {
    let show = match (&a.machine, &a.instance) {
        (Some(m), _) => Show::Machine(m),
        (_, Some(i)) => Show::Instance(i),
        _ => Show::All,
    };
    let source = Source::load(&a.input, show)?;
    let doc = source.json()?;
    let one = match (&a.machine, &a.instance) {
        (Some(m), _) => Some(("machine", "machines", m, query::expand_machine::<TextHost<'_>> as Cut<'_>)),
        (_, Some(i)) => Some(("instance", "instances", i, query::expand_instance::<TextHost<'_>> as Cut<'_>)),
        _ => None,
    };
    if let Some((what, set, wanted, cut)) = one {
        // built for this machine or instance alone, not cut out of the whole expansion
        let mut host = TextHost::new(doc.clone());
        let root = host.root();
        let shown = match cut(&mut host, &root, wanted.as_bytes()) {
            Ok(Some(v)) => v,
            Ok(None) => {
                print_warnings(&host.warnings);
                let attrs = nix_instances_core::host::Kind::Attrs;
                let known = (doc.kind(doc.root()) == attrs)
                    .then(|| doc.attribute(doc.root(), set).ok().flatten())
                    .flatten()
                    .filter(|e| doc.kind(e.value) == attrs)
                    .and_then(|e| doc.attributes(e.value).ok())
                    .unwrap_or_else(|| Rc::from(Vec::new()));
                return Err(unknown_of(what, wanted, known.iter().map(|e| e.name.as_bytes())));
            }
            Err(e) => return Err(failure(&source, &host, e, true)),
        };
        refuse_nul(&source, &doc, true)?;
        print_warnings(&host.warnings);
        write(&doc, &shown, a.compact)?;
        return Ok(0);
    }
    let e = inventory(&source, doc.clone())?;
    print_warnings(&e.warnings);
    let shown = e.out;
    write(&doc, &shown, a.compact)?;
    Ok(0)
}

pub fn run_multi_service(a: &MultiServiceArgs) -> Result<u8, Failure> {
    let source = match (NixInput::of(&a.nix), &a.file) {
        (Some(n), _) => crate::nix_source::load_services(&n)?,
        (None, Some(file)) => Source::read(file)?,
        (None, None) => return Err(Failure::io("no services file given: SERVICES.json or --file")),
    };
    let doc = source.json()?;
    let e = run_core(&source, doc.clone(), multi_service::expand::<TextHost<'_>>, false)?;
    print_warnings(&e.warnings);
    write(&doc, &e.out, false)?;
    Ok(0)
}

/// `no machine named 'x' (did you mean 'y'?)` for a name asked for on the command line,
/// among the names `known`.
pub fn unknown_of<'k>(what: &str, wanted: &str, known: impl IntoIterator<Item = &'k [u8]>) -> Failure {
    let hint = did_you_mean(wanted.as_bytes(), known);
    Failure::io(format!("no {what} named '{wanted}'{hint}"))
}
