# nixInstances: the inventory options (`machines`, `tags`, `instances`, `meta`) and their
# expansion (`nixInstances.expanded`, docs/contract.md), validated against the service
# modules that service-modules.nix resolves.
{
  lib,
  config,
  options,
  ...
}:
let
  inherit (lib) mkOption types;
  inherit (builtins) mapAttrs;

  nil = import ../lib.nix;

  cfg = config.nixInstances;

  # ---------------------------------------------------------------------------------------
  # Option types of the inventory (inventory-types.nix): records and attribute sets that
  # merge like submodules, without an `evalModules` per entry. Settings are deferred modules:
  # several definitions merge into one module, nothing is evaluated until a role interface
  # evaluates them.

  it = import ./inventory-types.nix { inherit lib; };

  field = type: default: { inherit type; default = _: default; };

  # clan-core's settings (`clanLib.types.uniqueDeferredSerializableModule`) take one
  # definition: a role's, a machine's or a tag's settings defined in two places (after
  # `mkIf`/`mkOverride`) is an error, not a merge.
  uniqueDeferredModule = types.deferredModule // {
    merge =
      loc: defs:
      if builtins.length defs == 1 then
        types.deferredModule.merge loc defs
      else
        throw "The option `${lib.showOption loc}' is defined multiple times while it's expected to be unique (as in clan-core: settings are one module; write them in one place, or give all but one definition a lower priority with lib.mkDefault).\nDefinition values:${lib.options.showDefs defs}";
  };

  settings = field (it.leaf uniqueDeferredModule) { };

  entry = it.record "settings entry" { inherit settings; } false;

  roleType = it.record "role" {
    machines = field (it.attrsOf entry) { };
    # `tags = [ "web" ]` is `tags.web = { }`, as in the contract.
    tags = field (it.namesOrAttrsOf entry) { };
    inherit settings;
    extraModules = field (types.listOf types.deferredModule) [ ];
  } false;

  moduleRefType = it.record "module reference" {
    name = {
      type = it.leaf types.str;
      default = loc: lib.elemAt loc (builtins.length loc - 2); # the instance's name
    };
    # Where the service module comes from, as in clan-core: `null` for clan-core's modules
    # (`nixInstances.clanCore`, by default `inputs.clan-core`), `"self"` for this flake's
    # `nixInstances.modules`, or the name of a flake input providing `clan.modules` or
    # `nixInstances.modules`.
    input = field (it.leaf (types.nullOr types.str)) null;
  } false;

  instanceType = it.record "instance" {
    module = {
      type = moduleRefType;
      default = loc: moduleRefType.merge (loc ++ [ "module" ]) [ ];
    };
    roles = field (it.attrsOf roleType) { };
  } false;

  # A machine, typed as clan-core types `inventory.machines.<m>` (modules/inventoryClass/
  # inventory.nix): no other attributes; `deploy` is checked whenever the machine is read,
  # as clan-core's submodule checks its definitions (its values stay lazy).
  nullOrStr = field (it.leaf (types.nullOr types.str)) null;
  deployType = it.record "deploy" {
    targetHost = nullOrStr;
    buildHost = nullOrStr;
    forwardAgent = field (it.leaf (types.nullOr types.bool)) null;
  } false;
  machineRecord = it.record "machine" {
    name = {
      type = it.leaf types.str;
      default = lib.last; # the machine's attribute name
    };
    description = nullOrStr;
    icon = nullOrStr;
    machineClass = field (it.leaf (types.enum [
      "nixos"
      "darwin"
    ])) "nixos";
    tags = field it.strings [ ];
    installedAt = field (it.leaf (types.nullOr types.int)) null;
    deploy = {
      type = deployType;
      default = loc: deployType.merge (loc ++ [ "deploy" ]) [ ];
    };
  } false;
  withDeploy = m: builtins.seq m.deploy m;
  # The usual `deploy` (absent, or a plain set of known attributes) needs no merge to be
  # checked: one `removeAttrs` per machine, not a record merge.
  plainDeploy =
    v:
    !(v ? deploy)
    || (
      builtins.isAttrs v.deploy
      && !(v.deploy ? _type)
      && removeAttrs v.deploy [
        "buildHost"
        "forwardAgent"
        "targetHost"
      ] == { }
    );
  machineType = machineRecord // {
    merge = loc: defs: withDeploy (machineRecord.merge loc defs);
    fast =
      loc: file: v:
      let
        m = machineRecord.fast loc file v;
      in
      if builtins.isAttrs v && plainDeploy v then m else withDeploy m;
  };

  # Tags, as clan-core types `inventory.tags`: a module with `machines` as an argument, free-form
  # tag lists, and the computed tags as options whose defaults may be replaced.
  tagsType = types.submoduleWith {
    specialArgs.machines = cfg.machines;
    modules = [
      {
        # `it.strings`: a list defined once is checked with one `all isString`, not merged
        # item by item (the computed `all` has every machine).
        freeformType = types.lazyAttrsOf it.strings;
        options = lib.mapAttrs (
          tag: pred:
          mkOption {
            type = it.strings;
            default =
              if tag == "all" then builtins.attrNames cfg.machines else builtins.attrNames (lib.filterAttrs (_: pred) cfg.machines);
            defaultText = lib.literalMD "the ${if tag == "all" then "" else "${tag} "}machines";
            description = "The `${tag}` tag's machines (computed unless set).";
          }
        ) {
          all = _: true;
          nixos = m: m.machineClass == "nixos";
          darwin = m: m.machineClass == "darwin";
        };
      }
    ];
  };

  # ---------------------------------------------------------------------------------------
  # The expansion: it does the structural work (and checks the cross references).

  input = {
    # The merged records have the contract's shape (machines keep their other attributes,
    # which the expansion ignores and never forces); module references canonical
    # (service-modules.nix). Also what the CLI reads (cli.nix).
    inherit (cfg) machines tags;
    instances = builtins.mapAttrs (i: inst: inst // { module = cfg._internal.refs.${i}; }) cfg.instances;
    modules = cfg._internal.serviceValidation;
  };

  attempt = builtins.tryEval (nil.expandInstances input);

  # The expansion's errors name paths inside its argument (`instances.web.roles.server`);
  # here they name the option (`nixInstances.instances.web.roles.server`) and the files that
  # define it. Only when the expansion failed: the twin, whose errors are the primop's
  # (docs/contract.md), runs again on the same argument with those paths. (Should it succeed
  # where the expansion failed, the expansion's own error is raised.)
  locatedError =
    let
      files = import ./definition-files.nix { inherit lib; };
      # `modules` is not written by the user (it comes from the service modules).
      whereOf =
        path:
        if path != [ ] && builtins.elem (builtins.head path) [ "machines" "tags" "instances" ] then
          files.definedIn options.nixInstances.${builtins.head path} (builtins.tail path)
        else
          "";
      located = import ../internal/expand-instances.nix {
        pathOf = path: [ "nixInstances" ] ++ path;
        inherit whereOf;
      };
    in
    builtins.seq (located input) (nil.expandInstances input);

  # clan-core's `inventory.services` was removed (`mkRemovedOptionModule`); a clan moved here
  # with it must not lose its services silently.
  servicesDefined = options.nixInstances.services.isDefined;
  servicesError = "The option definition `nixInstances.services' in ${
    lib.concatMapStringsSep ", " (f: "`${f}'") options.nixInstances.services.files
  } has no effect; please remove it. ${servicesHelp}";
  servicesHelp = "nixInstances has no `services`: clan-core removed its `inventory.services` in favour of `inventory.instances`; write `nixInstances.instances` instead. See: https://clan.lol/docs/guides/migrations/migrate-inventory-services";

  # Forcing `warnings` makes the twin print them (the primop printed them already): an
  # unmatched role tag reaches the user whenever a machine's module is evaluated, with or
  # without the plugin, once.
  expanded = builtins.addErrorContext "while expanding the inventory in nixInstances" (
    if servicesDefined then
      throw servicesError
    else if attempt.success then
      builtins.seq attempt.value.warnings attempt.value
    else
      locatedError
  );
