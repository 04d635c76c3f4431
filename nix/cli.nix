# The `nix-instances` CLI (crate nix-instances-core in core/): the same expansion over JSON,
# without Nix. Needs no Nix development files.
#
#   nix-instances expand inventory.json
{
  lib,
  rustPlatform,
}:
let
  version = (lib.importTOML ../Cargo.toml).workspace.package.version;
in
rustPlatform.buildRustPackage {
  pname = "nix-instances-cli";
  inherit version;

  src = import ./source.nix { inherit lib; };
  cargoLock.lockFile = ../Cargo.lock;

  cargoBuildFlags = [
    "-p"
    "nix-instances-core"
  ];
  cargoTestFlags = [
    "-p"
    "nix-instances-core"
  ];

  meta = {
    description = "The nix-instances expansion over JSON";
    license = lib.licenses.mit;
    mainProgram = "nix-instances";
  };
}
