# The comparison cases: every clan service of a clan-core checkout, each with the inventories
# of its own VM tests (clanServices/<s>/tests/vm*/default.nix, read for their `clan` part
# only), or, for a service without one, an inventory with one machine per role and one
# machine in every role.
#
# The VM tests name the service under test as the test flake's own module
# (`module = { name = "@clan/users"; input = "self"; }`); here that is clan-core's module
# (`module.name = "users"`, no input), which is how a clan user writes it.
#
#   import ./cases.nix { lib; clanCore; }
#   => { services = [ names ]; cases = { "<service>/<test>" = { service; inventory; directory; selfModules; }; }; }
{ lib, clanCore }:
let
  cc = import ./clan-core.nix { inherit lib clanCore; };
  servicesDir = clanCore + "/clanServices";
  entries = builtins.readDir servicesDir;
  services = builtins.filter (n: entries.${n} == "directory") (builtins.attrNames entries);

  # The `clan` part of a VM test module.
  testClan =
    file:
    (lib.evalModules {
      specialArgs.pkgs = throw "clan-compare: a VM test's pkgs";
      modules = [
        {
          freeformType = lib.types.lazyAttrsOf lib.types.raw;
          options.clan = lib.mkOption {
            type = lib.types.submodule {
              freeformType = lib.types.lazyAttrsOf lib.types.raw;
              options.modules = lib.mkOption {
                type = lib.types.attrsOf lib.types.raw;
                default = { };
              };
              options.inventory = lib.mkOption {
                type = lib.types.raw;
                default = { };
              };
              options.directory = lib.mkOption {
                type = lib.types.raw;
                default = null;
              };
            };
          };
        }
        file
      ];
    }).config.clan;

  # `@clan/users`, `hello-service`, `syncthing-service` -> the clan-core module it stands for.
  coreName =
    service: name:
    let
      n = lib.removeSuffix "-service" (lib.removePrefix "@clan/" name);
    in
    if cc.modules ? ${n} then n else if name == "hello-service" then "hello-world" else n;

  normalise =
    service: selfModules: inventory:
    inventory
    // {
      instances = lib.mapAttrs (
        _: inst:
        inst
        // {
          module =
            let
              m = inst.module or { };
              input = m.input or null;
            in
            if input == "self" && !(selfModules ? ${m.name}) then
              { name = coreName service m.name; }
            else
              m;
        }
      ) inventory.instances or { };
    };

  # The `packages = [ … ]` settings of an inventory: names the stub pkgs must know.
  packageNames =
    inventory:
    let
      settingsOf = role: [ (role.settings or { }) ] ++ lib.mapAttrsToList (_: m: m.settings or { }) (role.machines or { });
      all = lib.concatMap (inst: lib.concatMap settingsOf (builtins.attrValues (inst.roles or { }))) (
        builtins.attrValues (inventory.instances or { })
      );
    in
    lib.concatMap (s: if builtins.isAttrs s && builtins.isList (s.packages or null) then s.packages else [ ]) all;

  vmTests =
    service:
    let
      dir = servicesDir + "/${service}/tests";
      tests =
        if builtins.pathExists dir then
          builtins.filter (n: lib.hasPrefix "vm" n && builtins.pathExists (dir + "/${n}/default.nix")) (
            builtins.attrNames (builtins.readDir dir)
          )
        else
          [ ];
    in
    map (
      t:
      let
        c = testClan (dir + "/${t}/default.nix");
      in
      {
        name = "${service}/${t}";
        value = {
          inherit service;
          packageNames = packageNames c.inventory;
          inventory = normalise service c.modules c.inventory;
          directory = toString (dir + "/${t}");
          selfModules = c.modules;
        };
      }
    ) tests;

  # One machine per role, one in every role.
  synthetic =
    service:
    let
      roles = builtins.attrNames (cc.clanLib.evalService {
        modules = [ cc.modules.${service} ];
        prefix = [ service ];
      }).config.roles;
    in
    {
      name = "${service}/roles";
      value = {
        inherit service;
        inventory = {
          machines = lib.genAttrs ([ "every-role" ] ++ map (r: "only-${r}") roles) (_: { });
          instances.${service} = {
            module.name = service;
            roles = lib.genAttrs roles (r: {
              machines = {
                every-role = { };
                "only-${r}" = { };
              };
            });
          };
        };
        directory = toString (servicesDir + "/${service}");
        selfModules = { };
      };
    };

  casesOf =
    service:
    let
      vm = vmTests service;
    in
    if vm != [ ] then vm else [ (synthetic service) ];
in
{
  inherit services;
  cases = builtins.listToAttrs (lib.concatMap casesOf services);
}
