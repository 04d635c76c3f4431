# The test suite as a derivation (`checks.<system>.tests`): `cargo test` of the workspace with
# the test hooks, offline, against `nix` (plugin and `nix`/`nix-instantiate` of the same
# version). The integration tests start Nix with a private store under $TMPDIR.
#
# Tests that need nixpkgs' lib get `nixpkgsSrc` (any nixpkgs or nixpkgs.lib tree) as
# NIXPKGS_LIB; the flake-parts tests skip themselves (FLAKE_PARTS is unset).
{
  lib,
  rustPlatform,
  pkg-config,
  nix,
  boost,
  nlohmann_json,
  boehmgc,
  nixpkgsSrc ? null,
}:
let
  version = (lib.importTOML ../Cargo.toml).workspace.package.version;
in
rustPlatform.buildRustPackage {
  pname = "nix-instances-tests";
  inherit version;

  src = import ./source.nix {
    inherit lib;
    withTests = true;
  };
  cargoLock.lockFile = ../Cargo.lock;

  nativeBuildInputs = [ pkg-config ];
  buildInputs = [
    (lib.getDev nix)
    boost
    nlohmann_json
    boehmgc
  ];
  nativeCheckInputs = [ nix ];

  cargoBuildFlags = [ "--workspace" ];
  cargoTestFlags = [ "--workspace" ];
  checkFeatures = [ "nix-instances/test-hooks" ];
  buildFeatures = [ "nix-instances/test-hooks" ];

  preCheck =
    ''
      export HOME=$TMPDIR
    ''
    + lib.optionalString (nixpkgsSrc != null) ''
      export NIXPKGS_LIB=${nixpkgsSrc}
    '';

  installPhase = ''
    runHook preInstall
    touch $out
    runHook postInstall
  '';
}
