#!/usr/bin/env bash
# The demo: set up what is missing, build the plugin, and evaluate the example flake in
# examples/ with a real `nix` that loads it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

scripts/setup.sh
cargo build --release -p nix-instances
plugin="$root/target/release/libnix_instances.so"

# A private Nix configuration, state and store, so the machine's own Nix set-up plays no part.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/conf" "$tmp/home"
cp scripts/private-nix.conf "$tmp/conf/nix.conf"
export NIX_CONF_DIR="$tmp/conf" NIX_USER_CONF_FILES="$tmp/conf/nix.conf" HOME="$tmp/home" \
  NIX_STATE_DIR="$tmp/state" NIX_LOG_DIR="$tmp/log" XDG_CACHE_HOME="$tmp/cache" \
  NIX_REMOTE="local?root=$tmp/root"
unset NIX_PATH

# The example flake refers to this checkout as a path: input; lock it in a copy.
cp -r examples "$tmp/examples"
sed -i "s|url = \"path:\.\.\";|url = \"git+file://$root\";|" "$tmp/examples/flake.nix"
# Nix announces the new lock file with a warning; show its output only if locking fails.
nix flake lock "path:$tmp/examples" > "$tmp/lock.log" 2>&1 || { cat "$tmp/lock.log" >&2; exit 1; }

echo "== nix --option plugin-files $plugin eval $tmp/examples#…"
echo
echo "-- the inventory, expanded natively (builtins.expandInstances):"
nix --option plugin-files "$plugin" eval --json "path:$tmp/examples#inventory.machines" | python3 -m json.tool
echo
echo "-- what each machine runs:"
nix --option plugin-files "$plugin" eval --json "path:$tmp/examples#summary" | python3 -m json.tool
echo
echo "-- the multi-instance hello service (builtins.expandMultiService):"
nix --option plugin-files "$plugin" eval --json "path:$tmp/examples#services" | python3 -m json.tool
echo
echo "-- the same without the plugin (pure-Nix twin) gives the same answer:"
native=$(nix --option plugin-files "$plugin" eval --json "path:$tmp/examples#inventory")
pure=$(nix eval --json "path:$tmp/examples#inventory")
if [ "$native" = "$pure" ]; then echo "identical: yes"; else echo "identical: NO"; exit 1; fi
echo "plugin loaded: $(nix --option plugin-files "$plugin" eval "path:$tmp/examples#hasPlugin"), without: $(nix eval "path:$tmp/examples#hasPlugin")"

# services-flake's multi-instance `hello` (examples/hello.nix) through the `multiService`
# drop-in and the real module system: needs nixpkgs' lib, e.g. NIXPKGS_LIB=/path/to/nixpkgs.lib.
if [ -n "${NIXPKGS_LIB:-}" ]; then
  echo
  echo "-- multiService ./hello.nix with lib.evalModules (hello1, hello2; hello3 disabled):"
  nix-instantiate --option plugin-files "$plugin" --eval --strict --json \
    -E "(import $root/tests/nix/multi-service-dropin.nix { nixpkgsLib = \"$NIXPKGS_LIB\"; }).processes" \
    | python3 -m json.tool
else
  echo
  echo "(set NIXPKGS_LIB to a nixpkgs.lib checkout to also see the multiService drop-in with the module system)"
fi
