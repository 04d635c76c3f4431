#!/usr/bin/env bash
# Set up everything the plugin needs to build and run on Debian 12, idempotently:
#   - apt packages: nix-bin (the Nix that loads the plugin) and the build dependencies;
#   - Nix's C++ headers for the *installed* Nix version, from Debian's source package,
#     fetched through a private apt configuration (the user's apt sources are never edited);
#   - a generated config.h and pkg-config files, under the project-owned prefix .nix-dev/.
# A second run does nothing. build.rs finds .nix-dev/<version>/lib/pkgconfig by itself.
#
# Usage: scripts/setup.sh            set up for the installed Nix (2.8 on Debian 12)
#        scripts/setup.sh --modern-nix     the same, then (once, ~25 min; cached outside the clone)
#                                    Nix 2.26.3 with shared libraries: scripts/modern-nix.sh
#        scripts/setup.sh --headers-only SUITE   only fetch headers of SUITE's nix (e.g. trixie),
#                                    for compile checks; prints the prefix
#        scripts/setup.sh --install-tree TREE VERSION PREFIX   the same from a Nix source tree
#                                    at hand (e.g. a tag of a Nix checkout); prints PREFIX
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix_base="$root/.nix-dev"

say() { printf 'setup: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

sudo_if_needed() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

is_debian() { [ -r /etc/os-release ] && . /etc/os-release && [ "${ID:-}" = debian ]; }

# graphviz: `dot`, which `nix-instances graph --format svg` uses when it is there (its tests run both layouts)
apt_packages=(nix-bin libgc-dev nlohmann-json3-dev libboost-dev pkg-config dpkg-dev xz-utils graphviz)

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
    $( [ "$(id -u)" = 0 ] && echo "-o APT::Sandbox::User=root" ) \
    "$@"
}

