# This project's flake-parts module (nix/flake-module.nix), run through flake-parts' own
# mkFlake without the flake machinery: what a flake-parts user gets.
#
#   import ./nix-instances.nix { lib; flakeParts; repo; } { inputs; nixInstances; }
#   => the flake's outputs (flake.nixInstances.machines.<m>.nixosModules, …)
{
  lib,
  flakeParts,
  repo,
}:
let
  flakePartsLib =
    ((import (flakeParts + "/flake.nix")).outputs {
      self = throw "clan-compare: flake-parts' self";
      nixpkgs-lib.lib = lib;
    }).lib;
in
{
  inputs,
  nixInstances,
  outPath ? "/clan-compare/flake",
}:
let
  self = outputs // {
    inherit outPath;
    inputs = inputs // {
      inherit self;
    };
  };
  outputs = flakePartsLib.mkFlake { inputs = self.inputs; } {
    systems = [ ];
    imports = [ (repo + "/nix/flake-module.nix") ];
    inherit nixInstances;
  };
in
outputs
