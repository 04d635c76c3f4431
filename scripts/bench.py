#!/usr/bin/env python3
"""Benchmark of the nix-instances primops against their pure-Nix twins and a native floor.

    python3 scripts/bench.py              # all sizes, 5 runs each (builds the plugin first)
    python3 scripts/bench.py --quick      # the smallest size of each function only
    python3 scripts/bench.py --runs 9     # more runs per variant (the median is reported)
    python3 scripts/bench.py --only cli   # the nix-instances CLI beside `jq -c .` (scripts/bench_cli.py)
    python3 scripts/bench.py --only flake-parts   # the path users take (scripts/bench_flake_parts.py):
                                          # needs NIXPKGS_LIB and FLAKE_PARTS; CLAN_CORE adds the anchor

Python 3 standard library only. Writes bench-results/results.json and bench-results/chart.svg,
and prints a table. docs/benchmarks.md says what is measured and why, and what came out.

Every program is a file run with a real `nix-instantiate --eval --strict FILE`, each run in a
fresh process, all with the plugin loaded (loading it costs the same everywhere), the same
private Nix configuration and store, and the same prelude: parse `input.nix` (a Nix file, so
primop and twin pay the same parse) and force its top level, read `floor.json`.

  startup   `null`: starting nix and loading the plugin (information only).
  baseline  the prelude alone. Subtracted from the others: the "net" times.
  build     `builtins.fromJSON` of the finished result, pre-computed once with the primop,
            settings replaced by small markers: native code building the same values.
  floor     build + walk: the target's "floor".
  primop    walk (builtins.expandInstances input)
  twin      walk (import nix/expand-instances.nix input)
  walk2     the primop's result walked twice: minus `primop`, the cost of one walk.

`walk` is the same for floor, primop and twin: it forces the whole output structure (every
name, list spine and string outside the settings), never a settings value, extraModules or an
`settings.imports` element, and returns a number, so printing the result costs nothing. It is
made of native builtins (catAttrs, attrValues, concatLists, deepSeq) so that it costs little.

Small sizes are lost in process noise, so each size also runs R calls in one process (the
`-rep` programs): per call = (time - baseline) / R. Runs are interleaved round-robin, and the
medians use the CPU time (user + system) of the nix process (--metric wall for wall time).

Before timing, the primop's and the twin's results (settings shown through their markers) are
compared; a difference stops the benchmark.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from private_nix import private_nix_env, release_plugin  # noqa: E402
import bench_cli  # noqa: E402
import bench_flake_parts  # noqa: E402
from bench_inventory import TAG_COUNT, WALK_EXPANSION, machines_and_tags  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (machines, instances, R) and (instances, R): R is the number of calls made in one process
# for the per-call figures (1: the single-call net time is the per-call time).
INSTANCE_SIZES = [(20, 10, 1000), (500, 100, 20), (5000, 500, 1)]
SERVICE_SIZES = [(10, 2000), (1000, 50), (10000, 5)]
ROLES = ["server", "client", "peer"]

# ---------------------------------------------------------------------------------------------
# Nix text


def nix_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("${", "\\${").replace("\n", "\\n") + '"'


def to_nix(v, indent=""):
    """A Nix expression for a JSON-like value (every attribute name quoted)."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return nix_str(v)
    inner = indent + "  "
    if isinstance(v, list):
        if not v:
            return "[ ]"
        return "[\n" + "".join(f"{inner}({to_nix(x, inner)})\n" for x in v) + indent + "]"
    if isinstance(v, dict):
        if not v:
            return "{ }"
        return "{\n" + "".join(f"{inner}{nix_str(k)} = {to_nix(x, inner)};\n" for k, x in v.items()) + indent + "}"
    raise TypeError(type(v))


# ---------------------------------------------------------------------------------------------
# Inputs


