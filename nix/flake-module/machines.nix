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

  # Per machine, the service module ids it uses (sorted: clan-core's order).
  machineServices = mapAttrs (
    _: mach:
    attrNames (
      builtins.listToAttrs (
        map (i: {
          name = expanded.instances.${i}.moduleId;
          value = null;
        }) (attrNames mach.instances)
      )
    )
  ) expanded.machines;

  # Every module the machine gets for `class` ("nixos" or "darwin"): per service module id
  # (sorted), what the service gives it (service-results.nix).
  machineModules =
    m: class:
    map (
      id: located "nixInstances: service module '${id}' (machine ${m})" (cfg._internal.serviceResultOf id m).${class}
    ) machineServices.${m};

  machineOutputs = mapAttrs (m: _: rec {
    nixosModules = machineModules m "nixos";
    darwinModules = machineModules m "darwin";
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
              `machines.<m>.{nixosModule,darwinModule,nixosModules,darwinModules}` and
              `modules` (this flake's service modules), computed from `nixInstances`.
            '';
          };
        }
      ];
    };
  };

  config.flake.nixInstances = {
    machines = machineOutputs;
    inherit (cfg) modules;
  };
}
