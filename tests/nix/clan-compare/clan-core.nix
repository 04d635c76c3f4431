# clan-core's own framework, run on a checkout without its flake inputs: `lib/clan`,
# `modules/clan` and `lib/inventory/distributed-service` as they are, with a stub nixpkgs
# (`lib.version`, a throwing `nixosSystem`). Test-only: nothing of clan-core is copied.
#
#   import ./clan-core.nix { lib = <nixpkgs lib>; clanCore = /path/to/clan-core; }
#   => { clanLib; flake; modules; deprecated; clan = { self, inventory, ... }: <evaluated clan>; }
{ lib, clanCore }:
let
  # clan-core's `clan.modules` as its flake defines them: each clanServices/<dir>/flake-module.nix
  # evaluated for its `clan.modules` and `clan.deprecatedModules` only.
  serviceFlakeModules =
    let
      dir = clanCore + "/clanServices";
      entries = builtins.readDir dir;
    in
    builtins.filter (n: entries.${n} == "directory" && builtins.pathExists (dir + "/${n}/flake-module.nix")) (
      builtins.attrNames entries
    );

  flakeModuleEval = lib.evalModules {
    specialArgs = {
      self = throw "clan-compare: clanServices flake-module read `self`";
      inputs = throw "clan-compare: clanServices flake-module read `inputs`";
    };
    modules = [
      {
        freeformType = lib.types.lazyAttrsOf lib.types.raw;
        options.clan.modules = lib.mkOption {
          type = lib.types.attrsOf lib.types.raw;
          default = { };
        };
        options.clan.deprecatedModules = lib.mkOption {
          type = lib.types.listOf lib.types.str;
          default = [ ];
        };
      }
    ] ++ map (n: clanCore + "/clanServices/${n}/flake-module.nix") serviceFlakeModules;
  };

  modules = flakeModuleEval.config.clan.modules;
  deprecated = flakeModuleEval.config.clan.deprecatedModules;

  stubNixpkgs = {
    lib = lib // {
      nixosSystem = _: throw "clan-compare: nixosSystem is not available (stub nixpkgs)";
    };
    legacyPackages = throw "clan-compare: nixpkgs packages are not available (stub nixpkgs)";
  };
  stubDarwin.lib.darwinSystem = _: throw "clan-compare: darwinSystem is not available";

  clanLib = lib.fix (
    lib.extends (_final: _: {
      clan = import (clanCore + "/lib/clan") {
        inherit lib;
        clan-core = flake;
      };
    }) (import (clanCore + "/lib") { inherit lib; }).__unfix__
  );

  # What clan-core's flake outputs that its framework reads.
  flake = {
    inherit clanLib;
    lib = clanLib;
    clan = {
      inherit modules;
      deprecatedModules = deprecated;
      templates = { };
    };
    modules.clan.default = lib.modules.importApply (clanCore + "/modules/clan/default.nix") {
      clan-core = flake;
    };
    inputs = {
      nixpkgs = stubNixpkgs;
      nix-darwin = stubDarwin;
    };
    outPath = toString clanCore;
  };
in
{
  inherit clanLib flake modules deprecated stubNixpkgs;
  # lib.clan with the stub nixpkgs and nix-darwin in place of the user's.
  clan =
    args:
    clanLib.clan (
      args
      // {
        self = args.self // {
          inputs = {
            nixpkgs = stubNixpkgs;
            nix-darwin = stubDarwin;
          } // args.self.inputs or { };
        };
      }
    );
}
