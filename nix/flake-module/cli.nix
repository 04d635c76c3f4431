# `nixInstances.cliInventory`, published as `flake.nixInstances.inventory` (machines.nix):
# the inventory as the expansion reads it, where the `nix-instances` CLI looks for it
# (`nix-instances check --flake .`), with the option definitions
# (`options.<top>.definitionsWithLocations`, as in clan-core's
# `clanInternals.inventoryClass.inventory.options`) from which the CLI takes the positions of
# what the user wrote. Nothing here is evaluated unless something reads it.
{
  lib,
  config,
  options,
  ...
}:
{
  options.nixInstances.cliInventory = lib.mkOption {
    type = lib.types.raw;
    readOnly = true;
    internal = true;
    default = config.nixInstances._internal.input // {
      options = {
        inherit (options.nixInstances) machines tags instances;
      };
    };
    description = "The inventory for the nix-instances CLI, with its definitions for positions.";
  };
}
