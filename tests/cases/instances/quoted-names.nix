# Names that are not identifiers are quoted in paths (here in a warning); identifiers may
# contain ' and -.
{
  input = {
    machines = {
      "my host".tags = [ "front end" ];
      "it's-ok" = { };
    };
    instances = {
      "my inst".roles."the role" = {
        tags = [ "front end" "x\"y z" ];
        machines."it's-ok".settings = "S:ok";
      };
    };
  };
  expect = {
    instances."my inst" = {
      module = {
        name = "my inst";
        input = null;
      };
      moduleId = "<clan-core>-my inst";
      roles."the role" = {
        machines = {
          "it's-ok".settings.imports = [ "S:ok" ];
          "my host".settings.imports = [ { } { } ];
        };
        settings = { };
        extraModules = [ ];
      };
    };
    modules."<clan-core>-my inst" = [ "my inst" ];
    machines = {
      "it's-ok" = {
        tags = [ "all" "nixos" ];
        instances."my inst".roles = [ "the role" ];
      };
      "my host" = {
        tags = [ "all" "front end" "nixos" ];
        instances."my inst".roles = [ "the role" ];
      };
    };
    tags = {
      all = [ "it's-ok" "my host" ];
      darwin = [ ];
      "front end" = [ "my host" ];
      nixos = [ "it's-ok" "my host" ];
    };
    warnings = [
      "instances.\"my inst\".roles.\"the role\".tags.\"x\\\"y z\": tag 'x\"y z' matches no machine; tags in use: all, front end, nixos"
    ];
  };
}
