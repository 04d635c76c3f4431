//! `expandMultiService`: services-flake's `multiService` instances (docs/contract.md).
//!
//! One module becomes `services.<service>.<instance>`; the enabled instances'
//! `outputs.settings` are handed on, unevaluated but for their process names, which must be
//! unique across instances.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::host::{Host, Kind};
use crate::output::Output;
use crate::path;
use crate::path::Path;
use crate::read::{self, Name};

struct Instance<N, V> {
    name: Name,
    key: N,
    enable: bool,
    namespace: Option<V>,
    data_dir: Option<V>,
    settings: Option<V>,
}

/// Expands the instances of one service: `builtins.expandMultiService`.
pub fn expand<H: Host>(h: &mut H, arg: &H::Value) -> Result<H::Value> {
    read::expect(h, arg, &Path::root(), Kind::Attrs, "a set")?;
    let (service, service_v) = service_name(h, arg)?;
    let instances_v = read::required(h, arg, "instances", &Path::root())?;
    let base = path!["services", &service];

    let entries = read::named_attrs(h, &instances_v, &path!["instances"])?;
    let mut instances = crate::error::with_capacity(entries.len())?;
    // process name -> (its output name, the defining instance)
    let mut processes: BTreeMap<Name, (H::Name, usize)> = BTreeMap::new();
    for (name, key, i) in entries {
        h.check_interrupt(1)?;
        let p = base.attr(&name);
        read::expect(h, &i, &p, Kind::Attrs, "a set")?;
        let enable = match read::field(h, &i, "enable")? {
            Some(e) => read::boolean(h, &e, &p.attr("enable"))?,
            None => false,
        };
        let mut settings = None;
        if enable {
            if let Some(outputs) = read::field(h, &i, "outputs")? {
                let op = p.attr("outputs");
                read::expect(h, &outputs, &op, Kind::Attrs, "a set")?;
                if let Some(s) = read::field(h, &outputs, "settings")? {
                    let sp = op.attr("settings");
                    read::expect(h, &s, &sp, Kind::Attrs, "a set")?;
                    if let Some(procs) = read::field(h, &s, "processes")? {
                        for (proc, proc_key, _) in read::named_attrs(h, &procs, &sp.attr("processes"))? {
                            h.check_interrupt(1)?;
                            if let Some((_, first)) = processes.get(&proc) {
                                let first: &Instance<H::Name, H::Value> = &instances[*first];
                                return Err(duplicate_process(&sp, &proc, &first.name, &name, &service));
                            }
                            processes.insert(proc, (proc_key, instances.len()));
                        }
                    }
                    settings = Some(s);
                }
            }
        }
        instances.push(Instance {
            namespace: read::field(h, &i, "namespace")?,
            data_dir: read::field(h, &i, "dataDir")?,
            name,
            key,
            enable,
            settings,
        });
    }
    render(h, &service, service_v.as_ref(), &instances, &processes)
}

fn duplicate_process(settings_path: &Path, proc: &[u8], a: &[u8], b: &[u8], service: &[u8]) -> Error {
    let [proc_s, a, b, service] = [proc, a, b, service].map(crate::text::show);
    Error::invalid(
        settings_path.attr("processes").attr(proc),
        format!(
            "process '{proc_s}' is defined by both instances '{a}' and '{b}' of service '{service}'; \
             process names must be unique across instances, so include the instance name in it \
             (e.g. processes.\"${{name}}-{proc_s}\")"
        ),
    )
}

/// `service`, or the name derived from `module`; with the `service` string itself, whose
/// context the output strings made from it keep (the derived name has none: it is a name).
fn service_name<H: Host>(h: &mut H, arg: &H::Value) -> Result<(Name, Option<H::Value>)> {
    if let Some(s) = read::field(h, arg, "service")? {
        if let Some(name) = read::string_or_null(h, &s, &path!["service"])? {
            return Ok((name, Some(s)));
        }
    }
    let module = match read::field(h, arg, "module")? {
        Some(m) if h.kind(&m)? != Kind::Null => m,
        _ => return Err(Error::invalid(path!["service"], "missing: give 'service' or 'module'")),
    };
    let text = match h.kind(&module)? {
        Kind::String | Kind::Path => h.string(&module)?,
        got => return Err(read::wrong_type(&path!["module"], "a path or a string", got)),
    };
    let name = name_from_module(&text);
    if name.is_empty() {
        return Err(Error::invalid(
            path!["module"],
            format!("cannot derive a service name from '{}'", crate::text::show(&text)),
        ));
    }
    Ok((name.to_vec(), None))
}

/// `hello.nix` → `hello`, `./postgres` → `postgres`, `/nix/store/<hash>-kafka.nix` → `kafka`.
pub fn name_from_module(module: &[u8]) -> &[u8] {
    let mut s = module;
    while let [rest @ .., b'/'] = s {
        s = rest;
    }
    let (dir, mut base) = match s.iter().rposition(|&c| c == b'/') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (&s[..0], s),
    };
    let is_hash = |h: &[u8]| h.iter().all(|c| c.is_ascii_digit() || c.is_ascii_lowercase());
    if dir == b"/nix/store" && base.len() >= 33 && base[32] == b'-' && is_hash(&base[..32]) {
        base = &base[33..];
    }
    match base.iter().position(|&c| c == b'.') {
        Some(i) => &base[..i],
        None => base,
    }
}

