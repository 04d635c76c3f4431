#!/usr/bin/env bash
# A modern Nix that can load plugins, built once and cached outside the clone.
#
# Debian ships no plugin-capable modern Nix (trixie's and sid's nix-bin link Nix statically),
# and bookworm's libgit2, meson and GCC are too old to build one. So this builds Debian trixie's
# Nix *source* package with shared libraries inside a trixie chroot of our own:
#   debootstrap --variant=minbase trixie   (~30 s)
#   apt-get build-dep nix                   (~1 min)
#   meson -Ddefault_library=shared …; ninja (~20 min on 2 cores, once)
# into /opt/nix-$version inside the chroot, registered with the chroot's ld.so.conf.
# The chroot lives in ${XDG_CACHE_HOME:-$HOME/.cache}/nix-instances/ (NIX_INSTANCES_CACHE
# overrides); the user's apt configuration is never touched. A second run reuses it in seconds.
#
# Usage: scripts/modern-nix.sh ensure        build it if missing (idempotent); prints the chroot
#        scripts/modern-nix.sh run CMD...    run CMD in the chroot, as root, with the project at
#                                            its own path, the host's Rust toolchain read-only on
#                                            PATH and the host's CA certificates
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
suite=trixie
nix_version=2.26.3
deb_version=2.26.3+dfsg-1
cache=${NIX_INSTANCES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nix-instances}
chroot_dir="$cache/nix-$nix_version-$suite"
prefix=/opt/nix-$nix_version

