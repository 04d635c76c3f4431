//! The CLI's memory: on a ~10 MB inventory whose size is in its settings (the shape where the
//! old JSON host, deep-copying every value, took 2.4 GB for 9 MB), the peak RSS of
//! `nix-instances expand` stays within 5 times the input. One test in this file, so the
//! process's children are just that one run (getrusage RUSAGE_CHILDREN).

use std::io::Write;
use std::process::{Command, Stdio};

/// Settings of about `n` KB: nested sets, lists, strings and numbers, written to `out`.
fn settings(out: &mut impl Write, seed: usize, n: usize) {
    write!(out, "{{\"config\":{{").unwrap();
    for k in 0..n * 1024 / 80 {
        let comma = if k > 0 { "," } else { "" };
        write!(out, "{comma}\"key{k}\":{{\"value\":\"{seed}-{k}-{}\",\"list\":[{k},{seed},3]}}", "v".repeat(30)).unwrap();
    }
    write!(out, "}},\"enable\":true}}").unwrap();
}

/// The inventory, written straight to a file: the test process itself stays small (a child
/// forked from it starts out with its RSS).
fn write_inventory(out: &mut impl Write) {
    write!(out, "{{\"machines\":{{").unwrap();
    for k in 0..3000 {
        let comma = if k > 0 { "," } else { "" };
        write!(out, "{comma}\"machine-{k:04}\":{{\"tags\":[\"rack{}\"]}}", k % 60).unwrap();
    }
    write!(out, "}},\"instances\":{{").unwrap();
    for i in 0..400 {
        let comma = if i > 0 { "," } else { "" };
        write!(out, "{comma}\"svc{i}\":{{\"module\":{{\"name\":\"mod{}\"}},\"roles\":{{\"server\":{{\"machines\":{{", i % 20).unwrap();
        for j in 0..3 {
            let comma = if j > 0 { "," } else { "" };
            write!(out, "{comma}\"machine-{:04}\":{{\"settings\":", (i * 7 + j) % 3000).unwrap();
            settings(out, i + j, 3);
            write!(out, "}}").unwrap();
        }
        write!(out, "}},\"settings\":").unwrap();
        settings(out, i, 22);
        write!(out, "}},\"client\":{{\"tags\":{{\"rack{}\":{{\"settings\":", i % 60).unwrap();
        settings(out, i, 1);
        write!(out, "}}}},\"settings\":{{\"level\":{i}}}}}}}}}").unwrap();
    }
    write!(out, "}}}}").unwrap();
}

#[test]
fn peak_rss_is_within_five_times_the_input() {
    let dir = std::env::temp_dir().join(format!("nix-instances-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("inventory.json");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    write_inventory(&mut out);
    out.flush().unwrap();
    drop(out);
    let input = std::fs::metadata(&file).unwrap().len();
    assert!(input > 9_000_000, "the generated inventory is only {input} bytes");

    let status = Command::new(env!("CARGO_BIN_EXE_nix-instances"))
        .arg("expand")
        .arg("--compact")
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .unwrap();
    assert!(status.success());
    let peak = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage), 0);
        usage.ru_maxrss as u64 * 1024 // kilobytes on Linux
    };
    std::fs::remove_dir_all(&dir).unwrap();
    eprintln!("input {input} bytes, peak RSS {peak} bytes ({:.2}x)", peak as f64 / input as f64);
    assert!(peak <= 5 * input, "peak RSS {peak} bytes for {input} bytes of input ({:.1}x)", peak as f64 / input as f64);
}
