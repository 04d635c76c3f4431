#!/usr/bin/env bash
# Compile-checks the C++ shim (cpp/shim.cc, cpp/compat.hh and cxx's generated bridge) against
# the headers of a Nix other than the installed one: `cargo check` runs build.rs, which compiles
# the C++ against them. Nothing is linked or run; a compile error fails the check.
#
# Usage:
#   scripts/compat-check.sh                    Nix 2.26.3, headers from Debian 13's (trixie) nix
#                                              source package: the check scripts/test.sh runs
#   scripts/compat-check.sh --suite SUITE...   the nix of other Debian suites (e.g. sid)
#   scripts/compat-check.sh --git GITDIR [TAG...]  tags of a NixOS/nix git checkout (a bare
#                                              repository will do); without tags, the newest patch
#                                              release of every minor from 2.18 on that GITDIR
#                                              holds (the matrix to run whenever the shim changes);
#                                              headers under .nix-dev/git-TAG
# One line per version (`-- Nix X: compiles` or `FAILED`, the compiler's output kept in a log
# named on that line) and a closing summary; exit status 1 if any version fails.
# Headers are fetched once (scripts/setup.sh, private apt configuration) and kept in .nix-dev/.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

failed=()
passed=()
logs=$root/target/compat-logs
mkdir -p "$logs"

# The C++ compiler for a version's headers. Nix 2.31+ headers need C++23 (std::views::zip,
# explicit object parameters), which Debian 12's GCC 12 and libstdc++ lack: for those, unless CXX
# is set, a wrapper around zig's clang and libc++ (PyPI's `ziglang`, installed once under
# .nix-dev/zig), which cc-rs calls as CXX.
zig_cxx() {
  local dir="$root/.nix-dev/zig"
  if [ ! -x "$dir/zig-cxx" ]; then
    python3 -m pip install -q --target "$dir/py" 'ziglang==0.14.1' >&2
    cat > "$dir/zig-cxx" <<'WRAP'
#!/bin/bash
# cc-rs's arguments for zig c++: its --target dropped (zig takes its own), /usr/include after
# libc++'s headers.
args=(); prev=""
for a in "$@"; do
  if [ "$prev" = -I ]; then prev=""
    if [ "$a" = /usr/include ]; then args+=(-idirafter /usr/include); else args+=(-I "$a"); fi
    continue
  fi
  case "$a" in --target=*) ;; -I) prev=-I ;; *) args+=("$a") ;; esac
done
exec env PYTHONPATH="$(dirname "$0")/py" python3 -m ziglang c++ -target x86_64-linux-gnu.2.36 "${args[@]}"
WRAP
    chmod +x "$dir/zig-cxx"
  fi
  printf '%s\n' "$dir/zig-cxx"
}

# cxx_for VERSION: the CXX to use (empty: cc-rs's default).
cxx_for() {
  local minor; minor=$(echo "$1" | cut -d. -f2)
  if [ -n "${CXX:-}" ] || [ "$minor" -lt 31 ]; then printf '%s\n' "${CXX:-}"; return; fi
  # The default compiler, if it has what 2.31+ headers use.
  if printf '#include <ranges>\nstruct S { void f(this S &) {} };\nint main() { int a[1]{}; for (auto [x, y] : std::views::zip(a, a)) (void) (x + y); }\n' |
     "${CXX:-c++}" -std=c++23 -x c++ -fsyntax-only - 2>/dev/null; then printf '\n'; return; fi
  zig_cxx
}

# check VERSION PREFIX SOURCE TARGET_DIR
check() {
  local version=$1 prefix=$2 source=$3 target=$4
  local start=$SECONDS status=0 log="$logs/nix-$version.log"
  local cxx; cxx=$(cxx_for "$version")
  env NIX_INSTANCES_NIX_PREFIX="$prefix" ${cxx:+CXX="$cxx"} \
    cargo check -q -p nix-instances --target-dir "$target${cxx:+-zig}" >"$log" 2>&1 || status=$?
  if [ "$status" = 0 ]; then
    printf -- '-- Nix %-8s compiles (%ss; headers: %s%s)\n' "$version:" "$((SECONDS - start))" "$source" \
      "${cxx:+; compiler: zig c++}"
    passed+=("$version")
  else
    printf -- '-- Nix %-8s FAILED to compile (%ss; headers: %s; log: %s)\n' "$version:" \
      "$((SECONDS - start))" "$source" "${log#"$root"/}"
    grep -m 3 -E 'error' "$log" | sed 's/^/     /' || true
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
    scripts/setup.sh --install-tree "$tree" "${tag#v}" "$prefix" >/dev/null 2>"$logs/headers-$tag.log" || {
      printf -- '-- Nix %-8s FAILED: no headers (log: %s)\n' "${tag#v}:" "target/compat-logs/headers-$tag.log"
      failed+=("${tag#v}"); rm -rf "$tree"; return 0; }
    rm -rf "$tree"
  fi
  check "${tag#v}" "$prefix" "git tag $tag" target/compat-git
}

# newest_tags GITDIR: the newest patch release tag of every minor from 2.18 on.
newest_tags() {
  git --git-dir="$1" tag --list '2.*.*' | grep -E '^2\.[0-9]+\.[0-9]+$' | sort -V |
    awk -F. '$2 >= 18 && $2 < 90 { last[$2] = $0 } END { for (m in last) print last[m] }' | sort -V
}

start=$SECONDS
case "${1:-}" in
  "") suite trixie ;;
  --suite) shift; for s in "$@"; do suite "$s"; done ;;
  --git) gitdir=${2:?GITDIR}; shift 2
         tags=("$@"); [ ${#tags[@]} -gt 0 ] || mapfile -t tags < <(newest_tags "$gitdir")
         [ ${#tags[@]} -gt 0 ] || { echo "no Nix release tags in $gitdir" >&2; exit 2; }
         printf 'compile check: the shim against %s Nix versions (%s)\n' "${#tags[@]}" "${tags[*]}"
         for t in "${tags[@]}"; do git_tag "$gitdir" "$t"; done ;;
  *) echo "usage: $0 [--suite SUITE... | --git GITDIR [TAG...]]" >&2; exit 2 ;;
esac

total=$(( ${#passed[@]} + ${#failed[@]} ))
if [ ${#failed[@]} -gt 0 ]; then
  printf '\ncompile check: %s of %s failed: Nix %s (%ss in all)\n' "${#failed[@]}" "$total" "${failed[*]}" "$((SECONDS - start))"
  exit 1
fi
printf '\ncompile check: all %s passed: Nix %s (%ss in all)\n' "$total" "${passed[*]}" "$((SECONDS - start))"
