# The schema of a service module, as clan-core's framework declares it for `clan.service`
# modules (written from its documented behaviour, not copied): a module written for clan-core
# evaluates here unchanged.
#
#   manifest      name, description, readme, categories, exports.{out,inputs}, constraints
#                 (plus free-form attributes: an extension, for nix-instances' own modules)
#   roles.<r>     description, interface (settings options), perInstance
#   perMachine
#   instances     read-only for the service: the instances that use it, as the inventory
#                 wrote them (`instances.<i>.roles.<r>.{machines.<m>.settings,settings,
#                 extraModules}`), set by the framework
#   exports       the service's exports (scope key -> module), merged with what its
#                 perInstance and perMachine results export
#   module        the `module` reference of its (first) instance: { name; input; }
#
# perInstance and perMachine results have `nixosModule`, `darwinModule` and `exports`.
#
#   import ./service-schema.nix { inherit lib; } { name = "hello"; }
#   => a module for `lib.evalModules { class = "clan.service"; … }`
{ lib }:
{ name }:
let
  inherit (lib) mkOption types;

  # What perInstance and perMachine give: per-class modules and exports.
  resultOptions = what: {
    options.exports = mkOption {
      type = types.lazyAttrsOf types.deferredModule;
      default = { };
      description = "Exports of ${what}, by scope key (use `mkExports`).";
    };
    options.nixosModule = mkOption {
      type = types.deferredModule;
      default = { };
      description = "A NixOS module, from ${what}.";
    };
    options.darwinModule = mkOption {
      type = types.deferredModule;
      default = { };
      description = "A nix-darwin module, from ${what}.";
    };
  };

  categories = [
    "Audio"
    "AudioVideo"
    "Desktop"
    "Development"
    "Education"
    "Game"
    "Graphics"
    "Network"
    "Office"
    "Science"
    "Settings"
    "Social"
    "System"
    "Uncategorized"
    "Utility"
    "Video"
  ];
in
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
            defaultText = lib.literalMD "the module's name in its source";
            description = "The service's name (clan-core requires it; here it defaults to the module's name).";
          };
          description = mkOption {
            type = types.str;
            default = "No description";
            description = "A short description of the service.";
          };
          readme = mkOption {
            type = types.str;
            default = "";
            description = "Extended usage description.";
          };
          categories = mkOption {
            type = types.listOf (types.enum categories);
            default = [ "Uncategorized" ];
            description = "Categories, for grouping and searching.";
          };
          exports.out = mkOption {
            type = types.listOf types.str;
            default = [ ];
            description = "The export interfaces this service's exports use.";
          };
          exports.inputs = mkOption {
            type = types.listOf types.str;
            default = [ ];
            description = "The export interfaces this service reads.";
          };
          constraints.maxInstances = mkOption {
            type = types.nullOr types.ints.positive;
            default = null;
            description = "At most this many instances may use the module (`null`: any number).";
          };
          constraints.roles = mkOption {
            default = { };
            description = "Per-role bounds on the number of machines of each instance.";
            type = types.attrsOf (
              types.submodule {
                options.minMachines = mkOption {
                  type = types.nullOr types.ints.unsigned;
                  default = null;
                  description = "At least this many machines per instance (`null`: no minimum).";
                };
                options.maxMachines = mkOption {
                  type = types.nullOr types.ints.positive;
                  default = null;
                  description = "At most this many machines per instance (`null`: no maximum).";
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
              description = "What the role does to a machine.";
            };
            interface = mkOption {
              type = types.deferredModule;
              default = { };
              description = "Options of the role's settings (evaluated with `meta`).";
            };
            perInstance = mkOption {
              type = types.deferredModuleWith { staticModules = [ (resultOptions "perInstance") ]; };
              default = { };
              description = ''
                Evaluated for each (instance, member machine) with `instanceName`,
                `settings`, `extendSettings`, `machine`, `roles`, `exports`, `mkExports` and
                `meta`; gives `nixosModule`, `darwinModule` and `exports`.
              '';
            };
          };
        }
      );
    };

    perMachine = mkOption {
      type = types.deferredModuleWith { staticModules = [ (resultOptions "perMachine") ]; };
      default = { };
      description = ''
        Evaluated once for each machine that is in at least one instance of the service,
        with `machine`, `instances`, `exports`, `mkExports` and `meta`; gives `nixosModule`,
        `darwinModule` and `exports`.
      '';
    };

    instances = mkOption {
      type = types.lazyAttrsOf types.raw;
      default = { };
      description = ''
        The instances of this service (set by the framework): for each, `roles.<r>` with
        `machines.<m>.settings`, `settings` and `extraModules` as the inventory wrote them.
      '';
    };

    exports = mkOption {
      type = types.lazyAttrsOf types.deferredModule;
      default = { };
      description = ''
        The service's exports, by scope key (`<service>:<instance>:<role>:<machine>`, parts
        left empty for "all"); merged with its perInstance and perMachine exports.
      '';
    };

    module = mkOption {
      type = types.raw;
      readOnly = true;
      description = "The `module` reference (`{ name; input; }`) the service was resolved from.";
    };
  };
}
