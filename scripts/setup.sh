#!/usr/bin/env bash
# Set up everything the plugin needs to build and run on Debian 12, idempotently:
#   - apt packages: nix-bin (the Nix that loads the plugin) and the build dependencies;
#   - Nix's C++ headers for the *installed* Nix version, from Debian's source package,
#     fetched through a private apt configuration (the user's apt sources are never edited);
#   - a generated config.h and pkg-config files, under the project-owned prefix .nix-dev/.
# A second run does nothing. build.rs finds .nix-dev/<version>/lib/pkgconfig by itself.
#
# Usage: scripts/setup.sh            set up for the installed Nix (2.8 on Debian 12)
#        scripts/setup.sh --headers-only SUITE   only fetch headers of SUITE's nix (e.g. trixie),
#                                    for compile checks; prints the prefix
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix_base="$root/.nix-dev"

say() { printf 'setup: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

sudo_if_needed() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

is_debian() { [ -r /etc/os-release ] && . /etc/os-release && [ "${ID:-}" = debian ]; }

apt_packages=(nix-bin libgc-dev nlohmann-json3-dev libboost-dev pkg-config dpkg-dev xz-utils)

install_apt_packages() {
  local missing=()
  for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing with apt: ${missing[*]}"
  sudo_if_needed apt-get update -q
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# The first Debian mirror URI the user's own apt configuration uses (read only).
debian_mirror() {
  local uri
  uri=$( { cat /etc/apt/sources.list 2>/dev/null; cat /etc/apt/sources.list.d/*.list 2>/dev/null; } \
    | awk '$1 ~ /^deb(-src)?$/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\//) { print $i; exit } }')
  if [ -z "$uri" ]; then
    uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
      | awk 'tolower($1) == "uris:" && $2 !~ /security/ { print $2; exit }')
  fi
  [ -n "$uri" ] || die "cannot find a Debian mirror in /etc/apt/sources.list*"
  printf '%s\n' "${uri%/}"
}

# apt-get or apt-cache ($2) with a private source list and private state, under $1.
private_apt() {
  local dir=$1 tool=$2; shift 2
  "$tool" -q \
    -o Dir::Etc::SourceList="$dir/sources.list" \
    -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State::Lists="$dir/lists" \
    -o Dir::Cache="$dir/cache" \
    -o Debug::NoLocking=1 \
    "$@"
}

# fetch_headers SUITE VERSION PREFIX: unpack Debian's nix source VERSION from SUITE and
# install its public headers under PREFIX/include/nix.
fetch_headers() {
  local suite=$1 version=$2 prefix=$3
  local work="$prefix_base/apt-$suite"
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
  printf 'deb-src %s %s main\n' "$(debian_mirror)" "$suite" > "$work/sources.list"
  say "fetching Debian's nix $version source ($suite) with a private apt configuration"
  private_apt "$work" apt-get update >/dev/null
  rm -rf "$work/src"; mkdir -p "$work/src"
  ( cd "$work/src" && private_apt "$work" apt-get source --download-only "nix=$version" >/dev/null )
  local dsc; dsc=$(ls "$work"/src/*.dsc | head -n1)
  ( cd "$work/src" && dpkg-source --no-check -x "$dsc" tree >/dev/null )
  rm -rf "$prefix/include"; mkdir -p "$prefix/include/nix"
  local tree="$work/src/tree"
  if [ -d "$tree/src/libexpr/include" ] || [ -f "$tree/meson.build" ]; then
    # Meson-era Nix (2.2x): headers live beside the sources, installed flat per library.
    (cd "$tree/src" && find lib* -name '*.hh' -not -path '*/tests/*' -not -path '*-tests*' -not -path '*-test-support*') |
    while read -r f; do
      local rel=${f#*/}           # drop libexpr/ etc.
      case "$rel" in include/nix/*) rel=${rel#include/nix/} ;; esac
      case "$rel" in unix/*|linux/*|windows/*|freebsd/*) rel=${rel#*/} ;; esac
      mkdir -p "$prefix/include/nix/$(dirname "$rel")"
      cp "$tree/src/$f" "$prefix/include/nix/$rel"
    done
  else
    # Autotools-era Nix (2.8): every library's headers, flat.
    (cd "$tree/src" && find libutil libstore libexpr libfetchers libmain libcmd -maxdepth 2 -name '*.hh') |
    while read -r f; do
      local rel=${f#*/}
      mkdir -p "$prefix/include/nix/$(dirname "$rel")"
      cp "$tree/src/$f" "$prefix/include/nix/$rel"
    done
  fi
  rm -rf "$tree"
}

# write_pc PREFIX VERSION: pkg-config files naming our headers and the system's libraries.
write_pc() {
  local prefix=$1 version=$2
  # Nix needs C++17 up to 2.19 and C++20 from 2.20 on, as its own .pc files say.
  local std=-std=c++17
  case "$version" in 2.[0-9].*|2.1[0-9].*) ;; *) std=-std=c++2a ;; esac
  mkdir -p "$prefix/lib/pkgconfig"
  cat > "$prefix/lib/pkgconfig/nix-store.pc" <<PC
prefix=$prefix
includedir=\${prefix}/include
libdir=/usr/lib/nix

Name: Nix
Description: Nix Package Manager (headers from Debian's source package, set up by nix-instances)
Version: $version
Libs: -L\${libdir} -lnixstore -lnixutil
Cflags: -I\${includedir}/nix $std
PC
  cat > "$prefix/lib/pkgconfig/nix-expr.pc" <<PC
prefix=$prefix
includedir=\${prefix}/include
libdir=/usr/lib/nix

Name: Nix
Description: Nix Package Manager (headers from Debian's source package, set up by nix-instances)
Version: $version
Requires: nix-store bdw-gc
Libs: -L\${libdir} -lnixexpr
Cflags: -I\${includedir}/nix $std
PC
}

write_config_h() {
  local prefix=$1 version=$2
  cat > "$prefix/include/nix/config.h" <<H
/* Generated by nix-instances scripts/setup.sh: the autoconf/meson results the Nix headers expect. */
#define HAVE_BOEHMGC 1
#define HAVE_STRUCT_DIRENT_D_TYPE 1
#define PACKAGE_VERSION "$version"
#define SYSTEM "$(uname -m)-linux"
H
  # Meson-era headers include per-library config headers.
  for lib in util store expr main fetchers cmd; do
    cp "$prefix/include/nix/config.h" "$prefix/include/nix/config-$lib.hh"
  done
}

main() {
  local headers_only=""
  if [ "${1:-}" = --headers-only ]; then headers_only=${2:?suite}; fi
  is_debian || die "this set-up is for Debian. Elsewhere use the flake: 'nix develop' then 'cargo build', or 'nix build'."

  if [ -n "$headers_only" ]; then
    command -v dpkg-source >/dev/null || install_apt_packages
    local work="$prefix_base/apt-$headers_only"
    mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
    printf 'deb-src %s %s main\n' "$(debian_mirror)" "$headers_only" > "$work/sources.list"
    private_apt "$work" apt-get update >/dev/null
    local version; version=$(private_apt "$work" apt-cache showsrc nix 2>/dev/null | awk '/^Version:/ { print $2; exit }')
    [ -n "$version" ] || die "no nix source package in $headers_only"
    local upstream=${version%-*}; upstream=${upstream#*:}; upstream=${upstream%+*}
    local prefix="$prefix_base/$upstream"
    if [ ! -f "$prefix/.done" ]; then
      fetch_headers "$headers_only" "$version" "$prefix"
      write_config_h "$prefix" "$upstream"
      write_pc "$prefix" "$upstream"
      touch "$prefix/.done"
    fi
    printf '%s\n' "$prefix"
    return 0
  fi

  install_apt_packages
  local version; version=$(dpkg-query -W -f='${source:Version}' nix-bin)
  local upstream=${version%-*}; upstream=${upstream#*:}; upstream=${upstream%+*}
  local prefix="$prefix_base/$upstream"
  if [ -f "$prefix/.done" ]; then
    say "Nix $upstream development files already set up in $prefix"
    return 0
  fi
  local suite; suite=$(. /etc/os-release; echo "${VERSION_CODENAME:-bookworm}")
  fetch_headers "$suite" "$version" "$prefix"
  write_config_h "$prefix" "$upstream"
  write_pc "$prefix" "$upstream"
  touch "$prefix/.done"
  say "Nix $upstream development files set up in $prefix"
}

main "$@"
