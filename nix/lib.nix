# The nix-instances library. `import ./nix/lib.nix` needs no arguments and no nixpkgs.
#
# Each entry uses the native primop when the plugin is loaded
# (`nix --option plugin-files …/libnix_instances.so …`) and the pure-Nix twin otherwise;
# `pure.*` always uses the twin. Both implement docs/contract.md.
let
  hasPlugin = builtins ? nixInstancesVersion;

  pure = {
    expandInstances = import ./expand-instances.nix;
    expandMultiService = import ./multi-service.nix;
  };

  expandInstances = if hasPlugin then builtins.expandInstances else pure.expandInstances;
  expandMultiService = if hasPlugin then builtins.expandMultiService else pure.expandMultiService;
in
{
  inherit hasPlugin pure expandInstances expandMultiService;

  # A drop-in for services-flake's `multiService`: `multiService ./hello.nix` or
  # `multiService { name = "hello"; module = …; }` is a module declaring
  # `services.<service>.<instance>` and feeding the enabled instances' settings to `settings`.
  multiService = import ./multi-service-module.nix { inherit expandMultiService; };
  version = if hasPlugin then builtins.nixInstancesVersion else null;
}
