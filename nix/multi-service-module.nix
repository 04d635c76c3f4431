# A drop-in for services-flake's `multiService` (nix/lib.nix there), built on
# `expandMultiService` (docs/contract.md): same options, but the service name follows the
# contract's derivation rule and two enabled instances defining the same process name give a
# clear error instead of a silent merge.
#
#   multiService = import ./multi-service-module.nix { inherit expandMultiService; };
#   multiService ./hello.nix                          # name "hello", from the file name
#   multiService { name = "hello"; module = <module>; }  # explicit name, any module
#
# The result is a module `{ config, lib, pkgs, ... }:` for a process-compose-flake
# configuration; `lib` comes from the module arguments (no nixpkgs input here).
{ expandMultiService }:
arg:
let
  # `{ name; module; }` (exactly those attributes) names the service explicitly; anything else
  # is the module itself (a path, or a string such as "${./hello.nix}").
  explicit = builtins.isAttrs arg && builtins.attrNames arg == [ "module" "name" ];

  mod = if explicit then arg.module else arg;

  nameArgs = if explicit then { service = arg.name; } else { module = arg; };

  # Checked by expandMultiService (errors: `service: …` / `module: …`).
  service = (expandMultiService (nameArgs // { instances = { }; })).service;
in
{
  config,
  pkgs,
  lib,
  ...
}:
let
  serviceModule =
    { config, name, ... }:
    {
      options = {
        enable = lib.mkEnableOption "Enable the ${service}.<name> service";
        dataDir = lib.mkOption {
          type = lib.types.str;
          default = "./data/${name}";
          description = "The directory where all data for `${service}.<name>` is stored";
        };
        namespace = lib.mkOption {
          description = ''
            Namespace for the ${service} service
          '';
          default = "${service}.${name}";
          type = lib.types.str;
        };
        outputs = {
          defaultProcessSettings = lib.mkOption {
            type = lib.types.deferredModule;
            internal = true;
            readOnly = true;
            description = ''
              Default settings for all processes under the ${service} service
            '';
            default = {
              namespace = lib.mkDefault config.namespace;
            };
          };
          settings = lib.mkOption {
            type = lib.types.lazyAttrsOf lib.types.raw;
            internal = true;
            description = ''
              process-compose settings for the processes under the ${service} service
            '';
            apply =
              v:
              v
              // {
                processes = lib.mapAttrs (_: cfg: {
                  imports = [
                    config.outputs.defaultProcessSettings
                    cfg
                  ];
                }) (v.processes or { });
              };
          };
        };
      };
    };
in
{
  options.services.${service} = lib.mkOption {
    description = ''
      ${service} service
    '';
    default = { };
    type = lib.types.attrsOf (
      lib.types.submoduleWith {
        specialArgs = { inherit pkgs; };
        modules = [
          serviceModule
          mod
        ];
      }
    );
  };

  # As services-flake's: one import per enabled instance (name order), its `outputs.settings`.
  # Reading a setting other than `processes` (`settings.log_level`, say) forces only each
  # instance's `enable` and each enabled instance's settings set, as there; each instance's
  # process names are forced, and checked for duplicates across instances, only once
  # `processes` is read.
  config.settings.imports =
    let
      instances = config.services.${service};
      # forces each instance's `enable` only
      enabled =
        (expandMultiService (
          nameArgs
          // {
            instances = builtins.mapAttrs (_: i: { inherit (i) enable; }) instances;
          }
        )).enabled;
      # every check, the duplicate processes included
      checked = expandMultiService (nameArgs // { inherit instances; });
    in
    map (
      n:
      let
        settings = instances.${n}.outputs.settings;
      in
      settings // { processes = builtins.seq checked.processes settings.processes; }
    ) enabled;
}
