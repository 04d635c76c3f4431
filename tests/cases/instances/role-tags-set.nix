# Role tags given as a set, with and without settings; extraModules passed through.
{
  input = {
    machines = {
      a.tags = [ "x" ];
      b.tags = [ "y" ];
      c.tags = [ "x" "y" ];
    };
    instances = {
      svc = {
        roles.peer = {
          tags = {
            y = { };
            x.settings = "S:tag-x";
          };
          extraModules = [ "E:one" "E:two" ];
        };
      };
    };
  };
  expect = {
    instances.svc = {
      module = {
        name = "svc";
        input = null;
      };
      moduleId = "<clan-core>-svc";
      roles.peer = {
        machines = {
          a.settings.imports = [ { } "S:tag-x" ];
          b.settings.imports = [ { } { } ];
          c.settings.imports = [ { } "S:tag-x" { } ];
        };
        settings = { };
        extraModules = [ "E:one" "E:two" ];
      };
    };
    modules."<clan-core>-svc" = [ "svc" ];
    machines = {
      a = {
        tags = [ "all" "nixos" "x" ];
        instances.svc.roles = [ "peer" ];
      };
      b = {
        tags = [ "all" "nixos" "y" ];
        instances.svc.roles = [ "peer" ];
      };
      c = {
        tags = [ "all" "nixos" "x" "y" ];
        instances.svc.roles = [ "peer" ];
      };
    };
    tags = {
      all = [ "a" "b" "c" ];
      darwin = [ ];
      nixos = [ "a" "b" "c" ];
      x = [ "a" "c" ];
      y = [ "b" "c" ];
    };
    warnings = [ ];
  };
}
