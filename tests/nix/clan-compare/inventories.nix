# Hand-written inventories for the clan-core comparison (tests/clan.rs). Their service
# modules are the flake's own (`module.input = "self"`): a probe that writes everything the
# framework gives it (settings, roles, machine, instances, meta, exports, mkExports) into
# NixOS definitions, so any difference in what a service module sees shows up as a
# difference in the machine's modules. Plus clan-core's own inventory.json (only machines).
{ lib, clanCore ? null }:
let
  # What a perInstance / perMachine sees, as NixOS definitions under `probe`.
  seen = args: {
    inherit (args) machine meta;
  };
  rolesSeen = lib.mapAttrs (_: role: {
    inherit (role) settings;
    machines = lib.mapAttrs (_: m: m.settings) role.machines;
  });

  probe =
    { config, lib, ... }:
    {
      _class = "clan.service";
      manifest.name = "probe";
      manifest.readme = "A probe of what the framework gives a service module.";
      manifest.exports.out = [ "networking" ];
      # Service-level exports from the service-level `instances` option.
      exports = lib.mapAttrs' (i: _: {
        name = "probe:${i}::";
        value.networking.priority = 10 + builtins.length (builtins.attrNames config.instances.${i}.roles);
      }) config.instances;
      roles.server = {
        description = "Serves.";
        interface =
          { lib, meta, ... }:
          {
            options.port = lib.mkOption {
              type = lib.types.port;
              default = 80;
            };
            options.words = lib.mkOption {
              type = lib.types.listOf lib.types.str;
              default = [ ];
            };
            options.domain = lib.mkOption {
              type = lib.types.str;
              default = meta.domain;
            };
          };
        perInstance =
          args@{
            instanceName,
            settings,
            roles,
            extendSettings,
            mkExports,
            exports,
            ...
          }:
          {
            exports = mkExports { networking.priority = settings.port; };
            nixosModule.probe.perInstance.${instanceName}.server = seen args // {
              inherit settings;
              roles = rolesSeen roles;
              extended = (extendSettings { port = lib.mkForce 1; }).port;
              exportKeys = builtins.attrNames exports;
              exportPriorities = lib.mapAttrs (_: e: e.networking.priority or null) exports;
            };
          };
      };
      roles.client = {
        interface =
          { lib, ... }:
          {
            options.server = lib.mkOption {
              type = lib.types.nullOr lib.types.str;
              default = null;
            };
          };
        perInstance =
          args@{ instanceName, settings, roles, ... }:
          {
            nixosModule.probe.perInstance.${instanceName}.client = seen args // {
              inherit settings;
              roles = rolesSeen roles;
            };
            darwinModule.probe.darwin.${instanceName} = settings;
          };
      };
      perMachine =
        args@{ instances, mkExports, ... }:
        {
          exports = mkExports { networking.module = "probe.${args.machine.name}"; };
          nixosModule.probe.perMachine = seen args // {
            instances = lib.mapAttrs (_: inst: rolesSeen inst.roles) instances;
          };
          darwinModule.probe.perMachineDarwin = args.machine;
        };
    };

  # A second service reading the first one's exports.
  reader = {
    _class = "clan.service";
    manifest.name = "reader";
    roles.peer.perInstance =
      { exports, machine, ... }:
      {
        nixosModule.reader = {
          keys = builtins.attrNames exports;
          networking = lib.mapAttrs (_: e: e.networking) exports;
          on = machine.name;
        };
      };
  };

  selfModules = { inherit probe reader; };
in
{
  tags-and-settings = {
    directory = "/clan-compare/inventories";
    inherit selfModules;
    inventory = {
      meta.name = "probe";
      machines = {
        web1.tags = [ "web" "eu" ];
        web2.tags = [ "web" ];
        db1 = { };
        mac1.machineClass = "darwin";
      };
      # Tags as a module, as clan-core's `inventory.tags` may be.
      tags =
        { config, machines, ... }:
        {
          backup = builtins.attrNames machines;
          notWeb1 = builtins.filter (m: m != "web1") config.all;
        };
      instances.p = {
        module = { name = "probe"; input = "self"; };
        roles.server.tags = {
          web = { };
          eu.settings.words = [ "eu" ];
        };
        roles.server.settings = { words = [ "role" ]; port = lib.mkDefault 8000; };
        roles.server.machines.web2.settings = { words = [ "machine" ]; port = 8080; };
        roles.server.extraModules = [ { probe.extra = true; } ];
        roles.client.tags = [ "notWeb1" ];
        roles.client.machines.db1.settings.server = "web1";
      };
    };
  };

  multi-instance = {
    directory = "/clan-compare/inventories";
    inherit selfModules;
    inventory = {
      meta = {
        name = "probe";
        domain = "example.org";
      };
      machines = {
        a = { };
        b = { };
        c.machineClass = "darwin";
      };
      instances = {
        # b is a server in `one` and a client in `two`: perMachine's `machine.roles` is
        # sorted, not in instance order.
        one = {
          module = { name = "probe"; input = "self"; };
          roles.server.machines = { a = { }; b = { }; };
          roles.client.machines = { a = { }; c = { }; };
        };
        two = {
          module = { name = "probe"; input = "self"; };
          roles.server.machines.c.settings.port = 9;
          roles.client.machines = { a.settings.server = "c"; b = { }; };
        };
        read = {
          module = { name = "reader"; input = "self"; };
          roles.peer.tags = [ "all" ];
        };
      };
    };
  };
}
// lib.optionalAttrs (clanCore != null) {
  # A clan directory (./clan-directory): machines from `machines/<name>/` (one only a
  # directory) and from inventory.json, an instance from inventory.json over the `all` tag,
  # each machine's configuration.nix, hardware-configuration.nix and disko.nix.
  clan-directory = {
    directory = ./clan-directory;
    inventory = { };
  };

  # `module.input = "clan-core"` for one service and null for another, on one machine: the
  # machine's modules in clan-core's order (`<clan-core>-packages` before
  # `clan-core-localbackup`; here both were `<clan-core>-…`, localbackup first), seen in
  # the order of `environment.systemPackages` (both give it from perInstance).
  clan-core-input-order = {
    directory = "/clan-compare/inventories";
    packageNames = [ "cowsay" ];
    inventory = {
      machines.m1 = { };
      machines.m2 = { };
      instances.pk = {
        module.name = "packages";
        roles.default.machines.m1.settings.packages = [ "cowsay" ];
        roles.default.machines.m2.settings.packages = [ "cowsay" ];
      };
      instances.lb = {
        module = {
          name = "localbackup";
          input = "clan-core";
        };
        roles.default.machines.m1 = { };
      };
    };
  };

  # clan-core's own inventory.json: machines only. (Not clan-core's directory: clan adds the
  # machines of `<directory>/machines/`, a directory convention, not the inventory.)
  clan-core-inventory-json = {
    directory = "/clan-compare/inventories";
    inventory = builtins.fromJSON (builtins.readFile (clanCore + "/inventory.json"));
  };
}