def inventory(n_machines, n_instances, seed=1):
    """A clan-style inventory: machines with one of 20 tags each (5% of the machines per tag),
    every 10th a darwin machine; two static tags of 5% each; instances with three roles whose
    members come mostly from tags, plus a few explicit machines; plain settings everywhere.
    Every settings value carries an `_id`, its marker in the floor's result."""
    rng = random.Random(seed)
    names, machines, static_tags, tag_names = machines_and_tags(rng, n_machines)
    module_names = [f"service{k}" for k in range(min(10, n_instances))]
    modules = {}
    instances = {}
    iw = len(str(n_instances - 1))
    for i in range(n_instances):
        name = f"inst{i:0{iw}d}"
        mod = module_names[i % len(module_names)]
        module = {"name": mod}
        if i % 2:
            module["input"] = "my-flake"
        mid = f"{module.get('input', '<clan-core>')}-{mod}"
        modules[mid] = {
            "roles": ROLES,
            "constraints": {"server": {"minMachines": 1}},
            "description": f"the module {mid}",
        }
        t1, t2, t3 = rng.sample(tag_names, 3)
        explicit = rng.sample(names, 3)
        roles = {
            "server": {
                "tags": [t1],
                "machines": {explicit[0]: {"settings": {"_id": f"{name}.server.{explicit[0]}", "weight": 10}}},
                "settings": {"_id": f"{name}.server", "port": 1000 + i, "openFirewall": True},
                "extraModules": [{"_id": f"{name}.server.extra", "networking.firewall.enable": True}],
            },
            "client": {
                "tags": {t2: {"settings": {"_id": f"{name}.client.{t2}", "timeout": 30}}, t3: {}},
                "settings": {"_id": f"{name}.client", "server": f"{name}.example.org"},
            },
            "peer": {
                "machines": {
                    explicit[1]: {"settings": {"_id": f"{name}.peer.{explicit[1]}", "endpoint": explicit[1]}},
                    explicit[2]: {},
                },
                "tags": [t3],
            },
        }
        instances[name] = {"module": module, "roles": roles}
    return {"machines": machines, "tags": static_tags, "modules": modules, "instances": instances}


def services(n_instances):
    """One multi-instance service: every instance enabled, with two processes named after it."""
    width = len(str(n_instances - 1))
    instances = {}
    for i in range(n_instances):
        name = f"hello{i:0{width}d}"
        inst = {
            "enable": True,
            "port": 8000 + i,
            "outputs": {
                "settings": {
                    "_id": name,
                    "processes": {
                        f"{name}-server": {"command": f"hello --port {8000 + i}", "depends_on": {}},
                        f"{name}-healthcheck": {"command": f"curl localhost:{8000 + i}"},
                    },
                    "environment": {"GREETING": f"hello from {name}"},
                }
            },
        }
        if i % 3 == 0:
            inst["namespace"] = f"ns-{i % 7}"
        if i % 5 == 0:
            inst["dataDir"] = f"/var/lib/{name}"
        instances[name] = inst
    return {"module": "/srv/flake/services/hello.nix", "instances": instances}


# ---------------------------------------------------------------------------------------------
# Nix programs

# Forces the whole structure of the output, never a settings value, extraModules or an
# element of `settings.imports`; the same for primop, twin and floor. Built from native
# builtins only (catAttrs, attrValues, concatLists, deepSeq): a walk in interpreted Nix costs
# as much as a fast expansion and would hide the differences. `catAttrs` forces every set it
# takes an attribute from, `concatLists` the spine of every list it joins.
WALK_INSTANCES = WALK_EXPANSION

WALK_SERVICES = """
r: builtins.deepSeq [ r.service r.enabled r.instances r.processes ] (builtins.length r.settings)
"""

# Forces the input as the expansions must (every structural value, never settings), from
# native builtins like the walks: what forcing the input costs, apart from the expansion.
FORCE_INSTANCES = """
let
  inherit (builtins) attrValues catAttrs concatMap deepSeq filter isAttrs isList length;
in
input:
let
  machines = attrValues input.machines;
  instances = attrValues input.instances;
  roles = concatMap attrValues (catAttrs "roles" instances);
  entries = concatMap attrValues (catAttrs "machines" roles);
  roleTags = catAttrs "tags" roles;
  tagEntries = concatMap attrValues (filter isAttrs roleTags);
in
deepSeq [ (catAttrs "tags" machines) (catAttrs "machineClass" machines) (input.tags or { })
  (input.modules or { }) (catAttrs "module" instances) (filter isList roleTags) ]
  (length (catAttrs "settings" entries) + length (catAttrs "settings" tagEntries))
"""

FORCE_SERVICES = """
input:
let
  inherit (builtins) attrNames attrValues catAttrs concatMap deepSeq length;
  instances = attrValues input.instances;
  processes = catAttrs "processes" (catAttrs "settings" (catAttrs "outputs" instances));
in
deepSeq (catAttrs "enable" instances) (length (concatMap attrNames processes))
"""

# The result with every settings value (and extraModules) replaced by its `_id` marker: what
# the floor parses, and what primop and twin must agree on.
MARK_INSTANCES = """
let
  inherit (builtins) mapAttrs map;
  mark = s: s._id or "-";
in
r: r // {
  instances = mapAttrs (_: inst: inst // {
    roles = mapAttrs (_: role: role // {
      settings = mark role.settings;
      extraModules = map mark role.extraModules;
      machines = mapAttrs (_: e: e // { settings = e.settings // { imports = map mark e.settings.imports; }; }) role.machines;
    }) inst.roles;
  }) r.instances;
}
"""

