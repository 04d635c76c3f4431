# nixInstances: service modules (clan.service-like). Their schema, `nixInstances.modules`
# (this flake's own), and how an instance's `module` reference resolves, like clan-core:
# `input = null` is this flake's `nixInstances.modules`, otherwise
# `inputs.<input>.nixInstances.modules` or `inputs.<input>.clan.modules`. Each module id an
# instance uses is evaluated once (`nixInstances.services`), and its roles and constraints
# are what the expansion validates instances against (`nixInstances.serviceValidation`).
{
  lib,
  config,
  inputs,
  ...
}:
let
  inherit (lib) mkOption types;
  inherit (builtins) attrNames head mapAttrs;

  common = import ../internal/common.nix;

  cfg = config.nixInstances;

  # Option paths in messages, written like the expansion's (docs/contract.md).
  at = path: common.showPath ([ "nixInstances" ] ++ path);

  located = file: m: lib.setDefaultModuleLocation file m;

  serviceSchema =
    { name }:
    {
      options = {
        manifest = mkOption {
          default = { };
          description = "Meta information about the service module.";
          type = types.submodule {
            freeformType = types.lazyAttrsOf types.raw;
            options = {
              name = mkOption {
                type = types.str;
                default = name;
                description = "The service's name.";
              };
              constraints.maxInstances = mkOption {
                type = types.nullOr types.int;
                default = null;
                description = "At most this many instances may use the module.";
              };
              constraints.roles = mkOption {
                default = { };
                description = "Per-role bounds on the number of machines of each instance.";
                type = types.attrsOf (
                  types.submodule {
                    options.minMachines = mkOption {
                      type = types.nullOr types.int;
                      default = null;
                    };
                    options.maxMachines = mkOption {
                      type = types.nullOr types.int;
                      default = null;
                    };
                  }
                );
              };
            };
          };
        };
        roles = mkOption {
          default = { };
          description = "The roles of the service; instances may use only these.";
          type = types.lazyAttrsOf (
            types.submodule {
              options = {
                description = mkOption {
                  type = types.nullOr types.str;
                  default = null;
                };
                interface = mkOption {
                  type = types.deferredModule;
                  default = { };
                  description = "Options of the role's settings.";
                };
                perInstance = mkOption {
                  type = types.deferredModule;
                  default = { };
                  description = ''
                    Evaluated for each (instance, member machine) with `instanceName`,
                    `settings`, `extendSettings`, `machine`, `roles` and `meta`; gives
                    `nixosModule` / `darwinModule`.
                  '';
                };
              };
            }
          );
        };
        perMachine = mkOption {
          type = types.deferredModule;
          default = { };
          description = ''
            Evaluated once for each machine that is in at least one instance of the service,
            with `machine`, `instances` and `meta`; gives `nixosModule` / `darwinModule`.
          '';
        };
      };
    };

  moduleIdOf =
    ref: (if ref.input == null then "<clan-core>" else ref.input) + "-" + ref.name;

  lookupModule =
    path: name: where: mods:
    if mods ? ${name} then
      mods.${name}
    else
      throw "${at path}: ${where} has no module named '${name}'${common.didYouMean name (attrNames mods)}; its modules: ${common.joinNames (attrNames mods)}";

  resolveModule =
    instanceName: ref:
    let
      path = [
        "instances"
        instanceName
        "module"
      ];
      input = inputs.${ref.input};
      hasModules = input ? nixInstances.modules || input ? clan.modules;
    in
    if ref.input == null then
      lookupModule (path ++ [ "name" ]) ref.name "nixInstances.modules" cfg.modules
    else if !(inputs ? ${ref.input}) then
      throw "${at (path ++ [ "input" ])}: no flake input named '${ref.input}'${common.didYouMean ref.input (attrNames inputs)}; inputs: ${common.joinNames (attrNames inputs)}"
    else if !hasModules then
      throw "${at (path ++ [ "input" ])}: flake input '${ref.input}' has no nixInstances.modules or clan.modules"
    else
      lookupModule (path ++ [ "name" ]) ref.name "flake input '${ref.input}'" (
        input.clan.modules or { } // input.nixInstances.modules or { }
      );

  # moduleId -> [ instance names ], from the definitions (the expansion needs the modules'
  # validation info first, so this cannot come from the expansion).
  instancesByModuleId = builtins.foldl' (
    acc: i:
    let
      id = moduleIdOf cfg.instances.${i}.module;
    in
    acc // { ${id} = acc.${id} or [ ] ++ [ i ]; }
  ) { } (attrNames cfg.instances);

  services = mapAttrs (
    id: instances:
    let
      i = head instances;
      ref = cfg.instances.${i}.module;
    in
    lib.evalModules {
      class = "clan.service";
      specialArgs.meta = cfg.meta;
      modules = [
        (serviceSchema { inherit (ref) name; })
        (located "nixInstances service module '${id}' (${
          at [
            "instances"
            i
            "module"
          ]
        })" (resolveModule i ref))
      ];
    }
  ) instancesByModuleId;

  # The `modules` argument of the expansion: what it validates instances against.
  validation = mapAttrs (_: svc: {
    roles = attrNames svc.config.roles;
    inherit (svc.config.manifest.constraints) maxInstances;
    constraints = mapAttrs (_: c: {
      inherit (c) minMachines maxMachines;
    }) svc.config.manifest.constraints.roles;
  }) services;
in
{
  options.nixInstances = {
    modules = mkOption {
      type = types.lazyAttrsOf types.deferredModule;
      default = { };
      description = ''
        This flake's service modules (clan.service-like), used by instances whose
        `module.input` is null, and exported as `flake.nixInstances.modules` so other flakes
        can use them with `module.input = "<this flake's input name>"`.
      '';
    };
    services = mkOption {
      type = types.raw;
      internal = true;
      readOnly = true;
      default = services;
      description = "The evaluated service modules in use, by module id (`evalModules` results).";
    };
    serviceValidation = mkOption {
      type = types.raw;
      internal = true;
      readOnly = true;
      default = validation;
      description = "The `modules` argument of the expansion: roles and constraints by module id.";
    };
  };
}
