#!/usr/bin/env bash
# Compile-checks the C++ shim (cpp/shim.cc, cpp/compat.hh and cxx's generated bridge) against
# the headers of a Nix other than the installed one: `cargo check` runs build.rs, which compiles
# the C++ against them. Nothing is linked or run; a compile error fails the check.
#
# Usage:
#   scripts/compat-check.sh                    Nix 2.26.3, headers from Debian 13's (trixie) nix
#                                              source package: the check scripts/test.sh runs
#   scripts/compat-check.sh --suite SUITE...   the nix of other Debian suites (e.g. sid)
#   scripts/compat-check.sh --git GITDIR TAG...  tags of a Nix git checkout (e.g. 2.28.0 2.35.2);
#                                              headers under .nix-dev/git-TAG
# Headers are fetched once (scripts/setup.sh, private apt configuration) and kept in .nix-dev/.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

failed=()

# check VERSION PREFIX SOURCE TARGET_DIR
check() {
  local version=$1 prefix=$2 source=$3 target=$4
  printf '\n== compile check: shim against Nix %s headers (%s)\n' "$version" "$source"
  local start=$SECONDS status=0
  NIX_INSTANCES_NIX_PREFIX=$prefix cargo check -q -p nix-instances --target-dir "$target" || status=$?
  if [ "$status" = 0 ]; then
    printf -- '-- Nix %s: compiles (%ss)\n' "$version" "$((SECONDS - start))"
  else
    printf -- '-- Nix %s: FAILED to compile (%ss)\n' "$version" "$((SECONDS - start))" >&2
    failed+=("$version")
  fi
}

suite() {
  local prefix; prefix=$(scripts/setup.sh --headers-only "$1")
  local version; version=$(basename "$prefix")
  local label="Debian $1"
  case "$1" in bookworm) label="Debian 12" ;; trixie) label="Debian 13" ;; esac
  check "$version" "$prefix" "$label" "target/compat-${version%.*}"
}

git_tag() {
  local gitdir=$1 tag=$2
  local prefix="$root/.nix-dev/git-$tag"
  if [ ! -f "$prefix/.done" ]; then
    local tree; tree=$(mktemp -d)
    # Only what the header installation reads: the sources and the top-level build files.
    git --git-dir="$gitdir" archive "$tag" $(git --git-dir="$gitdir" ls-tree --name-only "$tag" |
      grep -xE 'src|configure\.ac|meson\.build|nix-meson-build-support') | tar -x -C "$tree"
    scripts/setup.sh --install-tree "$tree" "${tag#v}" "$prefix" >/dev/null
    rm -rf "$tree"
  fi
  check "${tag#v}" "$prefix" "git tag $tag" target/compat-git
}

start=$SECONDS
case "${1:-}" in
  "") suite trixie ;;
  --suite) shift; for s in "$@"; do suite "$s"; done ;;
  --git) gitdir=${2:?GITDIR}; shift 2; for t in "$@"; do git_tag "$gitdir" "$t"; done ;;
  *) echo "usage: $0 [--suite SUITE... | --git GITDIR TAG...]" >&2; exit 2 ;;
esac

if [ ${#failed[@]} -gt 0 ]; then
  printf '\ncompile check failed for Nix %s (%ss in all)\n' "${failed[*]}" "$((SECONDS - start))" >&2
  exit 1
fi
printf '\ncompile check passed (%ss in all)\n' "$((SECONDS - start))"