MARK_SERVICES = """
r: r // { settings = map (s: s._id or "-") r.settings; }
"""

FUNCTIONS = {
    "instances": {
        "primop": "builtins.expandInstances",
        "twin": "import {root}/nix/expand-instances.nix",
        "walk": WALK_INSTANCES,
        "force": FORCE_INSTANCES,
        "mark": MARK_INSTANCES,
    },
    "multiService": {
        "primop": "builtins.expandMultiService",
        "twin": "import {root}/nix/multi-service.nix",
        "walk": WALK_SERVICES,
        "force": FORCE_SERVICES,
        "mark": MARK_SERVICES,
    },
}

SINGLE = ["startup", "baseline", "force", "build", "floor", "primop", "walk2", "twin"]
REPEATED = ["build", "floor", "primop", "walk2", "twin"]


def programs(function, reps):
    """The Nix programs of one size; they run in the directory holding input.nix and floor.json."""
    f = FUNCTIONS[function]
    twin = f"({f['twin'].format(root=ROOT)})"
    walk = f"({f['walk']})"
    work = {
        # the floor without the walk: fromJSON builds the whole value at once (deep)
        "build": "builtins.seq (builtins.fromJSON json) 0",
        "floor": f"{walk} (builtins.fromJSON json)",
        "primop": f"{walk} ({f['primop']} input)",
        "twin": f"{walk} ({twin} input)",
        # the primop's result walked twice: minus `primop`, the cost of one walk
        "walk2": f"(r: builtins.seq ({walk} r) ({walk} r)) ({f['primop']} input)",
    }
    # Every program parses the input (and forces its top level) and reads floor.json.
    prelude = "let input = import ./input.nix; json = builtins.readFile ./floor.json; in builtins.seq input (builtins.seq json ("
    out = {
        "startup": "null\n",
        "baseline": prelude + "0))\n",
        # `force`: forcing the input's structure, as an expansion must (single calls only: the forced
        # input is kept, so a second call does not pay again)
        "force": prelude + f"({f['force']}) input))\n",
    }
    for name, expr in work.items():
        out[name] = f"{prelude}{expr}))\n"
        if reps > 1:
            # a new call (and a new walk) per iteration: Nix memoises no function application
            out[f"{name}-rep"] = f"{prelude}builtins.foldl' (acc: k: acc + {expr}) 0 (builtins.genList (k: k) {reps})))\n"
    # not timed: the marked results, compared between primop and twin; the primop's is the floor
    out["mark-primop"] = f"({f['mark']}) ({f['primop']} (import ./input.nix))\n"
    out["mark-twin"] = f"({f['mark']}) ({twin} (import ./input.nix))\n"
    return out


# ---------------------------------------------------------------------------------------------
# Running nix


class Nix:
    """A private Nix configuration, state and store (like tests/common/mod.rs)."""

    def __init__(self, plugin):
        self.plugin = plugin
        self.dir, self.env = private_nix_env("nix-instances-bench-")
        r = self.run(["--eval", "-E", "null"])
        if r.returncode != 0:
            sys.exit(f"cannot initialise a private Nix store:\n{r.stderr}")

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def run(self, args, env=None, timeout=None, cwd=None):
        cmd = ["nix-instantiate", "--option", "plugin-files", self.plugin] + args
        return subprocess.run(cmd, env={**self.env, **(env or {})}, capture_output=True, text=True, timeout=timeout, cwd=cwd)

    def timed(self, file, stats_path, timeout):
        """Wall seconds and CPU seconds (user + system, from wait4) of
        `nix-instantiate --eval --strict file`, run with NIX_SHOW_STATS; and its output.
        (No peak RSS: a child forked from this process inherits its high-water mark.)"""
        cmd = ["nix-instantiate", "--option", "plugin-files", self.plugin, "--eval", "--strict", file]
        env = {**self.env, "NIX_SHOW_STATS": "1", "NIX_SHOW_STATS_PATH": stats_path}
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            t0 = time.perf_counter()
            p = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
            killer = threading.Timer(timeout, p.kill)
            killer.start()
            _, status, ru = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t0
            killer.cancel()
            p.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read().decode(), err.read().decode(errors="replace")
        if p.returncode != 0:
            raise RuntimeError(f"{file} failed (exit {p.returncode}):\n{stderr[-3000:]}")
        return wall, ru.ru_utime + ru.ru_stime, stdout.strip()


# ---------------------------------------------------------------------------------------------
# Measuring


