# Unknown attributes are ignored whatever their type; modules.<id>.roles = null allows any
# role; a module id absent from `modules` is not checked.
{
  input = {
    meta = 1;
    machines.m = {
      deploy.targetHost = 42;
      description = [ ];
    };
    modules."<clan-core>-any" = {
      roles = null;
      maxInstances = null;
      constraints = { };
      description = 7;
    };
    instances = {
      a = {
        module.name = "any";
        description = null;
        roles.whatever = {
          machines.m.extra = 1;
          tags = { };
          priority = 3;
        };
      };
      b = {
        module = {
          name = "unlisted";
          input = "flake";
          foo = 1;
        };
        roles.x.tags = [ ];
      };
    };
  };
  expect = {
    instances = {
      a = {
        module = {
          name = "any";
          input = null;
        };
        moduleId = "<clan-core>-any";
        roles.whatever = {
          machines.m.settings.imports = [ { } ];
          settings = { };
          extraModules = [ ];
        };
      };
      b = {
        module = {
          name = "unlisted";
          input = "flake";
        };
        moduleId = "flake-unlisted";
        roles.x = {
          machines = { };
          settings = { };
          extraModules = [ ];
        };
      };
    };
    modules = {
      "<clan-core>-any" = [ "a" ];
      "flake-unlisted" = [ "b" ];
    };
    machines.m = {
      tags = [ "all" "nixos" ];
      instances.a.roles = [ "whatever" ];
    };
    tags = {
      all = [ "m" ];
      darwin = [ ];
      nixos = [ "m" ];
    };
    warnings = [ ];
  };
}
