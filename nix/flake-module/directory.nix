# nixInstances: the clan directory, read as clan-core reads it (modules/clan/module.nix and
# nixosModules/machineModules/forName.nix):
#   - every directory `machines/<name>/` is a machine of the inventory (`machines.<name> = { }`);
#   - `inventory.json`, if there, is a definition of the inventory (machines, instances, tags,
#     meta), as the clan CLI writes it;
#   - each machine imports its `machines/<name>/configuration.nix`, and a NixOS machine its
#     `hardware-configuration.nix` and `disko.nix`, where they exist (machines.nix).
# `nixInstances.readDirectory = false` (or `nixInstances.directory = null`) turns all of it off.
{ lib, config, ... }:
let
  inherit (lib) mkIf mkOption types;

  cfg = config.nixInstances;
  files = import ./clan-directory.nix { inherit lib; };
  common = import ../internal/common.nix;

  # Read it at all: `readDirectory`, and a directory (`null`: none).
  on = cfg.readDirectory && cfg.directory != null;
  dir = toString cfg.directory;
  machineNames = if on then files.machineDirectories dir else [ ];
  inventoryFile = files.inventoryFile dir;
  json = if on then files.inventoryJson dir else { };

  # A definition made in `file` (nixpkgs' lib 25.05 and later: `mkDefinition`); with an older
  # lib the module system names this file instead.
  definedIn = file: value: if lib ? mkDefinition then lib.mkDefinition { inherit file value; } else value;

  # What inventory.json may hold: clan-core's inventory, less what only Nix can write.
  # `modules` is ignored, as clan-core ignores `inventory.modules` (the CLI's inventory.json
  # may hold the modules' roles and constraints there, docs/cli.md; here they come from the
  # service modules themselves).
  known = [
    "instances"
    "machines"
    "meta"
    "modules"
    "tags"
  ];
  checkedJson =
    let
      unknown = builtins.filter (k: !(builtins.elem k known)) (builtins.attrNames json);
      k = builtins.head unknown;
    in
    if !builtins.isAttrs json then
      throw "nixInstances.directory: ${inventoryFile} is not a JSON object"
    else if unknown == [ ] then
      json
    else if k == "services" then
      throw "nixInstances.directory: ${inventoryFile} has `services`: as in clan-core, `inventory.services` has been removed; use `instances` (https://clan.lol/docs/guides/migrations/migrate-inventory-services)"
    else
      throw "nixInstances.directory: ${inventoryFile} has `${k}`, which is not part of the inventory${common.didYouMean k known}; it may have ${common.joinNames known} (set nixInstances.readDirectory = false not to read it)";

  fromJson = name: mkIf (on && checkedJson ? ${name}) (definedIn inventoryFile checkedJson.${name});
in
{
  options.nixInstances.readDirectory = mkOption {
    type = types.bool;
    default = true;
    description = ''
      Read `nixInstances.directory` as clan-core reads a clan's directory: every
      `machines/<name>/` directory is a machine, `inventory.json` is part of the inventory,
      and each machine imports its `machines/<name>/configuration.nix` (and, for NixOS,
      `hardware-configuration.nix` and `disko.nix`) where they exist. `false` (or
      `directory = null`): none of it.
    '';
  };

  config.nixInstances = {
    machines = lib.mkMerge [
      (mkIf (machineNames != [ ]) (
        definedIn "${dir}/machines" (lib.genAttrs machineNames (_: { }))
      ))
      (fromJson "machines")
    ];
    instances = fromJson "instances";
    tags = fromJson "tags";
    meta = fromJson "meta";
  };
}
