# `machines` is optional (clan defaults it to { }); with none, every role tag is unmatched.
{
  input = {
    instances.i.roles.r.tags = [ "all" ];
  };
  expect = {
    instances.i = {
      module = {
        name = "i";
        input = null;
      };
      moduleId = "<clan-core>-i";
      roles.r = {
        machines = { };
        settings = { };
        extraModules = [ ];
      };
    };
    modules."<clan-core>-i" = [ "i" ];
    machines = { };
    tags = {
      all = [ ];
      darwin = [ ];
      nixos = [ ];
    };
    warnings = [ "instances.i.roles.r.tags.all: tag 'all' matches no machine; tags in use: (none)" ];
  };
}
