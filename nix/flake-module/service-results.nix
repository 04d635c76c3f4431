# nixInstances: what the service modules give each machine, as clan-core's framework computes
# it. Settings evaluated against the role interface; perInstance run per (instance, role,
# member machine) and perMachine per machine of the service, with the arguments clan-core
# gives them; their exports collected into the service's `exports` and all services' exports
# merged into `nixInstances.exports`; and per (module id, machine) the NixOS and nix-darwin
# module (`nixInstances._internal.serviceResults.<id>.<m>.{nixos,darwin}`), ordered like clan-core's:
# the service's warnings, perMachine, then per role and instance the perInstance result with
# the role's extraModules.
#
# Everything here is lazy per machine: one machine's module evaluates only that machine's
# settings and results (unless a service reads `exports`, which are everyone's).
{
  lib,
  config,
  options,
  ...
}:
let
  inherit (lib) mkOption types;
  inherit (builtins) attrNames mapAttrs;

  common = import ../internal/common.nix;
  scope = import ./scope-keys.nix { inherit lib; };

  # The internal options (`nixInstances._internal`, here and in service-modules.nix) read
  # like the others.
  cfg = config.nixInstances // config.nixInstances._internal;
  inherit (cfg) expanded services;

  at = path: common.showPath ([ "nixInstances" ] ++ path);

  located = file: m: lib.setDefaultModuleLocation file m;

  idOf = i: expanded.instances.${i}.moduleId;
  clanIds = import ./clan-ids.nix { inherit lib; } cfg;

  # [ "b" "a" "b" ] -> { a = null; b = null; } (its names: sorted, each once).
  setOf = names: builtins.listToAttrs (map (n: lib.nameValuePair n null) names);
  nameOf = id: services.${id}.config.manifest.name;

  # ---------------------------------------------------------------------------------------
  # Settings: per instance, role and member, evaluated against the role interface, each
  # distinct evaluation once (./settings.nix); `role`: the role's settings alone.
  settingsEvals = import ./settings.nix { inherit lib cfg; };

  # The `roles` argument of perInstance and (per instance) of perMachine.
  rolesOf =
    i:
    mapAttrs (_: e: {
      settings = e.role.config;
      machines = mapAttrs (_: ev: { settings = ev.config; }) e.machines;
    }) settingsEvals.${i};

  # Once per instance, shared by its perInstance and perMachine runs.
  instanceRoles = mapAttrs (i: _: rolesOf i) settingsEvals;

  # perInstance per (module id, role) and perMachine per module id, ready to run with their
  # arguments (./service-runs.nix: `evalModules`, or the plain module applied directly).
  runResult = import ./service-runs.nix { inherit lib; };
  perInstanceRunners = mapAttrs (
    id: svc:
    mapAttrs (
      r: role:
      runResult {
        file = "service module '${id}', roles.${r}.perInstance";
        module = role.perInstance;
      }
    ) svc.config.roles
  ) services;
  perMachineRunners = mapAttrs (
    id: svc:
    runResult {
      file = "service module '${id}', perMachine";
      module = svc.config.perMachine;
    }
  ) services;

  # ---------------------------------------------------------------------------------------
  # perInstance and perMachine.

  runPerInstance =
    i: r: m:
    let
      ev = settingsEvals.${i}.${r}.machines.${m};
      id = idOf i;
      roles = instanceRoles.${i};
    in
    perInstanceRunners.${id}.${r} {
        instanceName = i;
        inherit roles;
        machine = {
          name = m;
          # Sorted (the expansion's list).
          roles = expanded.machines.${m}.instances.${i}.roles;
        };
        settings = ev.config;
        extendSettings = extra: (ev.extendModules { modules = lib.toList extra; }).config;
        mkExports = v: {
          ${scope.buildScopeKey {
            serviceName = nameOf id;
            instanceName = i;
            roleName = r;
            machineName = m;
          }} = v;
        };
        inherit (cfg) exports;
        meta = cfg.serviceMeta;
      };

  # The instances of module `id` that machine `m` is in, in name order.
  instancesOn = id: m: instancesById.${m}.${id} or [ ];
  instancesById = mapAttrs (_: mach: builtins.groupBy idOf (attrNames mach.instances)) expanded.machines;

  # A perMachine nobody defined (only its default) gives nothing: skip its evalModules, once
  # per (service, machine).
  emptyResult = {
    exports = { };
    nixosModule = { };
    darwinModule = { };
  };

  runPerMachine =
    id: m:
    if services.${id}.options.perMachine.highestPrio >= (lib.mkOptionDefault { }).priority then
      emptyResult
    else
    let
      instances = instancesOn id m;
      scoped = lib.genAttrs instances (i: {
        roles = instanceRoles.${i};
      });
    in
    perMachineRunners.${id} {
        machine = {
          name = m;
          # Sorted, each once (clan-core's `lib.uniqueStrings`).
          roles = attrNames (setOf (lib.concatMap (i: expanded.machines.${m}.instances.${i}.roles) instances));
        };
        instances = scoped;
        mkExports = v: {
          ${scope.buildScopeKey {
            serviceName = nameOf id;
            machineName = m;
          }} = v;
        };
        inherit (cfg) exports;
        settings = throw "nixInstances: perMachine has no 'settings' argument: settings belong to a role; use `instances.<i>.roles.<r>.machines.<m>.settings`, or roles.<r>.perInstance";
        meta = cfg.serviceMeta;
      };

  # perInstance results by instance, role, machine; perMachine results by module id, machine.
  perInstanceResults = mapAttrs (
    i: inst: mapAttrs (r: role: mapAttrs (m: _: runPerInstance i r m) role.machines) inst.roles
  ) expanded.instances;

  # The machines in any instance of module `id`, as a set (values null).
  machinesOf =
    id:
    # The union of the role members' sets, natively (`lib.unique` is quadratic: minutes at
    # 5,000 machines).
    builtins.zipAttrsWith (_: _: null) (
      lib.concatMap (i: map (role: role.machines) (builtins.attrValues expanded.instances.${i}.roles)) expanded.modules.${id}
    );

  # Keyed by every machine (lazily; only the service's machines are ever read), so that one
  # machine's result does not compute the service's machines.
  perMachineResults = mapAttrs (id: _: mapAttrs (m: _: runPerMachine id m) expanded.machines) services;

  # ---------------------------------------------------------------------------------------
  # Exports: what a service's perInstance and perMachine results export (each checked against
  # its scope) joins the service's own `exports` (service-modules.nix defines it there, as
  # clan-core does); all services' exports are merged by key, typed by the export interfaces
  # the exporting service names in `manifest.exports.out`.

  resultExports =
    id:
    let
      name = nameOf id;
      fromMachines = lib.mapAttrsToList (
        m: _:
        scope.checkExports {
          serviceName = name;
          machineName = m;
          context = "service '${name}', perMachine of machine '${m}'";
        } perMachineResults.${id}.${m}.exports
      ) (machinesOf id);
      fromInstances = lib.concatMap (
        i:
        lib.concatLists (
          lib.mapAttrsToList (
            r: ms:
            lib.mapAttrsToList (
              m: res:
              scope.checkExports {
                serviceName = name;
                instanceName = i;
                roleName = r;
                machineName = m;
                context = "service '${name}', perInstance of instance '${i}', role '${r}', machine '${m}'";
              } res.exports
            ) ms
          ) perInstanceResults.${i}
        )
      ) expanded.modules.${id};
    in
    lib.zipAttrsWith (_: defs: { imports = defs; }) (fromMachines ++ fromInstances);

  interfaces = mapAttrs (n: v: {
    options.${n} = mkOption {
      type = types.nullOr (types.submodule v);
      default = null;
    };
  }) cfg.exportInterfaces;

  mergedExports =
    let
      perService = mapAttrs (_: svc: svc.config.exports) services;
      manifests = lib.zipAttrsWith (_: ms: builtins.head ms) (
        lib.mapAttrsToList (id: ex: mapAttrs (_: _: services.${id}.config.manifest) ex) perService
      );
    in
    lib.zipAttrsWith (
      key: defs:
      let
        manifest = manifests.${key};
        available = common.joinNames (attrNames interfaces);
        enabled = map (
          t:
          interfaces.${t}
            or (throw "nixInstances: service '${manifest.name}' exports through the interface '${t}' (manifest.exports.out), which does not exist${common.didYouMean t (attrNames interfaces)}; interfaces: ${available}")
        ) manifest.exports.out;
        checked = scope.checkScope {
          serviceName = manifest.name;
          context = "service '${manifest.name}' may export only under its own name";
        } key;
      in
      builtins.seq checked (
        if manifest.exports.out == [ ] then
          throw "nixInstances: service '${manifest.name}' exports \"${key}\" but names no export interface in `manifest.exports.out`; interfaces: ${available}"
        else
          { imports = defs ++ enabled; }
      )
    ) (builtins.attrValues perService);

  # ---------------------------------------------------------------------------------------
  # Per (module id, machine): the NixOS and nix-darwin modules, like clan-core's.

  # The service's warnings (roles without description, no readme) and failed assertions
  # (role interfaces that clan-core's `clanLib.jsonschema` cannot convert; checked only when
  # clan-core's library is there), once per service.
  serviceChecks = mapAttrs (
    id: svc:
    let
      c = svc.config;
      clanLib = cfg.clanCore.clanLib or null;
      schemaOk =
        interface:
        (builtins.tryEval (
          builtins.deepSeq (clanLib.jsonschema.fromModule {
            typePrefix = "";
            input = true;
            output = false;
            specialArgs.meta = cfg.serviceMeta;
          } interface) true
        )).success;
    in
    {
      # Worded with the input as the instances write it (`<clan-core>` for null), as
      # clan-core words them per service (clan-ids.nix).
      warningsFor =
        label:
        let
          canonicalName = "${label}/${c.module.name}";
        in
        lib.concatLists (
          lib.mapAttrsToList (
            r: role: lib.optional (role.description == null) "Missing description for role '${r}' of clanService '${canonicalName}'"
          ) c.roles
        )
        ++ lib.optional (c.manifest.readme == null || c.manifest.readme == "") "Missing manifest.readme for clanService '${canonicalName}'";
      assertions = lib.optionals (clanLib != null && clanLib ? jsonschema.fromModule) (
        lib.concatLists (
          lib.mapAttrsToList (
            r: role:
            lib.optional (!schemaOk role.interface) {
              assertion = false;
              message = "`roles.${r}.interface` of clan.service module '${c.manifest.name}' is not JSON serializable: clan.service role interfaces must be a subset of JSON (module id '${id}')";
            }
          ) c.roles
        )
      );
    }
  ) services;

  # Role extraModules as clan-core takes them: a string is a path under `directory`.
  extraModule =
    i: r: k: m:
    if builtins.isString m then
      lib.warn "nixInstances: a string in instances.${i}.roles.${r}.extraModules is read as ${cfg.directory}/${m}; write a path or a module" "${cfg.directory}/${m}"
    else
      located "${
        at [
          "instances"
          i
          "roles"
          r
          "extraModules"
        ]
      }[${toString k}]" m;

  machineResult =
    id: m:
    let
      svc = services.${id};
      name = svc.config.manifest.name;
      mine = instancesOn id m;
      ownClass = class: (cfg.machines.${m}.machineClass or "nixos") == class;
      # Per role of the service (name order), per instance (name order) the machine is in
      # with that role: its perInstance result and the role's extraModules.
      instanceModules =
        class:
        lib.concatMap (
          r:
          lib.concatMap (
            i:
            let
              role = expanded.instances.${i}.roles.${r} or null;
            in
            lib.optional (role != null && role.machines ? ${m}) (
              located "Via instances.${i}.roles.${r}.machines.${m}" {
                imports =
                  [ perInstanceResults.${i}.${r}.${m}."${class}Module" ]
                  ++ lib.optionals (ownClass class) (lib.imap0 (extraModule i r) role.extraModules);
              }
            )
          ) mine
        ) (attrNames svc.config.roles);
      perMachine = class: located "Via ${name}.perMachine - machine='${m}';" perMachineResults.${id}.${m}."${class}Module";
    in
    {
      nixos = {
        imports = [
          (located "nixInstances: warnings and assertions of service module '${id}'" {
            # Once per clan-core id of the machine's instances of the module.
            warnings = lib.concatMap serviceChecks.${id}.warningsFor (clanIds.writtenLabels mine);
            inherit (serviceChecks.${id}) assertions;
          })
          (perMachine "nixos")
        ] ++ instanceModules "nixos";
      };
      darwin = {
        imports = [ (perMachine "darwin") ] ++ instanceModules "darwin";
      };
    };

  # clan-core's `meta`: its options' defaults under the inventory's `meta`, whose definitions
  # are evaluated here (a `mkIf false` one gives the option's default, as in clan-core).
  serviceMeta =
    (lib.evalModules {
      prefix = [
        "nixInstances"
        "meta"
      ];
      modules = [
        (
          { config, ... }:
          {
            freeformType = types.lazyAttrsOf types.raw;
            options = {
              name = mkOption {
                type = types.str;
                description = "The clan's name.";
              };
              description = mkOption {
                type = types.nullOr types.str;
                default = null;
              };
              icon = mkOption {
                type = types.nullOr types.str;
                default = null;
              };
              tld = mkOption {
                type = types.nullOr types.str;
                default = null;
              };
              domain = mkOption {
                type = types.str;
                default = if config.tld != null then config.tld else "clan";
              };
            };
          }
        )
      ]
      ++ map (d: {
        _file = d.file;
        config = d.value;
      }) options.nixInstances.meta.definitionsWithLocations;
    }).config;

  # clan-core's export interfaces, as its clan module declares them.
  clanCoreInterfaces =
    let
      clanModule = cfg.clanCore.modules.clan.default or null;
      ev = lib.evalModules {
        class = "clan";
        specialArgs = {
          self = throw "nixInstances: reading clan-core's export interfaces needed `self`";
          nixpkgs = throw "nixInstances: reading clan-core's export interfaces needed nixpkgs";
          nix-darwin = throw "nixInstances: reading clan-core's export interfaces needed nix-darwin";
        };
        modules = [ clanModule ];
      };
    in
    if clanModule == null then [ ] else ev.options.exportInterfaces.definitions;
