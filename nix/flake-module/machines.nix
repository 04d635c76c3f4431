# nixInstances: per-machine assembly. From the expansion, each machine's settings (evaluated
# against the role interfaces), perInstance and perMachine results and extraModules, in a
# fixed order, as `flake.nixInstances.machines.<m>.{nixosModule,darwinModule,nixosModules,
# darwinModules}`. Everything here is lazy per machine: evaluating one machine's module
# evaluates only that machine's settings and service results.
{ lib, config, ... }:
let
  inherit (lib) mkOption types;
  inherit (builtins)
    attrNames
    concatMap
    filter
    mapAttrs
    ;

  common = import ../internal/common.nix;

  cfg = config.nixInstances;
  inherit (cfg) expanded services;

  # Option paths in messages, written like the expansion's (docs/contract.md).
  at = path: common.showPath ([ "nixInstances" ] ++ path);

  located = file: m: lib.setDefaultModuleLocation file m;

  resultModule = {
    options.nixosModule = mkOption {
      type = types.deferredModule;
      default = { };
      description = "A NixOS module for the machine.";
    };
    options.darwinModule = mkOption {
      type = types.deferredModule;
      default = { };
      description = "A nix-darwin module for the machine.";
    };
  };

  serviceOf = i: services.${expanded.instances.${i}.moduleId};

  # Settings, evaluated like clan-core: the role's interface, the role's settings, then the
  # machine's settings imports (its explicit entry, then its tags' entries). `machine = null`
  # evaluates the role's settings alone.
  evalSettings =
    i: r: machine:
    let
      role = expanded.instances.${i}.roles.${r};
      rolePath = [
        "instances"
        i
        "roles"
        r
      ];
    in
    lib.evalModules {
      prefix =
        [ "nixInstances" ]
        ++ rolePath
        ++ lib.optionals (machine != null) [
          "machines"
          machine
        ]
        ++ [ "settings" ];
      specialArgs.meta = cfg.meta;
      modules =
        [
          (located "service module '${expanded.instances.${i}.moduleId}', roles.${r}.interface" (serviceOf i).config.roles.${r}.interface)
          (located (at (rolePath ++ [ "settings" ])) role.settings)
        ]
        ++ lib.optional (machine != null) (
          located (at (rolePath ++ [ "machines" machine "settings" ]) + " (machine and tag settings)") role.machines.${machine}.settings
        );
    };

  settingsEvals = mapAttrs (
    i: inst:
    mapAttrs (r: role: {
      role = evalSettings i r null;
      machines = mapAttrs (m: _: evalSettings i r m) role.machines;
    }) inst.roles
  ) expanded.instances;

  # Evaluated settings as services see them: without the module system's `_module`, so that
  # e.g. `builtins.toJSON settings` works.
  settingsOf = ev: removeAttrs ev.config [ "_module" ];

  # The `roles` argument of perInstance and (per instance) of perMachine.
  rolesOf =
    i:
    mapAttrs (_: e: {
      settings = settingsOf e.role;
      machines = mapAttrs (_: ev: { settings = settingsOf ev; }) e.machines;
    }) settingsEvals.${i};

  runPerInstance =
    i: r: m:
    let
      ev = settingsEvals.${i}.${r}.machines.${m};
    in
    (lib.evalModules {
      specialArgs = {
        instanceName = i;
        roles = rolesOf i;
        machine = {
          name = m;
          roles = expanded.machines.${m}.instances.${i}.roles;
        };
        settings = settingsOf ev;
        extendSettings = extra: settingsOf (ev.extendModules { modules = lib.toList extra; });
        meta = cfg.meta;
      };
      modules = [
        resultModule
        (located "service module '${expanded.instances.${i}.moduleId}', roles.${r}.perInstance" (serviceOf i).config.roles.${r}.perInstance)
      ];
    }).config;

  runPerMachine =
    id: m: instances:
    (lib.evalModules {
      specialArgs = {
        machine = {
          name = m;
          roles = lib.unique (
            builtins.sort builtins.lessThan (concatMap (i: expanded.machines.${m}.instances.${i}.roles) instances)
          );
        };
        instances = lib.genAttrs instances (i: {
          roles = rolesOf i;
        });
        settings = throw "nixInstances: perMachine has no 'settings' argument: settings belong to a role; use `instances.<i>.roles.<r>.machines.<m>.settings`, or roles.<r>.perInstance";
        meta = cfg.meta;
      };
      modules = [
        resultModule
        (located "service module '${id}', perMachine" services.${id}.config.perMachine)
      ];
    }).config;

  # Per machine, the service module ids it uses (sorted), each with its instances the machine
  # is in (sorted).
  machinePlans = mapAttrs (
    _: mach:
    let
      mine = attrNames mach.instances;
      ids = lib.unique (builtins.sort builtins.lessThan (map (i: expanded.instances.${i}.moduleId) mine));
    in
    map (id: {
      inherit id;
      instances = filter (i: expanded.instances.${i}.moduleId == id) mine;
    }) ids
  ) expanded.machines;

  # perInstance / perMachine results, each evaluated once (the NixOS and darwin lists share them).
  perInstanceResults = mapAttrs (
    i: inst: mapAttrs (r: role: mapAttrs (m: _: runPerInstance i r m) role.machines) inst.roles
  ) expanded.instances;

  perMachineResults = mapAttrs (
    m: plan: builtins.listToAttrs (map (p: lib.nameValuePair p.id (runPerMachine p.id m p.instances)) plan)
  ) machinePlans;

  # Every module the machine gets for `class` ("nixos" or "darwin"), per service module id
  # (sorted): its perMachine result, then for each of its instances the machine is in
  # (sorted) and each role (sorted) the perInstance result, then (for the machine's own class)
  # the role's extraModules.
  machineModules =
    m: class:
    let
      attr = "${class}Module";
      ownClass = cfg.machines.${m}.machineClass == class;
    in
    concatMap (
      p:
      [ (located "nixInstances: service module '${p.id}', perMachine (machine ${m})" perMachineResults.${m}.${p.id}.${attr}) ]
      ++ concatMap (
        i:
        concatMap (
          r:
          let
            where = at [
              "instances"
              i
              "roles"
              r
            ];
          in
          [ (located "${where}: perInstance (machine ${m})" perInstanceResults.${i}.${r}.${m}.${attr}) ]
          ++ lib.optionals ownClass (
            lib.imap0 (
              k: located "${where}.extraModules[${toString k}] (machine ${m})"
            ) expanded.instances.${i}.roles.${r}.extraModules
          )
        ) expanded.machines.${m}.instances.${i}.roles
      ) p.instances
    ) machinePlans.${m};

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
