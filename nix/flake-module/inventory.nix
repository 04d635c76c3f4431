# nixInstances: the inventory options (`machines`, `tags`, `instances`, `meta`) and their
# expansion (`nixInstances.expanded`, docs/contract.md), validated against the service
# modules that service-modules.nix resolves.
{ lib, config, ... }:
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

  settings = field (it.leaf types.deferredModule) { };

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

  machineType = it.record "machine" {
    tags = field it.strings [ ];
    machineClass = field (it.leaf (types.enum [
      "nixos"
      "darwin"
    ])) "nixos";
  } true;

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

  # The merged records have the contract's shape (machines keep their other attributes,
  # which the expansion ignores and never forces); module references canonical
  # (service-modules.nix). Also what the CLI reads (cli.nix).
  input = {
    inherit (cfg) machines tags;
    instances = builtins.mapAttrs (i: inst: inst // { module = cfg.refs.${i}; }) cfg.instances;
    modules = cfg.serviceValidation;
  };
  expanded = builtins.addErrorContext "while expanding the inventory in nixInstances" (
    nil.expandInstances input
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
    input = mkOption {
      type = types.raw;
      readOnly = true;
      internal = true;
      default = input;
      description = "The inventory as the expansion reads it (machines, tags, instances, modules).";
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