in
{
  options.nixInstances = {
    exports = mkOption {
      type = types.lazyAttrsOf (types.submoduleWith { modules = [ ]; });
      readOnly = true;
      default = mergedExports;
      defaultText = lib.literalMD "every service's exports, merged by scope key";
      description = ''
        All services' exports, by scope key (`<service>:<instance>:<role>:<machine>`), each
        typed by the export interfaces its service names (`manifest.exports.out`). Service
        modules get it as `exports`.
      '';
    };
    _internal.resultExports = mkOption {
      type = types.raw;
      internal = true;
      readOnly = true;
      default = mapAttrs (id: _: resultExports id) services;
      description = "Per module id, what its perInstance and perMachine results export (scope key -> module).";
    };
    exportInterfaces = mkOption {
      type = types.attrsOf types.deferredModule;
      default = { };
      description = ''
        Export interfaces by name: the module each service's exports of that interface are
        checked against. clan-core's (`peer`, `networking`, …) when there is a clan-core flake.
      '';
    };
    _internal.serviceMeta = mkOption {
      type = types.raw;
      internal = true;
      readOnly = true;
      default = serviceMeta;
      description = "`meta` as service modules see it: `nixInstances.meta` with clan-core's defaults.";
    };
    _internal.serviceResultOf = mkOption {
      type = types.raw;
      internal = true;
      readOnly = true;
      default = machineResult;
      description = ''
        `id: m: { nixos; darwin; }`: `serviceResults.<id>.<m>` without computing the
        service's machines (what one machine's modules need).
      '';
    };
    _internal.serviceResults = mkOption {
      type = types.raw;
      internal = true;
      readOnly = true;
      default = mapAttrs (id: _: mapAttrs (m: _: machineResult id m) (machinesOf id)) services;
      description = "Per module id and machine, `{ nixos; darwin; }`: the modules the service gives the machine.";
    };
  };

  config.nixInstances.exportInterfaces = lib.mkMerge clanCoreInterfaces;
}
