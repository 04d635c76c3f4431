# A computed tag given in the `tags` argument is not computed: the given list replaces it
# (own tags still count).
{
  input = {
    machines = {
      a = { };
      b = {
        tags = [ "nixos" ];
      };
      c = { };
      d = {
        machineClass = "darwin";
      };
    };
    tags = {
      all = [ "a" ];
      nixos = [ "a" ];
      darwin = [ ];
    };
    instances = {
      everyone = {
        roles.default.tags = [ "all" ];
      };
    };
  };
  expect = {
    instances = {
      everyone = {
        module = {
          name = "everyone";
          input = null;
        };
        moduleId = "<clan-core>-everyone";
        roles.default = {
          machines.a.settings.imports = [ { } { } ];
          settings = { };
          extraModules = [ ];
        };
      };
    };
    modules = {
      "<clan-core>-everyone" = [ "everyone" ];
    };
    machines = {
      a = {
        tags = [ "all" "nixos" ];
        instances.everyone.roles = [ "default" ];
      };
      b = {
        tags = [ "nixos" ];
        instances = { };
      };
      c = {
        tags = [ ];
        instances = { };
      };
      d = {
        tags = [ ];
        instances = { };
      };
    };
    tags = {
      all = [ "a" ];
      darwin = [ ];
      nixos = [ "a" "b" ];
    };
    warnings = [ ];
  };
}
