# The flake-parts module of nix-instances (`flakeModules.default`): a clan-style inventory of
# machines, tags and service instances, expanded by `expandInstances` (docs/contract.md; the
# primop when the plugin is loaded, the pure-Nix twin otherwise), and turned into one NixOS
# (and nix-darwin) module per machine.
#
#   imports = [ inputs.nix-instances.flakeModules.default ];
#   nixInstances = {
#     machines.web1.tags = [ "web" ];
#     instances.hello = { module = { name = "hello"; input = "self"; }; roles.server.tags.web = { }; };
#     modules.hello = { roles.server.perInstance = { settings, ... }: { nixosModule = …; }; };
#   };
#   # => flake.nixInstances.machines.web1.nixosModule
#
# Service modules are clan-core's `clan.service` modules, evaluated as clan-core's framework
# does (clan-core's own `clanServices/` work unchanged): `manifest`, `roles.<r>.{description,
# interface,perInstance}`, `perMachine`, `exports`, the service-level `instances`; perInstance
# and perMachine give `nixosModule`, `darwinModule` and `exports`. See docs/nix-integration.md.
#
# One job per file:
#   inventory.nix        the inventory options (`machines`, `tags`, `instances`, `meta`) and
#                        their expansion (`nixInstances.expanded`)
#   service-modules.nix  this flake's service modules (`nixInstances.modules`), how an
#                        instance's `module` reference resolves, each module evaluated
#                        against the clan.service schema (service-schema.nix)
#   service-results.nix  settings, perInstance, perMachine and exports, as clan-core's
#                        framework computes them: per service and machine, its modules
#   machines.nix         per machine: the modules of its services, assembled into
#                        `flake.nixInstances.machines.<m>`
#   directory.nix        the clan directory, read as clan-core reads it: `machines/<m>/`,
#                        `inventory.json` (and, in machines.nix, each machine's files)
#   cli.nix              `flake.nixInstances.inventory`, for the `nix-instances` CLI
# and helpers they import: inventory-types.nix (the inventory's option types),
# service-schema.nix (the clan.service schema), scope-keys.nix (export scope keys),
# clan-ids.nix (clan-core's module ids: its order), clan-directory.nix (a clan directory's files),
# settings.nix (settings evaluated against the role interface, each distinct evaluation once),
# service-runs.nix (perInstance and perMachine run, directly when the module is plain).
#
# `lib` comes from the module arguments (flake-parts passes nixpkgs' lib); no nixpkgs here.
{
  imports = [
    ./flake-module/inventory.nix
    ./flake-module/service-modules.nix
    ./flake-module/service-results.nix
    ./flake-module/machines.nix
    ./flake-module/directory.nix
    ./flake-module/cli.nix
  ];
}
