# The `nix-instances` CLI (crate nix-instances-core in core/): check, expand, explain and graph
# an inventory.json with the same core as the plugin, without Nix. Needs no Nix development
# files. Shell completions for bash, zsh and fish are installed with it.
#
#   nix-instances check inventory.json
#   nix-instances explain inventory.json web1
#   nix-instances graph --format svg inventory.json > inventory.svg
{
  lib,
  stdenv,
  rustPlatform,
  installShellFiles,
}:
let
  version = (lib.importTOML ../Cargo.toml).workspace.package.version;
in
rustPlatform.buildRustPackage {
  pname = "nix-instances-cli";
  inherit version;

  src = import ./source.nix { inherit lib; };
  cargoLock.lockFile = ../Cargo.lock;

  nativeBuildInputs = [ installShellFiles ];

  cargoBuildFlags = [
    "-p"
    "nix-instances-core"
  ];
  # The core's unit tests; the CLI's integration tests read examples/ and run in
  # `checks.<system>.tests` (nix/tests.nix), whose source has it.
  cargoTestFlags = [
    "-p"
    "nix-instances-core"
    "--lib"
  ];

  postInstall = lib.optionalString (stdenv.buildPlatform.canExecute stdenv.hostPlatform) ''
    installShellCompletion --cmd nix-instances \
      --bash <($out/bin/nix-instances completions bash) \
      --zsh <($out/bin/nix-instances completions zsh) \
      --fish <($out/bin/nix-instances completions fish)
  '';

  meta = {
    description = "Check, expand, explain and draw clan-style inventories (inventory.json)";
    license = lib.licenses.mit;
    mainProgram = "nix-instances";
  };
}
