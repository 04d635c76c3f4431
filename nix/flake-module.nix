# The flake-parts module of nix-instances (`flakeModules.default`): a clan-style inventory of
# machines, tags and service instances, expanded by `expandInstances` (docs/contract.md; the
# primop when the plugin is loaded, the pure-Nix twin otherwise), and turned into one NixOS
# (and nix-darwin) module per machine.
#
#   imports = [ inputs.nix-instances.flakeModules.default ];
#   nixInstances = {
#     machines.web1.tags = [ "web" ];
#     instances.hello = { module.name = "hello"; roles.server.tags.web = { }; };
#     modules.hello = { roles.server.perInstance = { settings, ... }: { nixosModule = …; }; };
#   };
#   # => flake.nixInstances.machines.web1.nixosModule
#
# Service modules are a subset of clan-core's `clan.service` modules: `manifest`,
# `roles.<r>.{description,interface,perInstance}`, `perMachine`, each producing `nixosModule`
# and `darwinModule`. See docs/nix-integration.md.
#
# `lib` comes from the module arguments (flake-parts passes nixpkgs' lib); no nixpkgs here.
{
  lib,
  config,
  inputs,
  ...
}:
let
  inherit (lib) mkOption types;
  inherit (builtins)
    attrNames
    concatMap
    elem
    filter
    head
    mapAttrs
    ;

  nil = import ./lib.nix;
  common = import ./internal/common.nix;

  cfg = config.nixInstances;

  # Option paths in messages, written like the expansion's (docs/contract.md): segments that
  # are not identifiers are quoted.
  at = path: common.showPath ([ "nixInstances" ] ++ path);

  located = file: m: lib.setDefaultModuleLocation file m;

  # ---------------------------------------------------------------------------------------
  # Option types of the inventory. Settings are deferred modules: several definitions merge
  # into one module, nothing is evaluated until a role interface evaluates them.

  settingsOption =
    what:
    mkOption {
      type = types.deferredModule;
      default = { };
      description = "Settings of ${what}: a module evaluated against the role's `interface`.";
    };

  tagEntry = types.submodule {
    options.settings = settingsOption "the machines with this tag";
  };

  roleType = types.submodule {
    options = {
      machines = mkOption {
        type = types.lazyAttrsOf (
          types.submodule {
            options.settings = settingsOption "this machine";
          }
        );
        default = { };
        description = "Machines in this role, by name.";
      };
      tags = mkOption {
        # `tags = [ "web" ]` is `tags.web = { }`, as in the contract.
        type = types.coercedTo (types.listOf types.str) (
          names: lib.genAttrs names (_: { })
        ) (types.lazyAttrsOf tagEntry);
        default = { };
        description = "Tags whose machines are in this role (a set of tag entries, or a list of tag names).";
      };
      settings = settingsOption "every machine of this role";
      extraModules = mkOption {
        type = types.listOf types.deferredModule;
        default = [ ];
        description = "Extra modules for every machine of this role (of the machine's class).";
      };
    };
  };

  instanceType = types.submodule (
    { name, ... }:
    {
      options = {
        module = {
          name = mkOption {
            type = types.str;
            default = name;
            defaultText = lib.literalExpression "<instance name>";
            description = "The service module's name in its source.";
          };
          input = mkOption {
            type = types.nullOr types.str;
            default = null;
            description = ''
              Where the service module comes from: `null` for this flake's
              `nixInstances.modules`, or the name of a flake input providing
              `nixInstances.modules` or `clan.modules`.
            '';
          };
        };
        roles = mkOption {
          type = types.lazyAttrsOf roleType;
          default = { };
          description = "Roles of the instance and their members.";
        };
      };
    }
  );

  machineType = types.submodule {
    freeformType = types.lazyAttrsOf types.raw;
    options = {
      tags = mkOption {
        type = types.listOf types.str;
        default = [ ];
        description = "Tags of the machine (besides the computed `all`, `nixos`, `darwin`).";
      };
      machineClass = mkOption {
        type = types.enum [
          "nixos"
          "darwin"
        ];
        default = "nixos";
        description = "Whether the machine runs NixOS or nix-darwin.";
      };
    };
  };

  # ---------------------------------------------------------------------------------------
  # Service modules (clan.service-like). Evaluated once per module id that an instance uses.

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

  # ---------------------------------------------------------------------------------------
  # Module references, resolved like clan-core: `input = null` is this flake's
  # `nixInstances.modules`, otherwise `inputs.<input>.nixInstances.modules` or
  # `inputs.<input>.clan.modules`.

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

  # ---------------------------------------------------------------------------------------
  # The expansion. Only the attributes of the contract are passed (not `_module` and other
  # submodule internals).

  expanded = builtins.addErrorContext "while expanding the inventory in nixInstances" (
    nil.expandInstances {
      machines = mapAttrs (_: m: { inherit (m) tags machineClass; }) cfg.machines;
      inherit (cfg) tags;
      instances = mapAttrs (_: inst: {
        module = { inherit (inst.module) name input; };
        roles = mapAttrs (_: role: {
          machines = mapAttrs (_: e: { inherit (e) settings; }) role.machines;
          tags = mapAttrs (_: e: { inherit (e) settings; }) role.tags;
          inherit (role) settings extraModules;
        }) inst.roles;
      }) cfg.instances;
      modules = validation;
    }
  );

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
  options.nixInstances = {
    machines = mkOption {
      type = types.lazyAttrsOf machineType;
      default = { };
      description = "The machines of the inventory.";
    };
    tags = mkOption {
      type = types.lazyAttrsOf (types.listOf types.str);
      default = { };
      description = "Extra tag memberships: tag name -> machine names.";
    };
    instances = mkOption {
      type = types.lazyAttrsOf instanceType;
      default = { };
      description = "Service instances: which service module, and which machines in which roles.";
    };
    modules = mkOption {
      type = types.lazyAttrsOf types.deferredModule;
      default = { };
      description = ''
        This flake's service modules (clan.service-like), used by instances whose
        `module.input` is null, and exported as `flake.nixInstances.modules` so other flakes
        can use them with `module.input = "<this flake's input name>"`.
      '';
    };
    meta = mkOption {
      type = types.lazyAttrsOf types.raw;
      default = { };
      description = "Passed as `meta` to service modules, role interfaces, perInstance and perMachine.";
    };
    expanded = mkOption {
      type = types.raw;
      readOnly = true;
      default = expanded;
      defaultText = lib.literalMD "the result of `expandInstances` over `nixInstances`";
      description = "The raw expansion (docs/contract.md), for inspection.";
    };
  };

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
