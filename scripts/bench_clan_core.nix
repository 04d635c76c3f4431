# The anchor of the flake-parts benchmark (scripts/bench_flake_parts.py): clan-core's own
# framework (lib/clan -> modules/clan -> lib/inventory/distributed-service), unchanged, on the
# same inventory and service modules, with a stub nixpkgs (its `lib`; `nixosSystem` and
# packages throw: nothing here builds a system).
#
# `machine`'s service modules are what clan-core gives a machine from its services:
# `_allMachines.<machine>.machineImports` (the nixosModule of each service module's
# `result.final.<machine>`), deep-forced like the nix-instances side's `nixosModules`; with
# `what = "fleet"`, every machine's, in one evaluation.
#
# Service modules with `module.input = null` are clan-core's own (`clan-core.clan.modules`),
# the others come from the flake input `my-flake` (`inputs.my-flake.clan.modules`): the same
# module ids as on the nix-instances side.
{
  clanCore,
  lib,
  modules,
  inventory,
  machine,
  what ? "one",
}:
let
  stubNixpkgs = {
    lib = lib // {
      nixosSystem = _: throw "bench: the stub nixpkgs has no nixosSystem";
    };
    legacyPackages = throw "bench: no packages in the stub nixpkgs";
  };

  clanLib = import (clanCore + "/lib") { inherit lib; };

  clan-core = {
    inherit clanLib;
    modules.clan.default = import (clanCore + "/modules/clan/default.nix") { inherit clan-core; };
    clan = {
      modules = modules.local;
      deprecatedModules = [ ];
      templates = { };
    };
    inputs = {
      nixpkgs = stubNixpkgs;
      nix-darwin.lib.darwinSystem = _: throw "bench: no nix-darwin";
    };
  };

  self = {
    outPath = "/bench-clan";
    inputs = {
      my-flake.clan.modules = modules.remote;
      nixpkgs = stubNixpkgs;
    };
  };

  clan = lib.evalModules {
    class = "clan";
    specialArgs = {
      inherit self;
      nixpkgs = stubNixpkgs;
      nix-darwin = clan-core.inputs.nix-darwin;
    };
    modules = [
      clan-core.modules.clan.default
      {
        inherit self;
        directory = "/bench-clan";
        meta.name = "bench";
        inventory = inventory;
      }
    ];
  };

  imports = clan.config._allMachines.${machine}.machineImports;
  fleet = builtins.mapAttrs (m: _: clan.config._allMachines.${m}.machineImports) inventory.machines;
in
if what == "fleet" then
  builtins.deepSeq fleet (builtins.foldl' (n: l: n + builtins.length l) 0 (builtins.attrValues fleet))
else
  builtins.deepSeq imports (builtins.length imports)
