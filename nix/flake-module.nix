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
# One job per file:
#   inventory.nix        the inventory options (`machines`, `tags`, `instances`, `meta`) and
#                        their expansion (`nixInstances.expanded`)
#   service-modules.nix  the service-module schema (`nixInstances.modules`) and how an
#                        instance's `module` reference resolves to one
#   machines.nix         per machine: settings, perInstance, perMachine, assembled into
#                        `flake.nixInstances.machines.<m>`
#
# `lib` comes from the module arguments (flake-parts passes nixpkgs' lib); no nixpkgs here.
{
  imports = [
    ./flake-module/inventory.nix
    ./flake-module/service-modules.nix
    ./flake-module/machines.nix
  ];
}
