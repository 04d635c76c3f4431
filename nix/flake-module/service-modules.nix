# nixInstances: service modules (clan-core's `clan.service` modules). Where an instance's
# `module` reference points, and each module id an instance uses evaluated once
# (`nixInstances._internal.services`) against clan-core's schema (./service-schema.nix), with what
# clan-core's framework gives a service module: `meta`, `exports`, `clanLib`, `directory`, and
# the service-level `instances` option. Its roles and constraints are what the expansion
# validates instances against (`nixInstances._internal.serviceValidation`).
#
# `module.input`, as in clan-core:
#   null (the default)  clan-core's modules: `nixInstances.clanCore.clan.modules`
#                       (`inputs.clan-core` unless set)
#   "self"              this flake's `nixInstances.modules`
#   "<input>"           that flake input's `clan.modules` or `nixInstances.modules`
# A reference through an input that is the clan-core flake itself is the same module as
# `input = null` (one module, one id).
{
  lib,
  config,
  options,
  inputs,
  self,
  ...
}:
let
  inherit (lib) mkOption types;
  inherit (builtins) attrNames head mapAttrs;

  common = import ../internal/common.nix;
  serviceSchema = import ./service-schema.nix { inherit lib; };

  cfg = config.nixInstances;

  # Option paths in messages, written like the expansion's (docs/contract.md).
  at = path: common.showPath ([ "nixInstances" ] ++ path);

  located = file: m: lib.setDefaultModuleLocation file m;

  # ---------------------------------------------------------------------------------------
  # Sources of service modules.

  inputModules = input: input.clan.modules or { } // input.nixInstances.modules or { };
  hasModules = input: input ? nixInstances.modules || input ? clan.modules;

  # The canonical reference: the clan-core input by its name is `input = null`. (By name,
  # so that no input is evaluated to find out.)
  canonical = ref: if ref.input != null && ref.input == cfg.clanCoreInput then ref // { input = null; } else ref;

  # A source of modules, by `input` value ("" for null): { what; write; modules; }. Only the
  # source an instance names is evaluated; the others only for an error message.
  sourceOf =
    key:
    if key == "" then
      {
        what = "clan-core's modules (module.input = null)";
        write = "remove `module.input` (or set it to null)";
        modules = inputModules cfg.clanCore;
      }
    else if key == "self" then
      {
        what = "this flake's nixInstances.modules (module.input = \"self\")";
        write = "set `module.input = \"self\"`";
        modules = cfg.modules;
      }
    else
      {
        what = "flake input '${key}' (module.input = \"${key}\")";
        write = "set `module.input = \"${key}\"`";
        modules = inputModules inputs.${key};
      };

  hasClanCore = cfg.clanCore != null && hasModules cfg.clanCore;

  keyOf = input: if input == null then "" else input;

  # "; it is in this flake's nixInstances.modules (…): set `module.input = "self"`", for
  # each other source that has the name, for error messages. Only this flake's modules and
  # clan-core's are looked at, not every input: an input that is offline, broken or expensive
  # must neither replace the user's error nor cost its evaluation. Each look is guarded: one
  # that throws finds nothing.
  elsewhere =
    name: here:
    let
      looks = k: (builtins.tryEval (k != here && (k != "" || hasClanCore) && (sourceOf k).modules ? ${name})).value;
      found = builtins.filter looks [
        ""
        "self"
      ];
    in
    lib.concatMapStrings (k: "; it is in ${(sourceOf k).what}: ${(sourceOf k).write}") found;

  resolveModule =
    instanceName: ref:
    let
      path = [
        "instances"
        instanceName
        "module"
      ];
      key = keyOf ref.input;
      # The files that wrote it (the instance's, when the attribute is left to its default).
      definedIn = attr: (import ./definition-files.nix { inherit lib; }).definedIn options.nixInstances.instances (lib.tail path ++ [ attr ]);
    in
    if ref.input == null && !hasClanCore then
      throw "${at (path ++ [ "input" ])}: module.input is null, which means clan-core's modules, but there is no clan-core flake (no `clan-core` input; set nixInstances.clanCore)${elsewhere ref.name ""}${definedIn "input"}"
    else if ref.input != null && ref.input != "self" && !(inputs ? ${ref.input}) then
      throw "${at (path ++ [ "input" ])}: no flake input named '${ref.input}'${common.didYouMean ref.input (attrNames inputs)}; inputs: ${common.joinNames (attrNames inputs)}${definedIn "input"}"
    else if ref.input != null && ref.input != "self" && !(hasModules inputs.${ref.input}) then
      throw "${at (path ++ [ "input" ])}: flake input '${ref.input}' has no nixInstances.modules or clan.modules${elsewhere ref.name key}${definedIn "input"}"
    else
      let
        source = sourceOf key;
      in
      if source.modules ? ${ref.name} then
        source.modules.${ref.name}
      else
        throw "${at (path ++ [ "name" ])}: ${source.what} has no module named '${ref.name}'${common.didYouMean ref.name (attrNames source.modules)}${elsewhere ref.name key}; its modules: ${common.joinNames (attrNames source.modules)}${definedIn "name"}";

  moduleIdOf = ref: (if ref.input == null then "<clan-core>" else ref.input) + "-" + ref.name;

  refs = mapAttrs (_: inst: canonical { inherit (inst.module) name input; }) cfg.instances;

  # moduleId -> [ instance names ], from the definitions (the expansion needs the modules'
  # validation info first, so this cannot come from the expansion).
  instancesByModuleId = builtins.foldl' (
    acc: i:
    let
      id = moduleIdOf refs.${i};
    in
    acc // { ${id} = acc.${id} or [ ] ++ [ i ]; }
  ) { } (attrNames cfg.instances);

  # The service-level `instances` option: each instance of the module as the expansion
  # resolved it (members, with their settings modules unevaluated).
  instancesOf =
    instances:
    lib.genAttrs instances (
      i:
      let
        inst = cfg.expanded.instances.${i};
      in
      {
        roles = mapAttrs (_: role: {
          machines = mapAttrs (_: e: { inherit (e) settings; }) role.machines;
          inherit (role) settings extraModules;
        }) inst.roles;
      }
    );

  services = mapAttrs (
    id: instances:
    let
      i = head instances;
      ref = refs.${i};
    in
    lib.evalModules {
      class = "clan.service";
      specialArgs = {
        inherit (cfg) directory exports;
        # clan-core's `inventory.meta`: with its defaults (service-results.nix).
        meta = cfg._internal.serviceMeta;
        clanLib =
          cfg.clanCore.clanLib
            or (throw "nixInstances: service module '${id}' reads `clanLib`, clan-core's library, but there is no clan-core flake (add a `clan-core` input, or set nixInstances.clanCore)");
      };
      modules = [
        (located "nixInstances: the clan.service schema" (serviceSchema { inherit (ref) name; }))
        (located "nixInstances: the instances of service module '${id}'" {
          # As clan-core: the first instance's reference as written (`input = "clan-core"`
          # stays so; clan-ids.nix).
          module = { inherit (cfg.instances.${i}.module) name input; };
          instances = instancesOf instances;
          # What its perInstance and perMachine results export (service-results.nix).
          exports = cfg._internal.resultExports.${id};
          # As clan-core: the module id as `name`, and its error context.
          _module.args = {
            name = id;
            _ctx = [ id ];
          };
        })
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
      type = types.attrsOf types.deferredModule;
      default = { };
      description = ''
        This flake's service modules (clan.service modules), used by instances with
        `module.input = "self"`, and exported as `flake.nixInstances.modules` so that other
        flakes can use them with `module.input = "<this flake's input name>"`.
      '';
    };
    clanCoreInput = mkOption {
      type = types.nullOr types.str;
      default = "clan-core";
      description = ''
        The name of the flake input that is clan-core. `module.input = "<this name>"` is the
        same module as `module.input = null` (one module, one id).
      '';
    };
    clanCore = mkOption {
      type = types.nullOr (types.lazyAttrsOf types.raw);
      default = if cfg.clanCoreInput != null then inputs.${cfg.clanCoreInput} or null else null;
      defaultText = lib.literalExpression "inputs.\${config.nixInstances.clanCoreInput} or null";
      description = ''
        The clan-core flake: its `clan.modules` are the modules of `module.input = null`,
        its `clanLib` is what service modules get as `clanLib`, and its export interfaces
        type `exports`. `null`: no clan-core (then every instance names its `module.input`).
      '';
    };
    directory = mkOption {
      type = types.raw;
      default = toString self;
      defaultText = lib.literalExpression "toString self";
      description = "The clan's directory, passed to service modules as `directory` (where `clanLib.getPublicValue` reads vars).";
    };
    _internal.refs = mkOption {
      type = types.raw;
      internal = true;
      readOnly = true;
      default = refs;
      description = "Each instance's `module` reference, canonical: `{ name; input; }`.";
    };
    _internal.services = mkOption {
      type = types.raw;
      internal = true;
      readOnly = true;
      default = services;
      description = "The evaluated service modules in use, by module id (`evalModules` results).";
    };
    _internal.serviceValidation = mkOption {
      type = types.raw;
      internal = true;
      readOnly = true;
      default = validation;
      description = "The `modules` argument of the expansion: roles and constraints by module id.";
    };
  };
}