say() { printf 'modern-nix: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# The Debian mirror the user's own apt configuration uses (read only).
debian_mirror() {
  local uri
  uri=$( { cat /etc/apt/sources.list 2>/dev/null; cat /etc/apt/sources.list.d/*.list 2>/dev/null; } \
    | awk '$1 ~ /^deb(-src)?$/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\//) { print $i; exit } }')
  [ -n "$uri" ] || uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
      | awk 'tolower($1) == "uris:" && $2 !~ /security/ { print $2; exit }')
  printf '%s\n' "${uri:-http://deb.debian.org/debian}" | sed 's,/*$,,'
}

# The host's Rust toolchain (the sysroot of the rustc on PATH), mounted read-only.
rust_sysroot() { rustc --print sysroot; }

# in_chroot [--project] CMD...: CMD inside the chroot, in a private mount namespace (nothing
# stays mounted afterwards). With --project, CMD runs as the calling user with the project at its
# own path, the host's Rust toolchain read-only on PATH, a cargo home in the cache, and the
# checkouts NIXPKGS_LIB, FLAKE_PARTS, CLAN_CORE and SERVICES_FLAKE name, read-only.
in_chroot() {
  local project=""
  if [ "${1:-}" = --project ]; then project=1; shift; fi
  local sysroot="" cargo_home="$cache/cargo-home" checkouts=()
  if [ -n "$project" ]; then
    sysroot=$(rust_sysroot); mkdir -p "$cargo_home"
    for var in NIXPKGS_LIB FLAKE_PARTS CLAN_CORE SERVICES_FLAKE; do
      [ -n "${!var:-}" ] && checkouts+=("$(cd "${!var}" && pwd)")
    done
  fi
  as_root env NIX_INSTANCES_CHECKOUTS="${checkouts[*]:-}" NIXPKGS_LIB="${NIXPKGS_LIB:-}" \
    FLAKE_PARTS="${FLAKE_PARTS:-}" CLAN_CORE="${CLAN_CORE:-}" SERVICES_FLAKE="${SERVICES_FLAKE:-}" CI="${CI:-}" \
    unshare --mount --propagation private -- bash -euc '
    r=$1 project=$2 proj=$3 sysroot=$4 cargo_home=$5 uid=$6 gid=$7; shift 7
    mount -t proc proc "$r/proc"
    mount --rbind /dev "$r/dev"
    mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
    mkdir -p "$r/etc/ssl/host-certs"
    mount --bind -o ro /etc/ssl/certs "$r/etc/ssl/host-certs"
    cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
    user=()
    if [ -n "$project" ]; then
      mkdir -p "$r$proj" "$r/opt/rust" "$r/opt/cargo-home"
      mount --bind "$proj" "$r$proj"
      mount --bind -o ro "$sysroot" "$r/opt/rust"
      mount --bind "$cargo_home" "$r/opt/cargo-home"
      for c in $NIX_INSTANCES_CHECKOUTS; do mkdir -p "$r$c"; mount --bind -o ro "$c" "$r$c"; done
      [ "$uid" = 0 ] || user=(setpriv --reuid="$uid" --regid="$gid" --clear-groups)
    fi
    mkdir -p "$r/tmp/home" && chown "$uid:$gid" "$r/tmp/home"
    # Only the variables that are set: an empty CLAN_CORE would read as a checkout at "".
    passed=()
    for v in NIXPKGS_LIB FLAKE_PARTS CLAN_CORE SERVICES_FLAKE CI; do
      if [ -n "${!v:-}" ]; then passed+=("$v=${!v}"); fi
    done
    exec chroot "$r" "${user[@]}" /usr/bin/env -i HOME=/tmp/home TERM="${TERM:-dumb}" LANG=C.UTF-8 \
      PATH=/opt/rust/bin:'"$prefix"'/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      CARGO_HOME=/opt/cargo-home \
      SSL_CERT_FILE=/etc/ssl/host-certs/ca-certificates.crt \
      CARGO_HTTP_CAINFO=/etc/ssl/host-certs/ca-certificates.crt \
      PKG_CONFIG_PATH="$(cat "$r'"$prefix"'/libdir" 2>/dev/null)/pkgconfig" \
      "${passed[@]}" "$@"' _ "$chroot_dir" "$project" "$root" "$sysroot" "$cargo_home" "$(id -u)" "$(id -g)" "$@"
}

stamp() { [ -f "$chroot_dir/.nix-instances-$1" ]; }
mark() { as_root touch "$chroot_dir/.nix-instances-$1"; }

ensure() {
  if stamp "nix-$nix_version"; then
    say "Nix $nix_version (shared libraries) already built in $chroot_dir"
    printf '%s\n' "$chroot_dir"
    return 0
  fi
  if ! stamp "built-$nix_version"; then
    say "one-time set-up: building Nix $nix_version with shared libraries in a Debian $suite chroot"
    say "(about 25 minutes on 2 cores; cached in $chroot_dir and reused afterwards)"
  fi
  local mirror; mirror=$(debian_mirror)
  if ! stamp debootstrap; then
    command -v debootstrap >/dev/null || {
      as_root apt-get update -q
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap
    }
    mkdir -p "$cache"      # the caller's, so the cargo home in it is theirs too
    as_root rm -rf "$chroot_dir"
    as_root mkdir -p "$chroot_dir"
    say "debootstrap $suite"
    as_root debootstrap --variant=minbase "$suite" "$chroot_dir" "$mirror" >&2
    printf 'deb %s %s main\ndeb-src %s %s main\n' "$mirror" "$suite" "$mirror" "$suite" |
      as_root tee "$chroot_dir/etc/apt/sources.list" >/dev/null
    mark debootstrap
  fi
  if ! stamp build-deps; then
    say "apt-get build-dep nix (inside the chroot)"
    in_chroot bash -euc 'export DEBIAN_FRONTEND=noninteractive
      apt-get update -q >&2
      apt-get install -y -q --no-install-recommends dpkg-dev pkg-config gcc g++ >&2
      apt-get build-dep -y -q nix >&2' >&2
    mark build-deps
  fi
  if ! stamp "built-$nix_version"; then
    say "building Nix $nix_version (meson + ninja, shared libraries)"
    in_chroot bash -euc '
      v=$1 prefix=$2
      mkdir -p /build && cd /build && rm -rf src && mkdir src && cd src
      apt-get source -q "nix=$v" >&2
      cd "$(find . -maxdepth 1 -mindepth 1 -type d | head -n1)"
      # Debian'"'"'s own options (debian/rules), but shared libraries and no docs.
      meson setup build --prefix="$prefix" --buildtype=release --localstatedir=/nix/var \
        -Ddefault_library=shared -Dunit-tests=false -Ddoc-gen=false -Dbindings=false \
        -Dlibcmd:readline-flavor=readline -Dlibexpr:gc=enabled \
        -Dlibstore:sandbox-shell=/usr/bin/bash-static >&2
      ninja -C build >&2
      ninja -C build install >&2
      cd / && rm -rf /build/src' _ "$deb_version" "$prefix" >&2
    mark "built-$nix_version"
  fi
  # The installed nix has no rpath: its library directory (lib/<multiarch> on Debian) goes into
  # the chroot's ld.so.conf, and is recorded for PKG_CONFIG_PATH.
  in_chroot bash -euc '
    prefix=$1
    libdir=$(dirname "$(find "$prefix" -name libnixexpr.so -print -quit)")
    echo "$libdir" > /etc/ld.so.conf.d/nix-instances-nix.conf
    echo "$libdir" > "$prefix/libdir"
    ldconfig
    "$prefix/bin/nix" --version >&2' _ "$prefix"
  mark "nix-$nix_version"
  say "Nix $nix_version built in $chroot_dir$prefix"
  printf '%s\n' "$chroot_dir"
}

case "${1:-}" in
  ensure) ensure ;;
  run) shift; stamp "nix-$nix_version" || die "Nix $nix_version is not built yet: run '$0 ensure'"
       in_chroot --project "$@" ;;
  version) echo "$nix_version" ;;
  *) die "usage: $0 ensure | run CMD... | version" ;;
esac
