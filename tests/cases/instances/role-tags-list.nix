# Role tags given as a list of names (duplicates collapse), members with { } imports.
{
  input = {
    machines = {
      web1.tags = [ "web" ];
      web2.tags = [ "web" "edge" ];
      db1 = { };
    };
    instances = {
      proxy = {
        module.name = "nginx";
        roles.server = {
          tags = [ "web" "edge" "web" ];
          settings = "S:proxy-server";
        };
      };
    };
  };
  expect = {
    instances.proxy = {
      module = {
        name = "nginx";
        input = null;
      };
      moduleId = "<clan-core>-nginx";
      roles.server = {
        machines = {
          web1.settings.imports = [ { } { } ];
          web2.settings.imports = [ { } { } { } ];
        };
        settings = "S:proxy-server";
        extraModules = [ ];
      };
    };
    modules."<clan-core>-nginx" = [ "proxy" ];
    machines = {
      db1 = {
        tags = [ "all" "nixos" ];
        instances = { };
      };
      web1 = {
        tags = [ "all" "nixos" "web" ];
        instances.proxy.roles = [ "server" ];
      };
      web2 = {
        tags = [ "all" "edge" "nixos" "web" ];
        instances.proxy.roles = [ "server" ];
      };
    };
    tags = {
      all = [ "db1" "web1" "web2" ];
      darwin = [ ];
      edge = [ "web2" ];
      nixos = [ "db1" "web1" "web2" ];
      web = [ "web1" "web2" ];
    };
    warnings = [ ];
  };
}
