# moduleId from input; modules output lists only used module ids, instances sorted.
{
  input = {
    machines.m1 = { };
    instances = {
      zeta = {
        module = {
          name = "hello";
          input = "self";
        };
      };
      alpha = {
        module = {
          name = "hello";
          input = "self";
        };
        roles.default.machines.m1 = { };
      };
      beta = {
        module.name = "hello";
      };
    };
    modules = {
      "self-hello" = {
        roles = [ "default" ];
      };
      # limits of a module no instance uses are checked, never applied
      "<clan-core>-unused" = {
        maxInstances = 1;
      };
    };
  };
  expect = {
    instances = {
      alpha = {
        module = {
          name = "hello";
          input = "self";
        };
        moduleId = "self-hello";
        roles.default = {
          machines.m1.settings.imports = [ { } ];
          settings = { };
          extraModules = [ ];
        };
      };
      beta = {
        module = {
          name = "hello";
          input = null;
        };
        moduleId = "<clan-core>-hello";
        roles = { };
      };
      zeta = {
        module = {
          name = "hello";
          input = "self";
        };
        moduleId = "self-hello";
        roles = { };
      };
    };
    modules = {
      "<clan-core>-hello" = [ "beta" ];
      "self-hello" = [ "alpha" "zeta" ];
    };
    machines.m1 = {
      tags = [ "all" "nixos" ];
      instances.alpha.roles = [ "default" ];
    };
    tags = {
      all = [ "m1" ];
      darwin = [ ];
      nixos = [ "m1" ];
    };
    warnings = [ ];
  };
}
