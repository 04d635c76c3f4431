#!/usr/bin/env bash
# Runs every test, against every Nix the plugin is run on:
#   1. set-up (idempotent): Nix 2.8 from Debian 12 with its headers, and once, Nix 2.26.3 built
#      with shared libraries in a Debian trixie chroot (scripts/modern-nix.sh; ~25 min the first
#      time, then cached outside the clone);
#   2. the Rust unit tests and the integration suite (bridge, twin, library, hardening, flake,
#      CLI, …) with the plugin built against and loaded into Nix 2.8;
#   3. the same suite with the plugin built against and loaded into Nix 2.26.3, in the chroot.
# One closing line counts the tests of both runs.
#
# Tests that need nixpkgs' lib, flake-parts, clan-core or services-flake run when NIXPKGS_LIB,
# FLAKE_PARTS, CLAN_CORE, SERVICES_FLAKE name checkouts, and report themselves skipped otherwise.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
status=0
started=$SECONDS
step_start=$SECONDS
# count [LOG...]: "N passed, N failed" over cargo's `test result:` lines.
count() {
  awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
       END { printf "%d passed, %d failed\n", p, f }' "$@"
}
step() { printf '\n== %s\n' "$*"; step_start=$SECONDS; }
took() { printf '== %s: %ds\n' "$1" $((SECONDS - step_start)); }

# run_suite NAME LOG CMD...: one test run, its output kept for the closing count.
run_suite() {
  local name=$1 log=$2; shift 2
  set +e
  "$@" 2>&1 | tee "$log"
  local s=${PIPESTATUS[0]}
  set -e
  [ "$s" = 0 ] || { status=$s; printf '== %s: FAILED (exit %s)\n' "$name" "$s"; }
  took "$name"
}

step "set-up (scripts/setup.sh --modern-nix)"
scripts/setup.sh --modern-nix
command -v nix-instantiate >/dev/null || { echo "error: nix-instantiate is missing after set-up" >&2; exit 1; }
took "set-up"

# test-hooks: test-only primops (a deliberate panic, forced garbage collections).
cargo_test=(cargo test --workspace --no-fail-fast --features nix-instances/test-hooks)

step "Nix $(nix --version | awk '{print $NF}') (Debian 12's nix-bin): unit and integration tests"
run_suite "Nix 2.8 tests" "$logs/nix-2.8" "${cargo_test[@]}"

modern=$(scripts/modern-nix.sh version)
step "Nix $modern (built from Debian trixie's source, shared libraries, in a chroot): unit and integration tests"
# Its own target directory: the plugin is built against the Nix it is loaded into.
run_suite "Nix $modern tests" "$logs/nix-$modern" \
  scripts/modern-nix.sh run bash -c 'cd "$1" && shift && nix --version && CARGO_TARGET_DIR=target/nix-'"$modern"' "$@"' \
  _ "$root" "${cargo_test[@]}"

echo
for var in NIXPKGS_LIB FLAKE_PARTS CLAN_CORE SERVICES_FLAKE; do
  [ -n "${!var:-}" ] || echo "note: $var is unset: the tests that need it reported themselves skipped"
done
for log in "$logs"/*; do printf '%s: ' "${log##*/}"; count "$log"; done
printf 'total time: %ds\n' $((SECONDS - started))
# The one closing line, over both Nix versions.
count "$logs"/*
exit "$status"
