# The source of the Rust workspace for the derivations in nix/ (package.nix, cli.nix,
# tests.nix): only what cargo needs, never target/ or .nix-dev/. `withTests` adds the test
# suite and the files it reads (tests/, nix/, examples/).
#
# A plain filter (no lib.fileset), so that it also evaluates with older Nix versions.
{
  lib,
  withTests ? false,
}:
let
  root = toString ../.;
  wanted = [
    "Cargo.toml"
    "Cargo.lock"
    "build.rs"
    "src"
    "core"
    "cpp"
  ]
  ++ lib.optionals withTests [
    "tests"
    "nix"
    "examples"
  ];
  # The first component of the path below the root.
  top = path: builtins.head (lib.splitString "/" (lib.removePrefix (root + "/") (toString path)));
in
lib.cleanSourceWith {
  name = "nix-instances-source";
  src = ../.;
  filter = path: _type: builtins.elem (top path) wanted;
}
