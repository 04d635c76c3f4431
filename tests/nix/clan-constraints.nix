# clan-core's own framework and `expandInstances` on the same inventories: which constraint
# and maxInstances checks fail. Needs a clan-core checkout and nixpkgs' lib; clan-core is
# evaluated unchanged, with a stub nixpkgs (`lib.version`, a throwing `nixosSystem`).
#
#   nix-instantiate --eval --strict --json tests/nix/clan-constraints.nix \
#     --arg clanCore /path/to/clan-core --arg nixpkgsLib /path/to/nixpkgs.lib -A clan
#
# `clan.<scenario>` is the ids of clan-core's failing checks (`clanInternals.cliChecks`):
# `<service>-maxInstances`, `<service>-<instance>-<role>-minMachines` / `-maxMachines`.
# `ours.<scenario>` is the argument of `expandInstances` for the same inventory, as the
# flake-parts module builds it (modules referenced with `input = "self"`).
{
  clanCore,
  nixpkgsLib,
}:
let
  root = toString nixpkgsLib;
  lib = import (if builtins.pathExists (root + "/lib/default.nix") then root + "/lib" else root);
  nixpkgs.lib = lib // {
    version = "25.11";
    nixosSystem = _: throw "stub nixpkgs: nixosSystem";
  };
  clanLib = import (clanCore + "/lib") { inherit lib; } // {
    # no directory to read machines from
    fs = {
      pathExists = _: false;
      readDir = _: { };
    };
  };
  clan-core = {
    inherit clanLib;
    lib = clanLib;
    inputs = {
      inherit nixpkgs;
      nix-darwin = { };
    };
    modules.clan.default = lib.modules.importApply (clanCore + "/modules/clan/default.nix") {
      inherit clan-core;
    };
    clan.modules = { };
  };
  clan = import (clanCore + "/lib/clan") { inherit lib clan-core; };

  evalClan =
    config:
    let
      res = clan {
        specialArgs.clan-core.clan.modules = { };
        self.inputs = {
          self.clan = res.config;
          inherit nixpkgs;
        };
        directory = "/nonexistent";
        imports = [ config ];
      };
    in
    res;

  service = name: constraints: roles: {
    _class = "clan.service";
    manifest = { inherit name constraints; };
    roles = lib.genAttrs roles (_: { });
  };

  self = name: {
    inherit name;
    input = "self";
  };

  # Each scenario: service modules (name -> { constraints; roles; }) and an inventory.
  scenarios = {
    limits-across-instances = {
      modules.svc = {
        constraints = {
          maxInstances = 1;
          roles.server.minMachines = 1;
          roles.client.maxMachines = 1;
        };
        roles = [ "server" "client" ];
      };
      inventory = {
        machines = {
          jon = { };
          sara = { };
        };
        instances = {
          a = {
            module = self "svc";
            roles.server.machines.jon = { };
            roles.client.tags.all = { };
          };
          b = {
            module = self "svc";
            roles.client.machines.jon = { };
          };
        };
      };
    };
    tags-and-explicit-counted-once = {
      modules.svc = {
        constraints.roles.server.maxMachines = 1;
        constraints.roles.peer.minMachines = 3;
        roles = [ "server" "peer" ];
      };
      inventory = {
        machines = {
          a.tags = [ "t" ];
          b.machineClass = "darwin";
          c.tags = [ "t" ];
        };
        instances.x = {
          module = self "svc";
          roles.server = {
            machines.a = { };
            tags.t = { };
          };
          roles.peer.tags = [ "nixos" "darwin" ];
        };
      };
    };
    missing-role-counts-zero = {
      modules.svc = {
        constraints.roles.server = {
          minMachines = 1;
          maxMachines = 2;
        };
        roles = [ "server" "client" ];
      };
      inventory = {
        machines.a = { };
        instances.x = {
          module = self "svc";
          roles.client.machines.a = { };
        };
      };
    };
    unknown-machines-count = {
      modules.svc = {
        constraints.roles.server.maxMachines = 1;
        roles = [ "server" ];
      };
      inventory = {
        machines.jon = { };
        instances.x = {
          module = self "svc";
          roles.server.machines = {
            ghost = { };
            jon = { };
          };
        };
      };
    };
    static-tags = {
      modules.svc = {
        constraints.roles.backup.maxMachines = 1;
        roles = [ "backup" ];
      };
      inventory = {
        machines = {
          a = { };
          b = { };
        };
        tags.nightly = [ "a" "b" ];
        instances.x = {
          module = self "svc";
          roles.backup.tags.nightly = { };
        };
      };
    };
    all-satisfied = {
      modules.svc = {
        constraints = {
          maxInstances = 2;
          roles.server = {
            minMachines = 0;
            maxMachines = 2;
          };
        };
        roles = [ "server" ];
      };
      inventory = {
        machines = {
          a = { };
          b = { };
        };
        instances = {
          x = {
            module = self "svc";
            roles.server.tags.all = { };
          };
          y.module = self "svc";
        };
      };
    };
  };

  clanChecks =
    s:
    map (c: c.id) (
      builtins.filter (c: c.severity == "error") (
        (evalClan {
          modules = builtins.mapAttrs (name: m: service name m.constraints m.roles) s.modules;
          inherit (s) inventory;
        }).config.clanInternals.cliChecks
      )
    );

  ourArg = s: {
    inherit (s.inventory) machines instances;
    tags = s.inventory.tags or { };
    modules = lib.mapAttrs' (
      name: m:
      lib.nameValuePair "self-${name}" {
        inherit (m) roles;
        maxInstances = m.constraints.maxInstances or null;
        constraints = m.constraints.roles or { };
      }
    ) s.modules;
  };
in
{
  clan = builtins.mapAttrs (_: clanChecks) scenarios;
  ours = builtins.mapAttrs (_: ourArg) scenarios;
}
