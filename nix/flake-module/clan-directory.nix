# The files of a clan directory that clan-core reads (pure functions of the directory's
# path; used by directory.nix and machines.nix).
#
#   import ./clan-directory.nix { inherit lib; }
{ lib }:
let
  inherit (builtins) attrNames fromJSON pathExists readDir readFile;
in
rec {
  # The names of the directories under `<dir>/machines` (clan-core: one machine each).
  machineDirectories =
    dir:
    let
      machines = "${dir}/machines";
    in
    if pathExists machines then attrNames (lib.filterAttrs (_: t: t == "directory") (readDir machines)) else [ ];

  inventoryFile = dir: "${dir}/inventory.json";

  # `<dir>/inventory.json`, parsed, or { }.
  inventoryJson =
    dir:
    let
      file = inventoryFile dir;
    in
    if pathExists file then fromJSON (readFile file) else { };

  # The files machine `name` imports from the directory, for `class` ("nixos" or "darwin"),
  # those that exist: clan-core's forName.nix.
  machineFiles =
    dir: name: class:
    builtins.filter pathExists (
      [ "${dir}/machines/${name}/configuration.nix" ]
      ++ lib.optionals (class == "nixos") [
        "${dir}/machines/${name}/hardware-configuration.nix"
        "${dir}/machines/${name}/disko.nix"
      ]
    );
}
