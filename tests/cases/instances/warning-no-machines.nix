# No machine at all: every role tag warns, "tags in use" is (none); computed tags still listed.
{
  input = {
    machines = { };
    instances.i.roles.r.tags.all = { };
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
    warnings = [
      "instances.i.roles.r.tags.all: tag 'all' matches no machine; tags in use: (none)"
    ];
  };
}
