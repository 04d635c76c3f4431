# nixInstances: per-machine assembly. From the expansion, each machine's modules from every
# service module it uses (service-results.nix), in a fixed order, as
# `flake.nixInstances.machines.<m>.{nixosModule,darwinModule,nixosModules,darwinModules}`.
# Everything here is lazy per machine: evaluating one machine's module evaluates only that
# machine's settings and service results.
{ lib, config, ... }:
let
  inherit (lib) mkOption types;
  inherit (builtins) attrNames mapAttrs;

  cfg = config.nixInstances;
  inherit (cfg) expanded;

  located = file: m: lib.setDefaultModuleLocation file m;

  clanIds = import ./clan-ids.nix { inherit lib; } cfg;

  # Per machine, the service module ids it uses, in clan-core's order (by clan-core's id of
  # the module: `clan-core-X` and `<clan-core>-X` sort apart; clan-ids.nix).
  machineServices = mapAttrs (
    _: mach: clanIds.orderedIds (i: expanded.instances.${i}.moduleId) (attrNames mach.instances)
  ) expanded.machines;

  # Every module the machine gets for `class` ("nixos" or "darwin"): per service module id
  # (sorted), what the service gives it (service-results.nix).
  machineModules =
    m: class:
    map (
      id: located "nixInstances: service module '${id}' (machine ${m})" (cfg._internal.serviceResultOf id m).${class}
    ) machineServices.${m};

  # The machine's own files in the clan directory (clan-core's forName.nix; directory.nix),
  # before its services' modules, as in clan-core.
  directoryFiles = import ./clan-directory.nix { inherit lib; };
  machineFiles =
    m: class:
    let
      found = lib.optionals (cfg.readDirectory && cfg.directory != null) (
        directoryFiles.machineFiles (toString cfg.directory) m class
      );
    in
    lib.optional (found != [ ]) {
      _file = "nixInstances: the files of machine ${m} in nixInstances.directory";
      imports = found;
    };

  machineOutputs = mapAttrs (m: _: rec {
    nixosModules = machineFiles m "nixos" ++ machineModules m "nixos";
    darwinModules = machineFiles m "darwin" ++ machineModules m "darwin";
    nixosModule = {
      _file = "nixInstances: machine ${m}";
      imports = nixosModules;
    };
    darwinModule = {
      _file = "nixInstances: machine ${m}";
      imports = darwinModules;
    };
  }) cfg.machines;
in
{
  # `flake.nixInstances`: the per-machine modules and this flake's service modules.
  options.flake = mkOption {
    type = types.submoduleWith {
      modules = [
        {
          options.nixInstances = mkOption {
            type = types.lazyAttrsOf types.raw;
            readOnly = true;
            description = ''
              `machines.<m>.{nixosModule,darwinModule,nixosModules,darwinModules}`,
              `modules` (this flake's service modules) and `inventory` (for the
              nix-instances CLI), computed from `nixInstances`.
            '';
          };
        }
      ];
    };
  };

  config.flake.nixInstances = {
    machines = machineOutputs;
    inherit (cfg) modules;
    # for the nix-instances CLI (cli.nix)
    inventory = cfg.cliInventory;
  };
}