in
{
  options.nixInstances = {
    machines = mkOption {
      type = it.attrsOf machineType;
      default = { };
      description = "The machines of the inventory.";
    };
    tags = mkOption {
      type = tagsType;
      default = { };
      description = ''
        Extra tag memberships: tag name -> machine names. A module, as clan-core's
        `inventory.tags`: it may be a function of `machines` (the inventory's machines) and
        `config` (the tags, including the computed `all`, `nixos` and `darwin`), e.g.
        `{ machines, ... }: { backup = builtins.attrNames machines; }`. Setting `all`,
        `nixos` or `darwin` replaces the computed list.
      '';
    };
    instances = mkOption {
      type = it.attrsOf instanceType;
      default = { };
      description = "Service instances: which service module, and which machines in which roles.";
    };
    meta = mkOption {
      type = types.lazyAttrsOf types.raw;
      default = { };
      description = "Passed as `meta` to service modules, role interfaces, perInstance and perMachine.";
    };
    _internal.input = mkOption {
      type = types.raw;
      readOnly = true;
      internal = true;
      default = input;
      description = "The inventory as the expansion reads it (machines, tags, instances, modules).";
    };
    services = mkOption {
      type = types.raw;
      visible = false;
      description = "Not an option: clan-core's removed `inventory.services`; an error when defined.";
      apply = _: throw "The option `nixInstances.services' does not exist. ${servicesHelp}";
    };
    expanded = mkOption {
      type = types.raw;
      readOnly = true;
      default = expanded;
      defaultText = lib.literalMD "the result of `expandInstances` over `nixInstances`";
      description = "The raw expansion (docs/contract.md), for inspection.";
    };
  };
}
