# Laziness of expandInstances: `impl: bool`, true iff the implementation never forces
# `settings`, `extraModules` or unknown attributes, and passes settings / extraModules /
# settings.imports elements through as the very input values.
#
#   nix-instantiate --eval --strict -E '(import tests/cases/instances-lazy.nix) (import nix/expand-instances.nix)'
#   nix-instantiate --eval --strict -E '(import tests/cases/instances-lazy.nix) builtins.expandInstances' --option plugin-files ...
impl:
let
  inherit (builtins)
    all
    attrNames
    deepSeq
    length
    tryEval
    trace
    ;

  lazy = throw "lazy";
  # a set whose marker can be read without forcing the sentinel next to it
  marked = id: {
    inherit id;
    boom = throw "lazy";
  };

  input = {
    unknownTop = lazy;
    machines = {
      web1 = {
        tags = [ "web" ];
        other = lazy;
      };
      web2 = {
        tags = [ "web" ];
        machineClass = "darwin";
        deploy = lazy;
      };
      db = {
        other = lazy;
      };
    };
    tags = {
      backup = [ "db" ];
    };
    modules = {
      "<clan-core>-srv" = {
        roles = [ "server" "client" ];
        maxInstances = 2;
        constraints.server = {
          minMachines = 1;
          foo = lazy;
        };
        description = lazy;
      };
    };
    instances = {
      i = {
        foo = lazy;
        module = {
          name = "srv";
          bar = lazy;
        };
        roles.server = {
          machines.web1 = {
            settings = marked "explicit-web1";
            other = lazy;
          };
          machines.db = {
            other = lazy;
          };
          tags = {
            web = {
              settings = marked "tag-web";
              other = lazy;
            };
            backup.settings = lazy;
            nomatch.settings = lazy;
          };
          settings = lazy;
          extraModules = lazy;
          unknown = lazy;
        };
        roles.client = {
          tags = [ "web" ];
          settings = marked "client-role";
          extraModules = marked "client-extra";
        };
      };
      j = {
        other = lazy;
        roles.x = {
          machines.web2.settings = lazy;
          settings = lazy;
          extraModules = lazy;
        };
      };
    };
  };

  called = tryEval (impl input);
  r = called.value;

  # Force everything except settings / extraModules / imports elements.
  forceRole =
    role:
    attrNames role == [ "extraModules" "machines" "settings" ]
    && all (
      m:
      let
        e = role.machines.${m};
      in
      attrNames e == [ "settings" ]
      && attrNames e.settings == [ "imports" ]
      && length e.settings.imports >= 1
    ) (attrNames role.machines);

  forceAll =
    attrNames r == [ "instances" "machines" "modules" "tags" "warnings" ]
    && deepSeq [ r.modules r.machines r.tags r.warnings ] true
    && all (
      i:
      let
        inst = r.instances.${i};
      in
      attrNames inst == [ "module" "moduleId" "roles" ]
      && deepSeq [ inst.module inst.moduleId ] true
      && all (rn: forceRole inst.roles.${rn}) (attrNames inst.roles)
    ) (attrNames r.instances);

  fails = v: !(tryEval v).success;
  server = r.instances.i.roles.server;
  client = r.instances.i.roles.client;
  x = r.instances.j.roles.x;
  imports = m: server.machines.${m}.settings.imports;

  checks = {
    callSucceeds = called.success;
    forceAllSucceeds = (tryEval forceAll).value == true;
    roleSettingsPassedThrough = fails server.settings && fails x.settings && client.settings.id == "client-role";
    extraModulesPassedThrough =
      fails server.extraModules && fails x.extraModules && client.extraModules.id == "client-extra";
    explicitSettings = (builtins.head (imports "web1")).id == "explicit-web1";
    tagSettings = (builtins.elemAt (imports "web1") 1).id == "tag-web";
    tagSettingsLazy = length (imports "db") == 2 && fails (builtins.elemAt (imports "db") 1);
    explicitSettingsLazy = fails (builtins.head x.machines.web2.settings.imports);
    defaultsAreEmpty =
      (builtins.head (imports "db")) == { } && (builtins.head (imports "web2")) == { } && (builtins.head client.machines.web1.settings.imports) == { };
    warningText =
      r.warnings == [
        "instances.i.roles.server.tags.nomatch: tag 'nomatch' matches no machine; tags in use: all, backup, darwin, nixos, web"
      ];
    members =
      attrNames server.machines == [ "db" "web1" "web2" ] && attrNames client.machines == [ "web1" "web2" ];
  };

  failed = builtins.filter (n: !checks.${n}) (attrNames checks);
in
if !called.success then
  trace "instances-lazy: calling the implementation failed" false
else if failed == [ ] then
  true
else
  trace "instances-lazy: failed checks: ${toString failed}" false
