//! Builds the C++ shim against the Nix that pkg-config finds, and tells it which Nix that is.
//!
//! Nix's development files come from `scripts/setup.sh` (Debian: headers from the source
//! package, under `.nix-dev/<version>`), from `nix develop`, or from any PKG_CONFIG_PATH.

use std::path::{Path, PathBuf};

const SETUP_HINT: &str = "run `scripts/setup.sh` (Debian: installs nix-bin and the build dependencies, \
and puts Nix's headers under .nix-dev/), or enter `nix develop`";

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-env-changed=NIX_INSTANCES_NIX_PREFIX");
    for f in ["cpp/shim.hh", "cpp/shim.cc", "cpp/compat.hh", "src/ffi.rs"] {
        println!("cargo:rerun-if-changed={f}");
    }

    // A prefix set up by scripts/setup.sh is used unless NIX_INSTANCES_NIX_PREFIX names one
    // (for compile checks against other Nix versions).
    let prefix = std::env::var_os("NIX_INSTANCES_NIX_PREFIX").map(PathBuf::from).or_else(|| setup_prefix(&root));
    if let Some(prefix) = &prefix {
        let pc = prefix.join("lib/pkgconfig");
        println!("cargo:rerun-if-changed={}", pc.display());
        let old = std::env::var_os("PKG_CONFIG_PATH").unwrap_or_default();
        let mut paths = vec![pc];
        paths.extend(std::env::split_paths(&old));
        std::env::set_var("PKG_CONFIG_PATH", std::env::join_paths(paths).unwrap());
    }

    let nix = match pkg_config::Config::new().cargo_metadata(true).probe("nix-expr") {
        Ok(lib) => lib,
        Err(e) => fail(&format!("Nix's development files (pkg-config module nix-expr) were not found: {e}")),
    };
    let (major, minor) = parse_version(&nix.version)
        .unwrap_or_else(|| fail(&format!("cannot read the Nix version '{}' from pkg-config", nix.version)));
    let has_headers = nix.include_paths.iter().any(|p| p.join("eval.hh").exists() || p.join("nix/expr/eval.hh").exists());
    if !has_headers {
        fail(&format!(
            "pkg-config found Nix {} but not its headers (eval.hh) in {:?}",
            nix.version, nix.include_paths
        ));
    }

    let mut build = cxx_build::bridge("src/ffi.rs");
    build
        .file("cpp/shim.cc")
        .define("NIX_INSTANCES_NIX_MAJOR", major.to_string().as_str())
        .define("NIX_INSTANCES_NIX_MINOR", minor.to_string().as_str())
        .includes(&nix.include_paths)
        .flag_if_supported("-Wno-unused-parameter")
        .flag_if_supported("-Wno-deprecated-declarations")
        .flag_if_supported("-Wno-missing-field-initializers");
    if std::env::var_os("CARGO_FEATURE_TEST_HOOKS").is_some() {
        build.define("NIX_INSTANCES_TEST_HOOKS", None);
    }
    for (k, v) in &nix.defines {
        build.define(k, v.as_deref());
    }
    // The language standard Nix was built with, as its pkg-config file says (C++17 up to
    // 2.19, C++20 after); the compiler's default otherwise.
    if let Some(std) = pkg_cflags("nix-expr").and_then(|f| f.split_whitespace().find(|w| w.starts_with("-std=")).map(str::to_string)) {
        build.flag(&std);
    }
    build.compile("nix_instances_shim");
    // Binaries linked against Nix's libraries (the lib's test harness) find them where
    // pkg-config did: Debian keeps them in /usr/lib/nix, off the default search path.
    for dir in &nix.link_paths {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
    }
    println!("cargo:rustc-env=NIX_INSTANCES_NIX_VERSION={}", nix.version);
    println!("cargo:rustc-cfg=nix_minor=\"{minor}\"");
}

/// `.nix-dev/<installed version>` from scripts/setup.sh, if there is one for the installed Nix.
fn setup_prefix(root: &Path) -> Option<PathBuf> {
    let base = root.join(".nix-dev");
    let installed = std::process::Command::new("pkg-config")
        .args(["--modversion", "nix-expr"])
        .env("PKG_CONFIG_PATH", "/usr/lib/nix/pkgconfig")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())?;
    let prefix = base.join(installed);
    prefix.join(".done").exists().then_some(prefix)
}

fn pkg_cflags(module: &str) -> Option<String> {
    let out = std::process::Command::new("pkg-config").args(["--cflags", module]).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn parse_version(v: &str) -> Option<(u32, u32)> {
    let mut parts = v.split(|c: char| !c.is_ascii_digit());
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

fn fail(what: &str) -> ! {
    eprintln!("\nerror: nix-instances: {what}.\nTo set up Nix's development files, {SETUP_HINT}.\n");
    std::process::exit(1);
}