# fetch_headers SUITE VERSION PREFIX UPSTREAM: unpack Debian's nix source VERSION (upstream
# version UPSTREAM) from SUITE, install its public headers under PREFIX/include/nix and write
# the configuration headers its build system would have generated.
fetch_headers() {
  local suite=$1 version=$2 prefix=$3 upstream=$4
  local work="$prefix_base/apt-$suite"
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
  printf 'deb-src %s %s main\n' "$(debian_mirror)" "$suite" > "$work/sources.list"
  say "fetching Debian's nix $version source ($suite) with a private apt configuration"
  private_apt "$work" apt-get update >/dev/null
  rm -rf "$work/src"; mkdir -p "$work/src"
  ( cd "$work/src" && private_apt "$work" apt-get source --download-only "nix=$version" >/dev/null )
  local dsc; dsc=$(ls "$work"/src/*.dsc | head -n1)
  ( cd "$work/src" && dpkg-source --no-check -x "$dsc" tree >/dev/null )
  install_headers "$work/src/tree" "$prefix" "$upstream"
  rm -rf "$work/src/tree"
}

# install_headers TREE PREFIX UPSTREAM: install the public headers of the Nix source tree TREE
# (version UPSTREAM) under PREFIX/include, with the configuration headers its build system
# would have generated, and pkg-config files for them.
install_headers() {
  local tree=$1 prefix=$2 upstream=$3
  rm -rf "$prefix/include"; mkdir -p "$prefix/include/nix"
  if [ -d "$tree/src/libexpr/include/nix/expr" ]; then
    # Nix 2.28+: public headers under src/lib*/[PLATFORM/]include/nix/LIB/, installed as
    # include/nix/LIB/…; each library's public configuration in include/nix/LIB/config.hh.
    (cd "$tree/src" && find lib* -path '*/include/nix/*' -name '*.hh' \
        -not -path 'lib*-test*' -not -path 'lib*-c/*' -not -path '*/windows/*' -not -path '*/freebsd/*' -not -path '*/darwin/*') |
    while read -r f; do
      local rel=${f#*/include/nix/}
      mkdir -p "$prefix/include/nix/$(dirname "$rel")"
      cp "$tree/src/$f" "$prefix/include/nix/$rel"
    done
    for lib in "${config_libs[@]}"; do
      grep -q 'configuration : configdata_pub' "$tree/src/lib$lib/include/nix/$lib/meson.build" 2>/dev/null || continue
      write_meson_config "$tree/src/lib$lib/meson.build" configdata_pub "$prefix/include/nix/$lib/config.hh" "$upstream"
    done
  elif [ -f "$tree/configure.ac" ]; then
    # Autotools-era Nix (2.8 … 2.25): every library's headers, flat; config.h written by write_config_h.
    (cd "$tree/src" && find libutil libstore libexpr libfetchers libmain libcmd -maxdepth 2 -name '*.hh') |
    while read -r f; do
      local rel=${f#*/}
      case "$rel" in unix/*|linux/*) rel=${rel#*/} ;; esac     # 2.2x: installed flat
      mkdir -p "$prefix/include/nix/$(dirname "$rel")"
      cp "$tree/src/$f" "$prefix/include/nix/$rel"
    done
    write_config_h "$prefix" "$upstream"
  else
    # Meson-era Nix before 2.28 (2.26, 2.27): headers beside the sources, installed flat; each
    # library's configuration in config-LIB.hh, which users must include before Nix's headers.
    (cd "$tree/src" && find lib* -name '*.hh' -not -path '*/tests/*' -not -path '*-tests*' -not -path '*-test-support*') |
    while read -r f; do
      local rel=${f#*/}           # drop libexpr/ etc.
      case "$rel" in unix/*|linux/*|windows/*|freebsd/*) rel=${rel#*/} ;; esac
      mkdir -p "$prefix/include/nix/$(dirname "$rel")"
      cp "$tree/src/$f" "$prefix/include/nix/$rel"
    done
    for lib in "${config_libs[@]}"; do
      local out; out=$(sed -n "s/^ *output : '\(config-$lib\.hh\)',.*/\1/p" "$tree/src/lib$lib/meson.build")
      [ -n "$out" ] || continue
      write_meson_config "$tree/src/lib$lib/meson.build" configdata "$prefix/include/nix/$out" "$upstream"
    done
  fi
  # Nix 2.30+ headers use Boost features newer than Debian 12's Boost 1.74 (heterogeneous
  # lookup, unordered_flat_map, concurrent_flat_map/set up to Boost 1.84): for compile checks a
  # newer Boost's headers are unpacked aside.
  local extra=""
  case "$upstream" in
    2.[0-9].*|2.[12][0-9].*) ;;
    *) if [ "$(sed -n 's/^#define BOOST_VERSION //p' /usr/include/boost/version.hpp 2>/dev/null)" -lt 108400 ] 2>/dev/null ||
          [ ! -f /usr/include/boost/version.hpp ]; then
         extra="-I$(newer_boost_headers)"
       fi ;;
  esac
  # The language standard Nix's own .pc files name.
  local std; std=$(cat "$tree/nix-meson-build-support/export/meson.build" "$tree/src/libexpr/nix-expr.pc.in" 2>/dev/null |
    grep -o -m1 -e '-std=c++[0-9a-z]*' || true)
  write_pc "$prefix" "$upstream" "$extra" "$std"
}

# The libraries whose headers a libexpr plugin includes, and so whose configuration it needs.
config_libs=(util store fetchers expr main)