fn render<H: Host>(
    h: &mut H,
    service: &[u8],
    service_v: Option<&H::Value>,
    instances: &[Instance<H::Name, H::Value>],
    processes: &BTreeMap<Name, (H::Name, usize)>,
) -> Result<H::Value> {
    let mut out = Output::<H>::new();
    let empty_set = h.make_attrs(&[], &[])?;
    // a string made from the service name: with the context of `service`, if it has one
    let from_service = |h: &mut H, s: &[u8]| match service_v {
        Some(v) => h.make_string_with_context(s, v),
        None => h.make_string(s),
    };
    let mut names = Vec::with_capacity(instances.len());
    let mut strings = Vec::with_capacity(instances.len());
    for i in instances {
        names.push(i.key.clone());
        strings.push(h.make_string(&i.name)?);
    }
    let mut enabled = Vec::new();
    let mut settings = Vec::new();
    let mut entries = Vec::with_capacity(instances.len());
    for (i, name) in instances.iter().zip(&strings) {
        h.check_interrupt(1)?;
        if i.enable {
            enabled.push(name.clone());
            settings.push(i.settings.clone().unwrap_or_else(|| empty_set.clone()));
        }
        let namespace = match &i.namespace {
            Some(v) => v.clone(),
            None => from_service(h, &[service, b".", &i.name].concat())?,
        };
        let data_dir = match &i.data_dir {
            Some(v) => v.clone(),
            None => h.make_string(&[b"./data/", i.name.as_slice()].concat())?,
        };
        let enable = h.make_bool(i.enable)?;
        entries.push(out.attrs(
            h,
            &[(b"name", name.clone()), (b"enable", enable), (b"namespace", namespace), (b"dataDir", data_dir)],
        )?);
    }
    let mut process_names = Vec::with_capacity(processes.len());
    let mut process_owners = Vec::with_capacity(processes.len());
    for (key, i) in processes.values() {
        process_names.push(key.clone());
        process_owners.push(strings[*i].clone());
    }
    let service_v = from_service(h, service)?;
    let enabled = h.make_list(&enabled)?;
    let instances = h.make_attrs(&names, &entries)?;
    let settings = h.make_list(&settings)?;
    let processes = h.make_attrs(&process_names, &process_owners)?;
    out.attrs(
        h,
        &[
            (b"service", service_v),
            (b"enabled", enabled),
            (b"instances", instances),
            (b"settings", settings),
            (b"processes", processes),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::name_from_module;

    #[test]
    fn derives_service_names() {
        let n = |s: &str| String::from_utf8(name_from_module(s.as_bytes()).to_vec()).unwrap();
        assert_eq!(n("hello.nix"), "hello");
        assert_eq!(n("/home/me/flake/postgres"), "postgres");
        assert_eq!(n("./postgres/"), "postgres");
        assert_eq!(n("apache-kafka.nix"), "apache-kafka");
        assert_eq!(n("/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hello.nix"), "hello");
        assert_eq!(n("/elsewhere/0123456789abcdfghijklmnpqrsvwxyz-hello.nix"), "0123456789abcdfghijklmnpqrsvwxyz-hello");
        assert_eq!(n(".hidden"), "");
    }
}

#[cfg(test)]
mod expand_tests {
    use super::expand;
    use crate::json::JsonHost;
    use serde_json::{json, Value};

    fn run(input: Value) -> Result<Value, String> {
        expand(&mut JsonHost::default(), &input).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_settings_and_processes() {
        let out = run(json!({
            "module": "/src/hello.nix",
            "instances": {
                "b": { "enable": true, "namespace": "ns", "outputs": { "settings": { "processes": { "b": { "command": "x" } } } } },
                "a": { "enable": true },
                "c": { "outputs": "never read" }
            }
        }))
        .unwrap();
        assert_eq!(out["service"], json!("hello"));
        assert_eq!(out["enabled"], json!(["a", "b"]));
        assert_eq!(out["instances"]["a"], json!({ "name": "a", "enable": true, "namespace": "hello.a", "dataDir": "./data/a" }));
        assert_eq!(out["instances"]["b"]["namespace"], json!("ns"));
        assert_eq!(out["settings"], json!([{}, { "processes": { "b": { "command": "x" } } }]));
        assert_eq!(out["processes"], json!({ "b": "b" }));
    }

    #[test]
    fn duplicate_processes_are_an_error_at_the_later_instance() {
        let e = run(json!({ "service": "s", "instances": {
            "a": { "enable": true, "outputs": { "settings": { "processes": { "p": {} } } } },
            "b": { "enable": true, "outputs": { "settings": { "processes": { "p": {} } } } }
        } }))
        .unwrap_err();
        assert!(e.starts_with("services.s.b.outputs.settings.processes.p: process 'p' is defined by both instances 'a' and 'b' of service 's'"), "{e}");
    }

    #[test]
    fn service_name_errors() {
        assert_eq!(run(json!({ "instances": {} })).unwrap_err(), "service: missing: give 'service' or 'module'");
        assert_eq!(run(json!({ "module": ".x", "instances": {} })).unwrap_err(), "module: cannot derive a service name from '.x'");
        assert_eq!(run(json!({ "module": 1, "instances": {} })).unwrap_err(), "module: expected a path or a string, got an integer");
        assert_eq!(run(json!({ "service": "s", "instances": { "a": { "enable": 1 } } })).unwrap_err(), "services.s.a.enable: expected a Boolean, got an integer");
    }
}
