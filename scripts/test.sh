#!/usr/bin/env bash
# Runs every test: set-up (idempotent), the Rust unit tests, and the integration tests that
# spawn a real `nix` with the freshly built plugin (nix-instantiate, `nix eval`, a path: flake).
#
# Tests that need nixpkgs' lib or flake-parts run when NIXPKGS_LIB / FLAKE_PARTS name checkouts,
# and report themselves skipped otherwise.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

step() { printf '\n== %s\n' "$*"; }

step "set-up (scripts/setup.sh)"
scripts/setup.sh

command -v nix-instantiate >/dev/null || { echo "error: nix-instantiate is missing after set-up" >&2; exit 1; }

step "Rust unit tests and integration tests against a real nix ($(nix --version))"
# test-hooks: test-only primops (a deliberate panic, forced garbage collections).
cargo test --workspace --features nix-instances/test-hooks
