# One comparison case: clan-core's own framework and this project's flake-parts module on the
# same inventory, each machine's modules (of its class) rendered by ./inspect.nix.
#
#   import ./compare.nix { lib; clanCore; flakeParts; repo; } {
#     inventory;          # clan's `inventory` (machines, tags, instances, meta)
#     directory;          # clan's `directory` (where `getPublicValue` reads vars)
#     selfModules ? { };  # the flake's own service modules (`module.input = "self"`)
#   }
#   => { clan = { <machine> = <definitions>; }; ours = { … }; }
{
  lib,
  clanCore,
  flakeParts,
  repo,
}:
let
  cc = import ./clan-core.nix { inherit lib clanCore; };
  ni = import ./nix-instances.nix { inherit lib flakeParts repo; };

  # `pkgs.NAME` as the service sources mention it: the stub's package names.
  serviceFiles =
    let
      walk =
        dir:
        lib.concatLists (
          lib.mapAttrsToList (
            n: t:
            if t == "directory" then
              walk (dir + "/${n}")
            else if lib.hasSuffix ".nix" n then
              [ (dir + "/${n}") ]
            else
              [ ]
          ) (builtins.readDir dir)
        );
    in
    walk (clanCore + "/clanServices");
  # `pkgs.NAME` and `with pkgs; [ NAME … ]` as the service sources write them.
  captures = re: text: map builtins.head (builtins.filter builtins.isList (builtins.split re text));
  identifiers = text: captures "([a-zA-Z_][a-zA-Z0-9_-]*)" text;
  pkgNames = lib.unique (
    lib.concatMap (
      f:
      let
        text = builtins.readFile f;
      in
      captures "pkgs\\.([a-zA-Z_][a-zA-Z0-9_-]*)" text
      ++ lib.concatMap identifiers (captures "with pkgs; *\\[([^]]*)]" text)
    ) serviceFiles
  );

  # clan-core's input as a flake user has it: `clan.modules`, `clanLib`, `modules.clan`.
  clanCoreInput = cc.flake;
in
{
  inventory,
  directory,
  selfModules ? { },
  # Packages the inventory names (e.g. the `packages` service's settings).
  packageNames ? [ ],
  ...
}:
let
  inspect = import ./inspect.nix {
    inherit lib;
    names = pkgNames ++ packageNames;
  };

  meta = {
    name = "clan-compare";
  } // inventory.meta or { };
  inventory' = inventory // {
    inherit meta;
  };

  clanEval = cc.clan {
    # `module.input = "self"` is the clan's own `modules`; `module.input = "clan-core"` the
    # clan-core input, as on this project's side.
    self.outPath = toString directory;
    self.inputs.clan-core = clanCoreInput;
    modules = selfModules;
    inventory = inventory';
    directory = toString directory;
  };
  clanMachines = clanEval.config.clanInternals.inventoryClass.machines;

  ours = ni {
    inputs = {
      clan-core = clanCoreInput;
    };
    outPath = toString directory;
    nixInstances = {
      machines = inventory.machines or { };
      tags = inventory.tags or { };
      instances = inventory.instances or { };
      modules = selfModules;
      inherit meta;
    };
  };
  ourMachines = ours.nixInstances.machines;

  # Each machine's modules of its own class (clan-core builds a NixOS machine from its
  # NixOS list, a nix-darwin machine from its darwin list).
  # (clan-core's inventory: with the machines its directory adds.)
  darwin = name: (clanEval.config.inventory.machines.${name}.machineClass or "nixos") == "darwin";
  # What clan-core's machine module imports from the clan directory
  # (nixosModules/machineModules/forName.nix: its `imports`, not its `clan.core.settings`),
  # before the services' modules, as clan-core's moduleForMachine has them.
  forNameImports =
    name: class:
    let
      forName = import (clanCore + "/nixosModules/machineModules/forName.nix") {
        inherit name;
        directory = toString directory;
        meta = { };
      };
    in
    (forName {
      _class = class;
      inherit lib;
    }).imports;
in
{
  clan = lib.mapAttrs (
    name: m:
    inspect.definitions name (
      if darwin name then forNameImports name "darwin" ++ m.darwinImports else forNameImports name "nixos" ++ m.machineImports
    )
  ) clanMachines;
  ours = lib.mapAttrs (
    name: m: inspect.definitions name (if darwin name then m.darwinModules else m.nixosModules)
  ) ourMachines;
}
