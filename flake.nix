{
  description = "nix-instances: clan-style instance expansion and services-flake multiService, as a Nix plugin and in pure Nix";

  # Only packages, devShells and checks use nixpkgs. `lib`, `flakeModules`, `nixosModules`
  # and `overlays` never touch it (their `lib`/`pkgs` come from whoever uses them), so they
  # evaluate without fetching it.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];

      eachSystem =
        f:
        builtins.listToAttrs (
          map (system: {
            name = system;
            value = f nixpkgs.legacyPackages.${system};
          }) systems
        );
    in
    {
      # The library (docs/contract.md): `import ./nix/lib.nix`. `hasPlugin` is decided by the
      # Nix that evaluates it.
      lib = import ./nix/lib.nix;

      # flake-parts: `imports = [ inputs.nix-instances.flakeModules.default ];` then
      # `nixInstances = { machines; tags; instances; modules; }` gives
      # `flake.nixInstances.machines.<m>.nixosModule` (docs/nix-integration.md).
      flakeModules.default = ./nix/flake-module.nix;

      # NixOS: `programs.nix-instances.enable = true;` loads the plugin into the system's Nix.
      nixosModules.default = ./nix/nixos-module.nix;

      # `pkgs.nix-instances` (the plugin, against `final.nix`) and `pkgs.nix-instances-cli`.
      overlays.default = final: _prev: {
        nix-instances = final.callPackage ./nix/package.nix { };
        nix-instances-cli = final.callPackage ./nix/cli.nix { };
      };

      packages = eachSystem (pkgs: {
        # lib/nix/plugins/libnix_instances.so, against this nixpkgs' `nix`.
        default = pkgs.callPackage ./nix/package.nix { };
        cli = pkgs.callPackage ./nix/cli.nix { };
      });

      # `nix run github:<owner>/nix-instances -- check inventory.json`: the CLI.
      apps = eachSystem (pkgs: {
        default = {
          type = "app";
          program = "${self.packages.${pkgs.stdenv.hostPlatform.system}.cli}/bin/nix-instances";
          meta.description = "Check, expand, explain and draw clan-style inventories";
        };
      });

      devShells = eachSystem (pkgs: {
        default = pkgs.mkShell {
          inputsFrom = [ self.packages.${pkgs.stdenv.hostPlatform.system}.default ];
          packages = [
            pkgs.nix # the Nix the plugin is built against, for `cargo test`
            pkgs.clippy
            pkgs.rustfmt
            pkgs.rust-analyzer
          ];
        };
      });

      checks = eachSystem (
        pkgs:
        let
          own = self.packages.${pkgs.stdenv.hostPlatform.system};
        in
        {
          inherit (own) cli;
          plugin = own.default;
          tests = pkgs.callPackage ./nix/tests.nix { nixpkgsSrc = pkgs.path; };
        }
      );
    };
}
