//! `expand`: the expansion as JSON, whole or cut down to one machine or one instance; and
//! `multi-service`. Also the expansion every other subcommand starts from.

use std::io::Write;
use std::rc::Rc;

use nix_instances_core::json_text::{JsonText, TextHost, Value};
use nix_instances_core::suggest::did_you_mean;
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
        Err(e) => {
            print_warnings(&host.warnings);
            let e = match (e, &source.nix) {
                (Error::Invalid { path, message }, Some(nix)) => {
                    let message = nix.retype(&doc, &path, message);
                    Error::Invalid { path, message }
                }
                (e, _) => e,
            };
            let shown = nix_instances_core::text::to_bytes(&e.to_string());
            let mut message = String::from_utf8_lossy(&shown).into_owned();
            if let (Error::Foreign(_), Some(span)) = (&e, host.out_of_range) {
                let (line, col) = crate::output::Report::new(source, Vec::new()).line_col(span.start);
                message = format!("{}:{line}:{col}: {message}", source.name);
            }
            let mut failure = Failure::invalid(&message);
            if hint && e.is_invalid() {
                // after a blank line: the message itself is what the primop says
                let file = source.argument();
                failure.message.push_str(&format!("\nhint: `nix-instances check {file}` shows each problem in the file\n"));
            }
            Err(failure)
        }
    }
}

/// The inventory's expansion (`builtins.expandInstances`).
pub fn inventory<'a>(source: &Source, doc: JsonText<'a>) -> Result<Expanded, Failure> {
    run_core(source, doc, instances::expand::<TextHost<'a>>, true)
}

/// Warnings on standard error, one `warning: …` line each, as Nix prints them.
pub fn print_warnings(warnings: &[String]) {
    let mut err = std::io::stderr().lock();
    for w in warnings {
        let _ = writeln!(err, "warning: {w}");
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
        (Some(m), _) => crate::nix_source::Show::Machine(m),
        (_, Some(i)) => crate::nix_source::Show::Instance(i),
        _ => crate::nix_source::Show::All,
    };
    let source = Source::load(&a.input, show)?;
    let doc = source.json()?;
    let e = inventory(&source, doc)?;
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
    let source = match (crate::nix_source::NixInput::of(&a.nix), &a.file) {
        (Some(n), _) => crate::nix_source::load_services(&n)?,
        (None, Some(file)) => Source::read(file)?,
        (None, None) => return Err(Failure::io("no services file given: SERVICES.json or --file")),
    };
    let doc = source.json()?;
    let e = run_core(&source, doc, multi_service::expand::<TextHost<'_>>, false)?;
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
    let hint = did_you_mean(wanted.as_bytes(), known.entries().iter().map(|(k, _)| k.as_bytes()));
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
