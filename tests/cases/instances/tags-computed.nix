# Effective tags: own tags, the `tags` argument, computed all/nixos/darwin; unique, sorted.
{
  input = {
    machines = {
      web1 = {
        tags = [ "web" "eu" "web" ];
      };
      mac = {
        machineClass = "darwin";
        tags = [ "laptop" ];
      };
      db = {
        machineClass = "nixos";
      };
    };
    tags = {
      backup = [ "db" "web1" ];
      eu = [ "db" ];
      empty = [ ];
    };
    instances = { };
  };
  expect = {
    instances = { };
    modules = { };
    machines = {
      db = {
        tags = [ "all" "backup" "eu" "nixos" ];
        instances = { };
      };
      mac = {
        tags = [ "all" "darwin" "laptop" ];
        instances = { };
      };
      web1 = {
        tags = [ "all" "backup" "eu" "nixos" "web" ];
        instances = { };
      };
    };
    tags = {
      all = [ "db" "mac" "web1" ];
      backup = [ "db" "web1" ];
      darwin = [ "mac" ];
      empty = [ ];
      eu = [ "db" "web1" ];
      laptop = [ "mac" ];
      nixos = [ "db" "web1" ];
      web = [ "web1" ];
    };
    warnings = [ ];
  };
}
