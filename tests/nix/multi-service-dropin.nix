# The drop-in test of `multiService` (nix/multi-service-module.nix) against the real module
# system: evaluates examples/hello.nix, two enabled instances and a disabled one, with
# `lib.evalModules` and a `settings` option shaped like process-compose-flake's, and returns
# the resulting processes. Needs nixpkgs' lib (a nixpkgs or nixpkgs.lib checkout, or its
# `lib` directory); no nixpkgs packages (`pkgs.hello` is a fake derivation).
#
#   nix-instantiate --eval --strict --json tests/nix/multi-service-dropin.nix \
#     --arg nixpkgsLib /path/to/nixpkgs.lib
#
# `expandMultiService` defaults to the library's (native when the plugin is loaded).
{
  nixpkgsLib,
  expandMultiService ? null,
}:
let
  root = toString nixpkgsLib;
  lib = import (if builtins.pathExists (root + "/lib/default.nix") then root + "/lib" else root);

  nil = import ../../nix/lib.nix;
  multiService =
    if expandMultiService != null then
      import ../../nix/multi-service-module.nix { inherit expandMultiService; }
    else
      nil.multiService
        or (import ../../nix/multi-service-module.nix { inherit (nil) expandMultiService; });

  pkgs.hello = {
    type = "derivation";
    name = "hello-2.12.1";
    outPath = "/nix/store/00000000000000000000000000000000-hello-2.12.1";
    meta.mainProgram = "hello";
  };

  # The part of process-compose-flake's `settings` option this test needs. As there, both
  # `settings` and each process are `submoduleWith` (not `submodule`), so a definition
  # `{ imports = [ … ]; }` is a module, which `multiService` relies on.
  processModule = {
    freeformType = lib.types.attrsOf lib.types.raw;
    options = {
      command = lib.mkOption { type = lib.types.str; };
      namespace = lib.mkOption {
        type = lib.types.str;
        default = "default";
      };
    };
  };
  settingsModule = {
    options.settings = lib.mkOption {
      default = { };
      type = lib.types.submoduleWith {
        modules = [
          {
            options.processes = lib.mkOption {
              default = { };
              type = lib.types.attrsOf (lib.types.submoduleWith { modules = [ processModule ]; });
            };
          }
        ];
      };
    };
  };

  evalWith =
    modules:
    lib.evalModules {
      specialArgs = { inherit pkgs; };
      modules = [ settingsModule ] ++ modules;
    };

  eval = evalWith [
    (multiService ../../examples/hello.nix)
    {
      services.hello = {
        hello1 = {
          enable = true;
          message = "Hello, world!";
        };
        hello2 = {
          enable = true;
          message = "Hello, Nix!";
        };
        # disabled: its outputs are never evaluated
        hello3.message = throw "disabled instance evaluated";
      };
    }
    # the explicit form with a plain module
    (multiService {
      name = "greeter";
      module =
        { name, ... }:
        {
          outputs.settings.processes."greeter-${name}".command = "echo ${name}";
        };
    })
    { services.greeter.g1.enable = true; }
  ];

  # Two enabled instances defining the same process name: a (catchable) error.
  duplicate = evalWith [
    (multiService {
      name = "web";
      module = {
        outputs.settings.processes.server.command = "serve";
      };
    })
    {
      services.web.a.enable = true;
      services.web.b.enable = true;
    }
  ];
in
{
  processes = builtins.mapAttrs (_: p: { inherit (p) command namespace; }) eval.config.settings.processes;
  dataDirs = builtins.mapAttrs (_: i: i.dataDir) eval.config.services.hello;
  duplicateFails = !(builtins.tryEval (builtins.attrNames duplicate.config.settings.processes)).success;
}
