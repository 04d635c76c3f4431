"""The `nix-instances` CLI at three sizes (scripts/bench.py --only cli): every command beside
`jq -c .` on the same file, CPU time (user + system of the process, from wait4), the minimum
of interleaved runs, and the ratio to jq. A benchmark, not a test: nothing here fails on time.

The inventories are bench.py's (`inventory()`, from bench_inventory's machines and tags),
written as minified JSON, as `builtins.toJSON` and `jq -c` write them."""

import json
import os
import shutil
import subprocess
import sys

SIZES = [(2000, 200), (5000, 500), (20000, 2000)]


def commands(cli, file, machine, instance):
    return [
        ("jq -c .", ["jq", "-c", ".", file]),
        ("check", [cli, "check", file]),
        ("check --json", [cli, "check", "--json", file]),
        ("expand", [cli, "expand", "--compact", file]),
        ("expand --machine", [cli, "expand", "--machine", machine, file]),
        ("expand --instance", [cli, "expand", "--instance", instance, file]),
        ("explain", [cli, "explain", file, machine]),
        ("graph --machine", [cli, "graph", "--machine", machine, file]),
        ("graph --instance", [cli, "graph", "--instance", instance, file]),
        ("graph (dot, all)", [cli, "graph", file]),
    ]


TIME = "/usr/bin/time"  # GNU time: the command's own peak RSS (a child forked from this
# Python process would inherit its high-water mark); its own CPU time is a millisecond


def cpu_of(cmd, peak_file):
    """CPU seconds of one run (user + system, from wait4) and its peak RSS in KiB, output
    thrown away."""
    wrapped = [TIME, "-f", "%M", "-o", peak_file] + cmd if os.path.exists(TIME) else cmd
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen(wrapped, stdout=null, stderr=null)
        _, status, ru = os.wait4(p.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed (exit {code})")
    peak = ru.ru_maxrss
    if wrapped is not cmd:
        with open(peak_file) as f:
            peak = int(f.read().split()[-1])
    return ru.ru_utime + ru.ru_stime, peak


def build_cli(root, log):
    log("building the release CLI (cargo build --release -p nix-instances-core --bin nix-instances)")
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "nix-instances-core", "--bin", "nix-instances"], cwd=root, check=True)
    return os.path.join(root, "target", "release", "nix-instances")


def bench(root, workdir, runs, quick, log, make_inventory):
    if shutil.which("jq") is None:
        sys.exit("the CLI benchmark compares with `jq -c .`: install jq")
    cli = build_cli(root, log)
    results = []
    for m, i in SIZES[:1] if quick else SIZES:
        file = os.path.join(workdir, f"cli-{m}x{i}.json")
        inv = make_inventory(m, i)
        with open(file, "w") as f:
            json.dump(inv, f, separators=(",", ":"))
        machine = sorted(inv["machines"])[42]
        instance = sorted(inv["instances"])[7]
        log(f"== cli {m}x{i}: {os.path.getsize(file):,} bytes; {runs} interleaved runs of each command")
        cmds = commands(cli, file, machine, instance)
        cpu = {name: [] for name, _ in cmds}
        rss = {name: 0 for name, _ in cmds}
        for _ in range(runs):
            for name, cmd in cmds:
                c, r = cpu_of(cmd, os.path.join(workdir, "peak.txt"))
                cpu[name].append(c)
                rss[name] = max(rss[name], r)
        jq = min(cpu["jq -c ."])
        rows = [{"command": name, "cpu_min_s": min(cpu[name]), "runs_s": cpu[name], "peak_rss_kib": rss[name],
                 "ratio_to_jq": min(cpu[name]) / jq if jq > 0 else None} for name, _ in cmds]
        for r in rows:
            log(f"    {r['command']:20s} {r['cpu_min_s']:8.3f} s  {r['ratio_to_jq']:6.2f}x jq  peak {r['peak_rss_kib'] / 1024:7.1f} MiB")
        results.append({"machines": m, "instances": i, "bytes": os.path.getsize(file), "rows": rows})
    return results


def table(results):
    if not results:
        return ""
    names = [r["command"] for r in results[0]["rows"]]
    head = "| command | " + " | ".join(f"{r['machines']:,} × {r['instances']:,} ({r['bytes'] / 1e6:.1f} MB)" for r in results) + " |"
    sep = "|---|" + "---|" * len(results)
    lines = ["CLI: CPU seconds (min of the runs), ratio to `jq -c .` on the same file, peak RSS", "", head, sep]
    for k, name in enumerate(names):
        cells = []
        for r in results:
            row = r["rows"][k]
            cells.append(f"{row['cpu_min_s']:.3f} s ({row['ratio_to_jq']:.1f}×, {row['peak_rss_kib'] / 1024:.0f} MiB)")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
