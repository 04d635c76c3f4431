#!/usr/bin/env python3
"""How much `nix-instances check --flake` costs over `nix eval --json` of the same inventory.

    python3 scripts/bench_cli_nix.py                 # 5000 machines x 500 instances, 5 runs
    python3 scripts/bench_cli_nix.py --size 500 100 --runs 9
    python3 scripts/bench_cli_nix.py --cli target/release/nix-instances

The inventory is scripts/bench.py's (the same generator, as a Nix file), in a flake whose only
output is `nixInstances.inventory = import ./inventory.nix` (locked once). Timed, interleaved
round-robin, each in a fresh process with the same private Nix set-up (scripts/private_nix.py),
CPU time (user + system) of the process and everything it waited for, minimum of the runs:

  nix-eval     nix eval --json path:FLAKE#nixInstances.inventory   (the whole inventory as JSON:
               what exporting it costs; settings included)
  check-flake  nix-instances check --flake path:FLAKE   (one nix process reading the structure
               and positions, then the check)
  check-file   nix-instances check --file inventory.nix
  check-json   nix-instances check inventory.json   (the JSON path, for reference)

Prints the times and the ratios to nix-eval. Python 3 standard library only.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import inventory, to_nix  # noqa: E402
from private_nix import private_nix_env  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cpu_of(cmd, env, cwd):
    """CPU seconds (user + system) of `cmd` and its descendants; fails loudly."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr.decode()}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", nargs=2, type=int, default=[5000, 500], metavar=("MACHINES", "INSTANCES"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cli", default=os.path.join(ROOT, "target/release/nix-instances"))
    a = ap.parse_args()
    if not os.path.exists(a.cli):
        sys.exit(f"{a.cli} is missing: cargo build --release -p nix-instances-core --bin nix-instances")

    root, env = private_nix_env("bench-cli-nix-")
    try:
        flake = os.path.join(root, "flake")
        os.makedirs(flake)
        inv = inventory(*a.size)
        with open(os.path.join(flake, "inventory.nix"), "w") as f:
            f.write(to_nix(inv) + "\n")
        with open(os.path.join(flake, "inventory.json"), "w") as f:
            json.dump(inv, f)
        with open(os.path.join(flake, "flake.nix"), "w") as f:
            f.write("{ outputs = _: { nixInstances.inventory = import ./inventory.nix; }; }\n")
        ref = f"path:{flake}"
        subprocess.run(["nix", "flake", "lock", ref], env=env, check=True, stderr=subprocess.DEVNULL)
        variants = {
            "nix-eval": ["nix", "eval", "--json", f"{ref}#nixInstances.inventory"],
            "check-flake": [a.cli, "check", "--flake", ref],
            "check-file": [a.cli, "check", "--file", "inventory.nix"],
            "check-json": [a.cli, "check", "inventory.json"],
        }
        # a first run of each: the flake's copy in the store, page cache
        for cmd in variants.values():
            cpu_of(cmd, env, flake)
        times = {k: [] for k in variants}
        for _ in range(a.runs):
            for k, cmd in variants.items():
                times[k].append(cpu_of(cmd, env, flake))
        base = min(times["nix-eval"])
        print(f"{a.size[0]} machines x {a.size[1]} instances, CPU time (user+sys), min of {a.runs} interleaved runs")
        for k, ts in times.items():
            print(f"  {k:12} {min(ts):7.3f} s   {min(ts) / base:5.2f} x nix-eval")
    finally:
        subprocess.run(["chmod", "-R", "u+w", root], stderr=subprocess.DEVNULL)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
