# Module metadata satisfied: allowed roles, maxInstances, min/maxMachines at the bounds.
{
  input = {
    machines = {
      a = { };
      b = { };
    };
    modules."<clan-core>-zt" = {
      roles = [ "controller" "peer" ];
      maxInstances = 1;
      constraints = {
        controller = {
          minMachines = 1;
          maxMachines = 1;
        };
        peer.maxMachines = 2;
        moon = {
          minMachines = 0;
        };
      };
    };
    instances.net = {
      module.name = "zt";
      roles.controller.machines.a = { };
      roles.peer.tags = [ "all" ];
    };
  };
  expect = {
    instances.net = {
      module = {
        name = "zt";
        input = null;
      };
      moduleId = "<clan-core>-zt";
      roles = {
        controller = {
          machines.a.settings.imports = [ { } ];
          settings = { };
          extraModules = [ ];
        };
        peer = {
          machines = {
            a.settings.imports = [ { } { } ];
            b.settings.imports = [ { } { } ];
          };
          settings = { };
          extraModules = [ ];
        };
      };
    };
    modules."<clan-core>-zt" = [ "net" ];
    machines = {
      a = {
        tags = [ "all" "nixos" ];
        instances.net.roles = [ "controller" "peer" ];
      };
      b = {
        tags = [ "all" "nixos" ];
        instances.net.roles = [ "peer" ];
      };
    };
    tags = {
      all = [ "a" "b" ];
      darwin = [ ];
      nixos = [ "a" "b" ];
    };
    warnings = [ ];
  };
}
