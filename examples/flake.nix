{
  description = "nix-instances example: a clan-style inventory and a multi-instance service";

  # Only the library is needed (no nixpkgs): `flake = false` takes the source as it is.
  # scripts/demo.sh points this at the checkout it runs from.
  inputs.nix-instances = {
    url = "path:..";
    flake = false;
  };

  outputs =
    { self, nix-instances }:
    let
      lib = import "${nix-instances}/nix/lib.nix";
      inventory = lib.expandInstances (import ./inventory.nix);
    in
    {
      # true when evaluated with `nix --option plugin-files …/libnix_instances.so …`
      inherit (lib) hasPlugin;

      # The full expansion: instances, modules, machines, tags, warnings.
      inherit inventory;

      # The inventory itself, where `nix-instances check --flake .` looks for it (as the
      # flake-parts module exposes it).
      nixInstances.inventory = import ./inventory.nix;

      # machine -> instance -> roles
      summary = builtins.mapAttrs (_: m: builtins.mapAttrs (_: i: i.roles) m.instances) inventory.machines;

      # Two instances of one service module, services-flake style.
      services = lib.expandMultiService {
        module = ./hello.nix;
        instances = {
          hello1 = {
            enable = true;
            outputs.settings.processes.hello1.command = "hello --greeting='Hello, world!'";
          };
          hello2 = {
            enable = true;
            namespace = "greetings";
            outputs.settings.processes.hello2.command = "hello --greeting='Hello, Nix!'";
          };
          hello3.outputs = throw "a disabled instance is never evaluated";
        };
      };
    };
}
