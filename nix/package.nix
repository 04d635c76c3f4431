# The nix-instances plugin, built against `nix` (callPackage-style; the NixOS module passes
# `config.nix.package`). Installs `lib/nix/plugins/libnix_instances.so`:
#
#   nix --option plugin-files ${nix-instances}/lib/nix/plugins/libnix_instances.so eval …
#
# build.rs finds Nix through pkg-config (module nix-expr, from `nix`'s dev output) and takes
# the Nix version it compiles for from there.
{
  lib,
  stdenv,
  rustPlatform,
  pkg-config,
  nix,
  boost,
  nlohmann_json,
  boehmgc,
}:
let
  version = (lib.importTOML ../Cargo.toml).workspace.package.version;
in
rustPlatform.buildRustPackage {
  pname = "nix-instances";
  inherit version;

  src = import ./source.nix { inherit lib; };
  cargoLock.lockFile = ../Cargo.lock;

  # Only the plugin crate (the workspace also holds the CLI, see cli.nix).
  cargoBuildFlags = [
    "-p"
    "nix-instances"
  ];

  nativeBuildInputs = [ pkg-config ];
  buildInputs = [
    (lib.getDev nix)
    boost
    nlohmann_json
    boehmgc
  ];

  # The test suite runs a real Nix with a private store; it is `checks.<system>.tests`
  # (nix/tests.nix), not part of the package build.
  doCheck = false;

  # cargo's cdylib is libnix_instances.so (Linux) or .dylib (Darwin); Nix loads either with
  # dlopen, so it gets one name on every platform.
  postInstall = ''
    mkdir -p $out/lib/nix/plugins
    mv $out/lib/libnix_instances${stdenv.hostPlatform.extensions.sharedLibrary} \
      $out/lib/nix/plugins/libnix_instances.so
  '';

  passthru = { inherit nix; };

  meta = {
    description = "Nix plugin adding builtins.expandInstances and builtins.expandMultiService";
    license = lib.licenses.mit;
    platforms = lib.platforms.linux ++ lib.platforms.darwin;
  };
}
