//! `expand`: the expansion as JSON, whole or cut down to one machine or one instance; and
//! `multi-service`. Also the expansion every other subcommand starts from.

use std::io::Write;
use std::rc::Rc;

use nix_instances_core::json_text::{JsonText, TextHost, Value};
use nix_instances_core::suggest::did_you_mean;
use nix_instances_core::text::visible;
use nix_instances_core::{instances, multi_service, Error};

use crate::args::{ExpandArgs, MultiServiceArgs};
use crate::source::Source;
use crate::Failure;

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
        Ok(out) => Ok(Expanded { out, warnings: host.warnings }),
        Err(e) => Err(failure(source, &host, e, hint)),
    }
}

/// The failure of an invalid input: the warnings so far on standard error, the core's
/// message (at its place in the file for a number out of range), and with `hint` a pointer
/// to `check`.
pub fn failure(source: &Source, host: &TextHost, e: Error, hint: bool) -> Failure {
    print_warnings(&host.warnings);
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
        let (line, col) = crate::output::Report::new(source, Vec::new()).line_col(span.start);
        message = format!("{}:{line}:{col}: {message}", source.name);
    }
    let mut failure = Failure::invalid(&message);
    if hint && e.is_invalid() {
        // after a blank line: the message itself is what the primop says
        let file = if source.name == "<stdin>" { "-" } else { source.name.as_str() };
        let file = nix_instances_core::text::visible(file);
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
    let source = Source::read(&a.input.file)?;
    let doc = source.json()?;
    if let Some(m) = &a.machine {
        // built for this machine alone, not cut out of the whole expansion
        let mut host = TextHost::new(doc.clone());
        let root = host.root();
        let shown = match nix_instances_core::instances::query::expand_machine(&mut host, &root, m.as_bytes()) {
            Ok(Some(v)) => v,
            Ok(None) => {
                print_warnings(&host.warnings);
                let known = crate::reasons::find(&doc, doc.root(), &["machines"]).and_then(|e| doc.attributes(e.value).ok()).unwrap_or_else(|| Rc::from(Vec::new()));
                return Err(unknown_of("machine", m, known.iter().map(|e| e.name.as_bytes())));
            }
            Err(e) => return Err(failure(&source, &host, e, true)),
        };
        print_warnings(&host.warnings);
        write(&doc, &shown, a.compact)?;
        return Ok(0);
    }
    let e = inventory(&source, doc.clone())?;
    print_warnings(&e.warnings);
    let shown = match (&a.machine, &a.instance) {
        (Some(m), _) => for_machine(&e.out, m)?,
        (_, Some(i)) => for_instance(&e.out, i)?,
        _ => e.out.clone(),
    };
    write(&doc, &shown, a.compact)?;
    Ok(0)
}

pub fn run_multi_service(a: &MultiServiceArgs) -> Result<u8, Failure> {
    let source = Source::read(&a.file)?;
    let doc = source.json()?;
    let e = run_core(&source, doc.clone(), multi_service::expand::<TextHost<'_>>, false)?;
    print_warnings(&e.warnings);
    write(&doc, &e.out, false)?;
    Ok(0)
}

/// A set built from entries (sorted by name here).
pub fn attrs(mut entries: Vec<(Rc<str>, Value)>) -> Value {
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Attrs(Rc::from(entries))
}

fn name(s: &str) -> Rc<str> {
    Rc::from(s)
}

/// `no machine named 'x' (did you mean 'y'?)` for a name asked for on the command line.
pub fn unknown(what: &str, wanted: &str, known: &Value) -> Failure {
    unknown_of(what, wanted, known.entries().iter().map(|(k, _)| k.as_bytes()))
}

/// [`unknown`] among the names `known`.
pub fn unknown_of<'k>(what: &str, wanted: &str, known: impl IntoIterator<Item = &'k [u8]>) -> Failure {
    let hint = did_you_mean(wanted.as_bytes(), known);
    Failure::io(format!("no {what} named '{wanted}'{hint}"))
}

/// What machine `m` gets: the expansion with only `m` among the machines, only the instances
/// and roles `m` is in, and in each role only `m`'s entry (its settings imports, in order).
pub fn for_machine(out: &Value, m: &str) -> Result<Value, Failure> {
    let machines = out.get("machines").cloned().unwrap_or(Value::Null);
    let machine = machines.get(m).ok_or_else(|| unknown("machine", m, &machines))?.clone();
    let mut instances = Vec::new();
    for (i, _) in machine.get("instances").map(Value::entries).unwrap_or_default() {
        let Some(inst) = out.get("instances").and_then(|x| x.get(i)) else { continue };
        let mut roles = Vec::new();
        for (r, role) in inst.get("roles").map(Value::entries).unwrap_or_default() {
            let Some(entry) = role.get("machines").and_then(|ms| ms.get(m)) else { continue };
            let kept: Vec<(Rc<str>, Value)> = role
                .entries()
                .iter()
                .map(|(k, v)| match k.as_ref() {
                    "machines" => (k.clone(), attrs(vec![(name(m), entry.clone())])),
                    _ => (k.clone(), v.clone()),
                })
                .collect();
            roles.push((r.clone(), attrs(kept)));
        }
        let kept = inst.entries().iter().map(|(k, v)| if k.as_ref() == "roles" { (k.clone(), attrs(roles.clone())) } else { (k.clone(), v.clone()) });
        instances.push((i.clone(), attrs(kept.collect())));
    }
    let tags: Vec<(Rc<str>, Value)> = machine
        .get("tags")
        .map(Value::list)
        .unwrap_or_default()
        .iter()
        .filter_map(|t| t.str())
        .filter_map(|t| out.get("tags").and_then(|ts| ts.get(t)).map(|ms| (name(t), ms.clone())))
        .collect();
    Ok(attrs(vec![
        (name("instances"), attrs(instances)),
        (name("machines"), attrs(vec![(name(m), machine.clone())])),
        (name("tags"), attrs(tags)),
        (name("warnings"), out.get("warnings").cloned().unwrap_or(Value::List(Rc::from(Vec::new())))),
    ]))
}

/// Instance `i`: its entry, its module's entry in `modules`, and the machines in it with the
/// roles they have there.
pub fn for_instance(out: &Value, i: &str) -> Result<Value, Failure> {
    let instances = out.get("instances").cloned().unwrap_or(Value::Null);
    let inst = instances.get(i).ok_or_else(|| unknown("instance", i, &instances))?.clone();
    let mut machines = Vec::new();
    for (m, machine) in out.get("machines").map(Value::entries).unwrap_or_default() {
        let Some(mine) = machine.get("instances").and_then(|x| x.get(i)) else { continue };
        let kept = machine.entries().iter().map(|(k, v)| {
            if k.as_ref() == "instances" {
                (k.clone(), attrs(vec![(name(i), mine.clone())]))
            } else {
                (k.clone(), v.clone())
            }
        });
        machines.push((m.clone(), attrs(kept.collect())));
    }
    let module_id = inst.get("moduleId").and_then(Value::str).unwrap_or_default().to_string();
    let modules: Vec<(Rc<str>, Value)> =
        out.get("modules").and_then(|ms| ms.get(&module_id)).map(|v| (name(&module_id), v.clone())).into_iter().collect();
    Ok(attrs(vec![
        (name("instances"), attrs(vec![(name(i), inst)])),
        (name("machines"), attrs(machines)),
        (name("modules"), attrs(modules)),
        (name("warnings"), out.get("warnings").cloned().unwrap_or(Value::List(Rc::from(Vec::new())))),
    ]))
}