# meson_config_keys MESON_BUILD VAR: the macros that `VAR.set(…)` / `VAR.set_quoted(…)` define
# in one of Nix's meson.build files, one a line: "KEY plain", "KEY quoted", or "KEY func:NAME"
# for the HAVE_NAME macros of a `foreach funcspec` over a list of functions.
meson_config_keys() {
  awk -v want="$2" '
    function first_quoted(s) { return match(s, /\047[A-Za-z0-9_]+\047/) ? substr(s, RSTART + 1, RLENGTH - 2) : "" }
    pending != "" { k = first_quoted($0); if (k != "") { print k, pending; pending = "" } ; next }
    inlist { if ($0 ~ /^[ \t]*\]/) { inlist = 0; next } f = first_quoted($0); if (f != "") funcs[++nfuncs] = f; next }
    /^[ \t]*(check_funcs = \[|foreach funcspec : \[)[ \t]*$/ { inlist = 1; nfuncs = 0; delete funcs; next }
    $0 ~ "^[ \t]*" want "\\.set(_quoted)?\\(" {
      kind = ($0 ~ /set_quoted/) ? "quoted" : "plain"
      if ($0 ~ /\(define_name,/) { for (i = 1; i <= nfuncs; i++) print "HAVE_" toupper(funcs[i]), "func:" funcs[i]; next }
      rest = $0; sub(/^[^(]*\(/, "", rest)
      k = first_quoted(rest)
      if (k != "" && rest ~ /^[ \t]*\047/) print k, kind; else pending = kind
    }' "$1"
}

# The value Debian's build of Nix gives a configuration macro (Linux, Boehm GC enabled, no AWS
# SDK, libseccomp and, on x86, libcpuid); "-" for a macro Debian's build leaves undefined.
config_value() {
  local key=$1 kind=$2 version=$3
  case "$key" in
    PACKAGE_VERSION) printf '"%s"' "$version" ;;
    SYSTEM|NIX_LOCAL_SYSTEM) printf '"%s-linux"' "$(uname -m)" ;;
    HAVE_BOEHMGC|NIX_USE_BOEHMGC|GC_THREADS) echo 1 ;;           # -D libexpr:gc=enabled
    HAVE_ACL_SUPPORT|NIX_SUPPORT_ACL|CAN_LINK_SYMLINK) echo 1 ;;  # Linux
    HAVE_SECCOMP|HAVE_DECL_AT_SYMLINK_NOFOLLOW|HAVE_PUBSETBUF) echo 1 ;;
    HAVE_LIBCPUID) case "$(uname -m)" in x86_64|i?86) echo 1 ;; *) echo 0 ;; esac ;;
    ENABLE_S3|NIX_WITH_S3_SUPPORT|NIX_WITH_CURL_S3|NIX_WITH_AWS_AUTH) echo 0 ;;
    NIX_UBSAN_ENABLED|NIX_ASAN_ENABLED) echo 0 ;;
    HAVE_EMBEDDED_SANDBOX_SHELL|GC_NO_INLINE_STD_NEW) echo - ;;   # options Debian does not use
    *)
      case "$kind" in
        func:*) have_function "${kind#func:}" ;;
        *) echo "?" ;;
      esac ;;
  esac
}

# What meson's cxx.has_function() finds: 1 if the C library links NAME, else 0.
have_function() {
  local dir; dir=$(mktemp -d)
  printf 'extern "C" char %s (void);\nint main(void) { return %s (); }\n' "$1" "$1" > "$dir/f.cc"
  if "${CXX:-c++}" "$dir/f.cc" -o "$dir/f" -pthread >/dev/null 2>&1; then echo 1; else echo 0; fi
  rm -rf "$dir"
}

# write_meson_config MESON_BUILD VAR OUT VERSION: the configuration header that Nix's meson
# build writes from VAR, with the values of Debian's build.
write_meson_config() {
  local build=$1 var=$2 out=$3 version=$4
  {
    printf '/* Generated by nix-instances scripts/setup.sh from %s (%s), as meson would have\n' \
      "src/${build##*/src/}" "$var"
    printf '   written it for Debian'"'"'s build of Nix %s. */\n#pragma once\n' "$version"
    meson_config_keys "$build" "$var" | while read -r key kind; do
      local value; value=$(config_value "$key" "$kind" "$version")
      case "$value" in
        -) ;;
        \?) say "warning: no value known for $key (src/${build##*/src/}); left undefined" ;;
        *) printf '#define %s %s\n' "$key" "$value" ;;
      esac
    done
  } > "$out"
}