def prepare(nix, function, label, value, reps, workdir):
    d = os.path.join(workdir, f"{function}-{label}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "input.nix"), "w") as f:
        f.write(to_nix(value) + "\n")
    files = {}
    for name, text in programs(function, reps).items():
        path = os.path.join(d, f"{name}.nix")
        with open(path, "w") as f:
            f.write(text)
        files[name] = path
    marked = {}
    for impl in ["primop", "twin"]:
        r = nix.run(["--eval", "--strict", "--json", files[f"mark-{impl}"]])
        if r.returncode != 0:
            raise RuntimeError(f"{function} {label}: the {impl} failed:\n{r.stderr[-3000:]}")
        marked[impl] = json.loads(r.stdout)
    if marked["primop"] != marked["twin"]:
        raise RuntimeError(f"{function} {label}: primop and twin results differ (inputs in {d})")
    with open(os.path.join(d, "floor.json"), "w") as f:
        json.dump(marked["primop"], f, separators=(",", ":"))
    sizes = {
        "input_bytes": os.path.getsize(os.path.join(d, "input.nix")),
        "floor_json_bytes": os.path.getsize(os.path.join(d, "floor.json")),
    }
    if function == "instances":
        sizes["role_members"] = sum(
            len(role["machines"]) for inst in marked["primop"]["instances"].values() for role in inst["roles"].values()
        )
    return d, files, sizes


def measure(nix, files, d, runs, reps, timeout, metric, log):
    """Runs every variant `runs` times, round-robin (so that a disturbance of the machine hits
    all variants alike), and keeps the median of `metric` ("cpu" or "wall")."""
    names = SINGLE + ([f"{v}-rep" for v in REPEATED] if reps > 1 else [])
    walls = {v: [] for v in names}
    cpus = {v: [] for v in names}
    values = {v: set() for v in names}
    stats = {}
    for _ in range(runs):
        for variant in names:
            stats_path = os.path.join(d, f"stats-{variant}.json")
            wall, cpu, value = nix.timed(files[variant], stats_path, timeout)
            walls[variant].append(wall)
            cpus[variant].append(cpu)
            values[variant].add(value)
            with open(stats_path) as f:
                stats[variant] = json.load(f)
    out = {}
    for variant in names:
        if len(values[variant]) != 1:
            raise RuntimeError(f"{variant}: different results in different runs: {values[variant]}")
        chosen = cpus[variant] if metric == "cpu" else walls[variant]
        out[variant] = {
            "median_s": statistics.median(chosen),
            "min_s": min(chosen),
            "runs_s": chosen,
            "wall_median_s": statistics.median(walls[variant]),
            "wall_runs_s": walls[variant],
            "cpu_median_s": statistics.median(cpus[variant]),
            "cpu_runs_s": cpus[variant],
            "result": values[variant].pop(),
            "stats": compact_stats(stats[variant]),
        }
        o = out[variant]
        log(f"    {variant:10s} {metric} median {fmt(o['median_s']):>9s}  min {fmt(o['min_s']):>9s}  "
            f"(wall median {fmt(o['wall_median_s'])})")
    for suffix in [""] + (["-rep"] if reps > 1 else []):
        got = {v: out[v + suffix]["result"] for v in ["floor", "primop", "walk2", "twin"]}
        if len(set(got.values())) != 1:
            raise RuntimeError(f"the walks disagree: {got}")
    base = out["baseline"]["median_s"]
    out["force"]["net_s"] = out["force"]["median_s"] - base
    for v in REPEATED:
        out[v]["net_s"] = out[v]["median_s"] - base
        out[v]["per_call_s"] = (out[f"{v}-rep"]["median_s"] - base) / reps if reps > 1 else out[v]["net_s"]
    return out


def compact_stats(s):
    """The NIX_SHOW_STATS fields worth comparing."""
    if not s:
        return None
    return {
        "cpuTime": s.get("cpuTime"),
        "values": s.get("values", {}).get("number"),
        "valuesBytes": s.get("values", {}).get("bytes"),
        "sets": s.get("sets", {}).get("number"),
        "setsBytes": s.get("sets", {}).get("bytes"),
        "setElements": s.get("sets", {}).get("elements"),
        "listElements": s.get("list", {}).get("elements"),
        "listBytes": s.get("list", {}).get("bytes"),
        "listConcats": s.get("list", {}).get("concats"),
        "envs": s.get("envs", {}).get("number"),
        "envBytes": s.get("envs", {}).get("bytes"),
        "thunks": s.get("nrThunks"),
        "functionCalls": s.get("nrFunctionCalls"),
        "primOpCalls": s.get("nrPrimOpCalls"),
        "lookups": s.get("nrLookups"),
        "opUpdates": s.get("nrOpUpdates"),
        "opUpdateValuesCopied": s.get("nrOpUpdateValuesCopied"),
        "symbols": s.get("symbols", {}).get("number"),
        "heapSize": s.get("gc", {}).get("heapSize"),
        "gcTotalBytes": s.get("gc", {}).get("totalBytes"),
    }


def ratio(a, b):
    return a / b if a is not None and b is not None and a > 0 and b > 0 else None


def summarise(entry):
    v = entry["variants"]
    raw = {k: v[k]["median_s"] for k in REPEATED}
    net = {k: v[k]["net_s"] for k in REPEATED}
    call = {k: v[k]["per_call_s"] for k in REPEATED}
    walk = call["walk2"] - call["primop"]
    entry["walk_per_call_s"] = walk
    entry["ratios"] = {
        "twin/primop": ratio(raw["twin"], raw["primop"]),
        "primop/floor": ratio(raw["primop"], raw["floor"]),
        "net twin/primop": ratio(net["twin"], net["primop"]),
        "net primop/floor": ratio(net["primop"], net["floor"]),
        # the floor plus forcing the input as the primop must: a fairer native floor
        "net primop/(floor+force)": ratio(net["primop"], net["floor"] + v["force"]["net_s"]),
        "call twin/primop": ratio(call["twin"], call["primop"]),
        "call primop/floor": ratio(call["primop"], call["floor"]),
        # without the walk: the expansion itself against fromJSON building the same values
        "call-walk twin/primop": ratio(call["twin"] - walk, call["primop"] - walk),
        "call-walk primop/build": ratio(call["primop"] - walk, call["build"]),
    }


def targets(results):
    """The issue's targets, checked per call (the walk included, as the issue's forcing asks)."""
    checks = []
    by = {(e["function"], e["label"]): e for e in results}
    big = by.get(("instances", "5000x500"))
    if big:
        r = big["ratios"]
        checks.append({
            "target": "5,000 x 500: primop >= 30x faster than the twin (twin/primop)",
            "per_call": r["call twin/primop"], "raw": r["twin/primop"], "without_walk": r["call-walk twin/primop"],
            "met": (r["call twin/primop"] or 0) >= 30,
        })
        checks.append({
            "target": "5,000 x 500: primop <= 1.5x the floor (primop/floor)",
            "per_call": r["call primop/floor"], "raw": r["primop/floor"], "without_walk": r["call-walk primop/build"],
            "met": r["call primop/floor"] is not None and r["call primop/floor"] <= 1.5,
        })
    small = by.get(("instances", "20x10"))
    if small:
        r = small["ratios"]
        checks.append({
            "target": "20 x 10: primop no slower than the twin (twin/primop >= 1)",
            "per_call": r["call twin/primop"], "raw": r["twin/primop"], "without_walk": r["call-walk twin/primop"],
            "met": (r["call twin/primop"] or 0) >= 1,
        })
    return checks


# ---------------------------------------------------------------------------------------------
# Output


def fmt(s):
    if s is None:
        return "-"
    if abs(s) < 1e-3:
        return f"{s * 1e6:.0f} us"
    if abs(s) < 1:
        return f"{s * 1000:.1f} ms"
    return f"{s:.2f} s"


def fmt_ratio(x):
    return "-" if x is None else (f"{x:.1f}x" if x >= 10 else f"{x:.2f}x")


METRIC_NAMES = {"cpu": "CPU time (user + system)", "wall": "wall time"}


def table(results, metric):
    lines = []

    def section(title, cols, rows):
        widths = [max(len(str(c)), *(len(str(r[i])) for r in rows)) for i, c in enumerate(cols)]
        lines.append(title)
        lines.append("  ".join(str(c).rjust(w) if i > 1 else str(c).ljust(w) for i, (c, w) in enumerate(zip(cols, widths))))
        lines.append("-" * (sum(widths) + 2 * (len(widths) - 1)))
        for r in rows:
            lines.append("  ".join(str(x).rjust(w) if i > 1 else str(x).ljust(w) for i, (x, w) in enumerate(zip(r, widths))))
        lines.append("")

    section(
        f"raw: median {METRIC_NAMES[metric]} of one nix-instantiate process (one call); wall-time medians on the right",
        ["function", "size", "startup", "baseline", "build", "floor", "primop", "twin", "twin/primop", "primop/floor",
         "| wall: floor", "primop", "twin", "GC heap: primop", "twin"],
        [[e["function"], e["label"]] + [fmt(e["variants"][k]["median_s"]) for k in ["startup", "baseline", "build", "floor", "primop", "twin"]]
         + [fmt_ratio(e["ratios"]["twin/primop"]), fmt_ratio(e["ratios"]["primop/floor"])]
         + [fmt(e["variants"][k]["wall_median_s"]) for k in ["floor", "primop", "twin"]]
         + [f"{(e['variants'][k]['stats'] or {}).get('heapSize', 0) / 2**20:.0f} MiB" for k in ["primop", "twin"]] for e in results],
    )
    section(
        "net: raw minus the baseline (start-up, parsing the input, reading floor.json); force = forcing the input's structure",
        ["function", "size", "force", "floor", "primop", "twin", "twin/primop", "primop/floor", "primop/(floor+force)"],
        [[e["function"], e["label"]] + [fmt(e["variants"][k]["net_s"]) for k in ["force", "floor", "primop", "twin"]]
         + [fmt_ratio(e["ratios"][k]) for k in ["net twin/primop", "net primop/floor", "net primop/(floor+force)"]] for e in results],
    )
    section(
        "per call: R calls in one process, minus the baseline, divided by R (R = 1: the net time)",
        ["function", "size", "R", "walk", "build", "floor", "primop", "twin", "twin/primop", "primop/floor",
         "twin/primop -walk", "primop/build -walk"],
        [[e["function"], e["label"], e["reps"], fmt(e["walk_per_call_s"])]
         + [fmt(e["variants"][k]["per_call_s"]) for k in ["build", "floor", "primop", "twin"]]
         + [fmt_ratio(e["ratios"][k]) for k in ["call twin/primop", "call primop/floor", "call-walk twin/primop", "call-walk primop/build"]]
         for e in results],
    )
    rows = []
    for e in results:
        for k in ["baseline", "floor", "primop", "twin"]:
            s = e["variants"][k]["stats"] or {}
            rows.append([e["function"], e["label"], k, f"{s.get('values', 0):,}", f"{s.get('sets', 0):,}",
                         f"{s.get('listElements', 0):,}", f"{s.get('thunks', 0):,}", f"{s.get('functionCalls', 0):,}",
                         f"{s.get('primOpCalls', 0):,}", f"{(s.get('gcTotalBytes') or 0) / 2**20:,.1f}",
                         f"{(s.get('heapSize') or 0) / 2**20:,.0f}"])
    section(
        "NIX_SHOW_STATS of one call (one process)",
        ["function", "size", "variant", "values", "sets", "list elems", "thunks", "fn calls", "primop calls",
         "alloc MiB", "heap MiB"],
        rows,
    )
    return "\n".join(lines)


COLORS = {"baseline": "#9e9e9e", "walk": "#bcbd22", "build": "#8fd175", "floor": "#2ca02c", "primop": "#1f77b4", "twin": "#d62728"}


def svg_chart(results, path, metric):
    """Two panels, one group of bars per function and size, log scale: the raw process times
    and the per-call times."""
    import math

    panels = [
        ("raw: one nix-instantiate process", ["baseline", "floor", "primop", "twin"], lambda e, s: e["variants"][s]["median_s"]),
        ("per call (minus start-up and parsing)", ["walk", "floor", "primop", "twin"],
         lambda e, s: e["walk_per_call_s"] if s == "walk" else e["variants"][s]["per_call_s"]),
    ]
    bar_w, gap, group_gap = 20, 3, 40
    n_series = 4
    group_w = n_series * (bar_w + gap) - gap
    left, top, panel_h, panel_gap = 80, 80, 280, 120
    width = left + len(results) * (group_w + group_gap) + 30
    height = top + len(panels) * (panel_h + panel_gap) + 10
    def scale(series, get):
        values = [get(e, s) for e in results for s in series]
        values = [v for v in values if v and v > 0]
        lo = 10 ** math.floor(math.log10(min(values))) if values else 1e-3
        hi = 10 ** math.ceil(math.log10(max(values) * 1.5)) if values else 10
        return lo, hi

    def y_of(v, y0):
        v = min(max(v, lo), hi)
        return y0 + panel_h - (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * panel_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="Helvetica, Arial, sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="20" y="26" font-size="17" font-weight="bold">nix-instances: primop vs pure-Nix twin vs native floor (fromJSON)</text>',
        f'<text x="20" y="46" fill="#444">median {METRIC_NAMES[metric]}, log scale. Lower is better. Labels under each group: twin/primop and primop/floor per call.</text>',
    ]
    lx = 20
    for s in ["baseline", "walk", "floor", "primop", "twin"]:
        out.append(f'<rect x="{lx}" y="56" width="12" height="12" fill="{COLORS[s]}"/>')
        out.append(f'<text x="{lx + 16}" y="67">{s}</text>')
        lx += 95
    for p, (title, series, get) in enumerate(panels):
        lo, hi = scale(series, get)
        y0 = top + 20 + p * (panel_h + panel_gap)
        out.append(f'<text x="20" y="{y0 - 12}" font-size="14" font-weight="bold">{title}</text>')
        decade = lo
        while decade <= hi * 1.0001:
            y = y_of(decade, y0)
            out.append(f'<line x1="{left}" x2="{width - 20}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e3e3"/>')
            out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#444">{fmt(decade).replace(".0 ms", " ms").replace(".00 s", " s")}</text>')
            decade *= 10
        for g, e in enumerate(results):
            x0 = left + 14 + g * (group_w + group_gap)
            for s_i, s in enumerate(series):
                v = get(e, s)
                x = x0 + s_i * (bar_w + gap)
                if v is None or v <= 0:
                    out.append(f'<text x="{x + bar_w / 2:.1f}" y="{y0 + panel_h - 4}" font-size="9" text-anchor="middle">~0</text>')
                    continue
                y = y_of(v, y0)
                h = y0 + panel_h - y
                out.append(f'<rect x="{x}" y="{y:.1f}" width="{bar_w}" height="{max(h, 0.5):.1f}" fill="{COLORS[s]}"><title>{e["function"]} {e["label"]} {s}: {fmt(v)}</title></rect>')
                tx, ty = x + bar_w / 2 + 3, y - 3
                out.append(f'<text x="{tx:.1f}" y="{ty:.1f}" font-size="9" transform="rotate(-70 {tx:.1f} {ty:.1f})">{fmt(v)}</text>')
            cx = x0 + group_w / 2
            out.append(f'<text x="{cx:.1f}" y="{y0 + panel_h + 16}" text-anchor="middle" font-weight="bold">{e["label"]}</text>')
            out.append(f'<text x="{cx:.1f}" y="{y0 + panel_h + 30}" text-anchor="middle" fill="#444">{e["function"]}</text>')
            if p == 1:
                r = e["ratios"]
                out.append(f'<text x="{cx:.1f}" y="{y0 + panel_h + 46}" text-anchor="middle" font-size="10">twin/primop {fmt_ratio(r["call twin/primop"])}</text>')
                out.append(f'<text x="{cx:.1f}" y="{y0 + panel_h + 59}" text-anchor="middle" font-size="10">primop/floor {fmt_ratio(r["call primop/floor"])}</text>')
        out.append(f'<line x1="{left}" x2="{width - 20}" y1="{y0 + panel_h}" y2="{y0 + panel_h}" stroke="#333"/>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="the smallest size of each function only")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per variant (the median is reported; default 5)")
    ap.add_argument("--only", choices=["instances", "multiService", "flake-parts", "cli"], help="benchmark one path only")
    ap.add_argument("--fp-before", default=bench_flake_parts.DEFAULT_BEFORE,
                    help="flake-parts path: also time nix/ as it was at this git ref (`before`); '' for none")
    ap.add_argument("--fp-fleet-before", default=bench_flake_parts.DEFAULT_FLEET_BEFORE,
                    help="flake-parts path: also time one machine and the fleet for nix/ as it was at this git ref "
                         "(`pre-fleet`: before the fleet's evaluations were shared); '' for none")
    ap.add_argument("--fp-clan-runs", type=int, default=1,
                    help="flake-parts path: runs of clan-core's framework (slow: ~1 min each at 5,000 x 500)")
    ap.add_argument("--fp-sizes", help="flake-parts path: sizes, e.g. 100x30,1000x100 (default: all five)")
    ap.add_argument("--plugin", help="use this plugin instead of building target/release/libnix_instances.so")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench-results"), help="output directory (default bench-results/)")
    ap.add_argument("--keep", action="store_true", help="keep the generated inputs and programs (OUT/work/)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds allowed for one nix run")
    ap.add_argument("--metric", choices=["cpu", "wall"], default="cpu",
                    help="what the medians, net and per-call figures use: CPU time (user + system) of the nix "
                         "process (default; robust against other load on the machine) or wall time")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    if args.only == "cli":
        os.makedirs(args.out, exist_ok=True)
        workdir = os.path.join(args.out, "work")
        os.makedirs(workdir, exist_ok=True)
        cli_results = bench_cli.bench(ROOT, workdir, args.runs, args.quick, log, inventory)
        with open(os.path.join(args.out, "cli.json"), "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count(), "runs": args.runs,
                       "results": cli_results}, f, indent=2)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        print(bench_cli.table(cli_results))
        print(f"wrote {os.path.join(args.out, 'cli.json')}")
        return

    plugin = release_plugin(ROOT, args.plugin, log)

    os.makedirs(args.out, exist_ok=True)
    workdir = os.path.join(args.out, "work")
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)

    cases = []
    if args.only in (None, "instances"):
        for m, i, reps in INSTANCE_SIZES[:1] if args.quick else INSTANCE_SIZES:
            cases.append(("instances", f"{m}x{i}", {"machines": m, "instances": i}, reps, lambda m=m, i=i: inventory(m, i)))
    if args.only in (None, "multiService"):
        for n, reps in SERVICE_SIZES[:1] if args.quick else SERVICE_SIZES:
            cases.append(("multiService", f"{n}", {"instances": n}, reps, lambda n=n: services(n)))

    version = subprocess.run(["nix-instantiate", "--version"], capture_output=True, text=True).stdout.strip()
    nix = Nix(plugin)
    results = []
    fp_results = None
    started = time.time()
    load_before = os.getloadavg()
    try:
        if args.only in (None, "flake-parts"):
            sizes = [tuple(map(int, x.split("x"))) for x in args.fp_sizes.split(",")] if args.fp_sizes else None
            fp_results = bench_flake_parts.bench(nix.env, plugin, workdir, args.runs, args.timeout, args.fp_before or None,
                                                 args.quick, log, clan_runs=args.fp_clan_runs, sizes=sizes,
                                                 fleet_before_ref=args.fp_fleet_before or None)
        for function, label, size, reps, make in cases:
            log(f"== {function} {label}: generating, checking primop == twin, writing the floor")
            d, files, sizes = prepare(nix, function, label, make(), reps, workdir)
            log(f"   input.nix {sizes['input_bytes']:,} bytes, result JSON {sizes['floor_json_bytes']:,} bytes"
                + (f", {sizes['role_members']:,} role members" if "role_members" in sizes else ""))
            log(f"   timing: {args.runs} runs of each variant" + (f"; R = {reps} calls per process in the -rep variants" if reps > 1 else ""))
            entry = {"function": function, "label": label, "size": size, "reps": reps, **sizes,
                     "variants": measure(nix, files, d, args.runs, reps, args.timeout, args.metric, log)}
            summarise(entry)
            results.append(entry)
    finally:
        nix.close()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    checks = targets(results)
    fp_checks = bench_flake_parts.targets(fp_results)
    fleet_checks = bench_flake_parts.fleet_targets(fp_results)
    doc = {
        "nix": version,
        "plugin": plugin,
        "runs": args.runs,
        "metric": args.metric,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": round(time.time() - started, 1),
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "results": results,
        "targets": checks,
        "flake_parts": fp_results,
        "flake_parts_targets": fp_checks,
        "flake_parts_fleet_targets": fleet_checks,
    }
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(doc, f, indent=2)
    if results:
        svg_chart(results, os.path.join(args.out, "chart.svg"), args.metric)
    if fp_results:
        bench_flake_parts.svg_chart(fp_results, os.path.join(args.out, "chart-flake-parts.svg"))

    print(f"load average (1, 5, 15 min) before: {load_before[0]:.1f} {load_before[1]:.1f} {load_before[2]:.1f}; "
          f"after: {doc['load_average_after'][0]:.1f} {doc['load_average_after'][1]:.1f} {doc['load_average_after'][2]:.1f} "
          f"on {os.cpu_count()} CPUs (CPU-time ratios within one run are robust to load; wall times are not)\n")
    if results:
        print(table(results, args.metric))
    if fp_results:
        print(bench_flake_parts.table(fp_results))
        print("flake-parts targets")
        for c in fp_checks:
            met = {True: "met", False: "NOT met", None: "not measured"}[c["met"]]
            val = f"{c['value_mib']:.0f} MiB" if "value_mib" in c else fmt_ratio(c.get("value"))
            print(f"  [{met}] {c['target']}: {val}")
        print()
        print(bench_flake_parts.fleet_table(fp_results))
        print("flake-parts fleet targets")
        for c in fleet_checks:
            met = {True: "met", False: "NOT met", None: "not measured"}[c["met"]]
            val = f"{c['value']:.2f}" if "RSS" in c["target"] else fmt_ratio(c.get("value"))
            print(f"  [{met}] {c['target']}: {val}")
        print()
    if checks:
        print("targets (per call; raw single process and per call without the walk in parentheses)")
        for c in checks:
            print(f"  [{'met' if c['met'] else 'NOT met'}] {c['target']}: {fmt_ratio(c['per_call'])} "
                  f"(raw {fmt_ratio(c['raw'])}, without walk {fmt_ratio(c['without_walk'])})")
        print()
    print(f"wrote {os.path.join(args.out, 'results.json')} and the charts (chart.svg, chart-flake-parts.svg) in {args.out}")


if __name__ == "__main__":
    main()
