# `instances` is optional (clan defaults it to { }): clan-core's own inventory.json has only
# `machines`.
{
  input = {
    machines.a.tags = [ "web" ];
  };
  expect = {
    instances = { };
    modules = { };
    machines.a = {
      tags = [ "all" "nixos" "web" ];
      instances = { };
    };
    tags = {
      all = [ "a" ];
      darwin = [ ];
      nixos = [ "a" ];
      web = [ "a" ];
    };
    warnings = [ ];
  };
}
