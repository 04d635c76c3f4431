# The NixOS module of nix-instances (`nixosModules.default`): loads the plugin into the
# machine's Nix (the daemon and every `nix` reading /etc/nix/nix.conf), so
# `builtins.expandInstances` and `builtins.expandMultiService` are native there.
#
#   imports = [ inputs.nix-instances.nixosModules.default ];
#   programs.nix-instances.enable = true;
#
# The plugin is built against `config.nix.package`: a Nix plugin must match the exact Nix it
# is loaded into. No nixpkgs is needed to import this file; `pkgs` comes from the system.
{
  config,
  lib,
  pkgs,
  ...
}:
let
  cfg = config.programs.nix-instances;
in
{
  options.programs.nix-instances = {
    enable = lib.mkEnableOption ''
      the nix-instances Nix plugin: adds it to `nix.settings.plugin-files`, so that
      `builtins.expandInstances` and `builtins.expandMultiService` are native primops for
      the Nix of this machine'';

    package = lib.mkOption {
      type = lib.types.package;
      default = pkgs.callPackage ./package.nix { nix = config.nix.package; };
      defaultText = lib.literalExpression ''pkgs.callPackage "''${nix-instances}/nix/package.nix" { nix = config.nix.package; }'';
      description = ''
        The plugin package; it provides `lib/nix/plugins/libnix_instances.so`. It must be
        built against the same Nix as `nix.package` (the default is).
      '';
    };
  };

  config = lib.mkIf cfg.enable {
    nix.settings.plugin-files = [ "${cfg.package}/lib/nix/plugins/libnix_instances.so" ];
  };
}