# The headers of Debian unstable's Boost (libboost1.XX-dev, fetched with a private apt
# configuration and unpacked, not installed), for compile checks against a Nix that needs a newer
# Boost than the system's; prints the include directory.
newer_boost_headers() {
  local dir="$prefix_base/boost" work="$prefix_base/apt-sid-deb"
  if [ ! -f "$dir/.done" ]; then
    mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
    printf 'deb %s sid main\n' "$(debian_mirror)" > "$work/sources.list"
    private_apt "$work" apt-get update >/dev/null
    local pkg; pkg=$(private_apt "$work" apt-cache depends libboost-dev 2>/dev/null |
      sed -n 's/^ *Depends: \(libboost[0-9.]*-dev\)$/\1/p' | head -n1)
    [ -n "$pkg" ] || die "cannot find Debian unstable's Boost headers package"
    say "fetching $pkg (Debian unstable) for the compile check (unpacked in $dir, not installed)"
    rm -rf "$dir"; mkdir -p "$dir/deb"
    ( cd "$dir/deb" && private_apt "$work" apt-get download "$pkg" >/dev/null )
    dpkg-deb -x "$dir"/deb/*.deb "$dir"
    rm -rf "$dir/deb"
    touch "$dir/.done"
  fi
  printf '%s\n' "$dir/usr/include"
}

# write_pc PREFIX VERSION [CFLAGS [STD]]: pkg-config files naming our headers (and CFLAGS) and
# the system's libraries.
write_pc() {
  local prefix=$1 version=$2 extra=${3:-} std=${4:-}
  # The standard Nix's own .pc files name, if not given: C++17 up to 2.13, C++20 after.
  if [ -z "$std" ]; then
    std=-std=c++2a
    case "$version" in 2.[0-9].*|2.1[0-3].*) std=-std=c++17 ;; esac
  fi
  # Up to 2.27 headers are included as <eval.hh>; from 2.28 on as <nix/expr/eval.hh>.
  local incdir='${includedir}/nix'
  if [ -f "$prefix/include/nix/expr/eval.hh" ]; then incdir='${includedir}'; fi
  mkdir -p "$prefix/lib/pkgconfig"
  cat > "$prefix/lib/pkgconfig/nix-store.pc" <<PC
prefix=$prefix
includedir=\${prefix}/include
libdir=/usr/lib/nix

Name: Nix
Description: Nix Package Manager (headers from Debian's source package, set up by nix-instances)
Version: $version
Libs: -L\${libdir} -lnixstore -lnixutil
Cflags: -I$incdir${extra:+ $extra} $std
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
Cflags: -I$incdir${extra:+ $extra} $std
PC
}

# write_config_h PREFIX VERSION: the config.h of autotools-era Nix (up to 2.25), reduced to
# what its public headers read.
write_config_h() {
  local prefix=$1 version=$2
  cat > "$prefix/include/nix/config.h" <<H
/* Generated by nix-instances scripts/setup.sh: the autoconf results the Nix headers expect. */
#define HAVE_BOEHMGC 1
#define HAVE_STRUCT_DIRENT_D_TYPE 1
#define HAVE_ACL_SUPPORT 1
#define PACKAGE_VERSION "$version"
#define SYSTEM "$(uname -m)-linux"
H
}

# A prefix is set up once; .done records the layout it was set up with, so that a prefix made by
# an older version of this script is made again.
prefix_layout="nix-instances headers layout 2 (meson config headers, 2.28+ layout)"
is_done() { [ "$(cat "$1/.done" 2>/dev/null)" = "$prefix_layout" ]; }
mark_done() { printf '%s\n' "$prefix_layout" > "$1/.done"; }

main() {
  if [ "${1:-}" = --modern-nix ]; then
    main
    "$root/scripts/modern-nix.sh" ensure >/dev/null
    return 0
  fi
  local headers_only=""
  if [ "${1:-}" = --headers-only ]; then headers_only=${2:?suite}; fi
  if [ "${1:-}" = --install-tree ]; then   # TREE VERSION PREFIX: a Nix source tree at hand
    install_headers "${2:?tree}" "${4:?prefix}" "${3:?version}"
    mark_done "$4"
    printf '%s\n' "$4"
    return 0
  fi
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
    if ! is_done "$prefix"; then
      fetch_headers "$headers_only" "$version" "$prefix" "$upstream"
      mark_done "$prefix"
    fi
    printf '%s\n' "$prefix"
    return 0
  fi

  install_apt_packages
  local version; version=$(dpkg-query -W -f='${source:Version}' nix-bin)
  local upstream=${version%-*}; upstream=${upstream#*:}; upstream=${upstream%+*}
  local prefix="$prefix_base/$upstream"
  if is_done "$prefix"; then
    say "Nix $upstream development files already set up in $prefix"
    return 0
  fi
  local suite; suite=$(. /etc/os-release; echo "${VERSION_CODENAME:-bookworm}")
  fetch_headers "$suite" "$version" "$prefix" "$upstream"
  mark_done "$prefix"
  say "Nix $upstream development files set up in $prefix"
}

main "$@"
