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
              Where the service module comes from, as in clan-core: `null` for clan-core's
              modules (`nixInstances.clanCore`, by default `inputs.clan-core`), `"self"` for
              this flake's `nixInstances.modules`, or the name of a flake input providing
              `clan.modules` or `nixInstances.modules`.
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

  # Tags, as clan-core types `inventory.tags`: a module with `machines` as an argument, free-form
  # tag lists, and the computed tags as options whose defaults may be replaced.
  tagsType = types.submoduleWith {
    specialArgs.machines = cfg.machines;
    modules = [
      {
        freeformType = types.lazyAttrsOf (types.listOf types.str);
        options = lib.mapAttrs (
          tag: pred:
          mkOption {
            type = types.listOf types.str;
            default = builtins.attrNames (lib.filterAttrs (_: pred) cfg.machines);
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
  # The expansion. Only the attributes of the contract are passed (not `_module` and other
  # submodule internals).

  expanded = builtins.addErrorContext "while expanding the inventory in nixInstances" (
    nil.expandInstances {
      machines = mapAttrs (_: m: { inherit (m) tags machineClass; }) cfg.machines;
      inherit (cfg) tags;
      instances = mapAttrs (i: inst: {
        module = cfg.refs.${i};
        roles = mapAttrs (_: role: {
          machines = mapAttrs (_: e: { inherit (e) settings; }) role.machines;
          tags = mapAttrs (_: e: { inherit (e) settings; }) role.tags;
          inherit (role) settings extraModules;
        }) inst.roles;
      }) cfg.instances;
      modules = cfg.serviceValidation;
    }
  );
in
{
  options.nixInstances = {
    machines = mkOption {
      type = types.lazyAttrsOf machineType;
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
      type = types.lazyAttrsOf instanceType;
      default = { };
      description = "Service instances: which service module, and which machines in which roles.";
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
}
