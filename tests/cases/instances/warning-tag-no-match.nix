# A role tag carried by no machine: a warning (instance, role, tag order) with did-you-mean
# over the tags in use; tags present in the `tags` argument with no machine are not in use.
{
  input = {
    machines = {
      web1.tags = [ "webserver" ];
      mac.machineClass = "darwin";
    };
    tags.unused = [ ];
    instances = {
      b = {
        roles.r.tags = [ "zzzzzzzzzzz" ];
      };
      a = {
        roles.s.tags = [ "webservre" "unused" ];
        roles.r.tags = {
          nixo = { };
          darwin.settings = "S:darwin";
        };
      };
    };
  };
  expect = {
    instances = {
      a = {
        module = {
          name = "a";
          input = null;
        };
        moduleId = "<clan-core>-a";
        roles = {
          r = {
            machines.mac.settings.imports = [ { } "S:darwin" ];
            settings = { };
            extraModules = [ ];
          };
          s = {
            machines = { };
            settings = { };
            extraModules = [ ];
          };
        };
      };
      b = {
        module = {
          name = "b";
          input = null;
        };
        moduleId = "<clan-core>-b";
        roles.r = {
          machines = { };
          settings = { };
          extraModules = [ ];
        };
      };
    };
    modules = {
      "<clan-core>-a" = [ "a" ];
      "<clan-core>-b" = [ "b" ];
    };
    machines = {
      mac = {
        tags = [ "all" "darwin" ];
        instances.a.roles = [ "r" ];
      };
      web1 = {
        tags = [ "all" "nixos" "webserver" ];
        instances = { };
      };
    };
    tags = {
      all = [ "mac" "web1" ];
      darwin = [ "mac" ];
      nixos = [ "web1" ];
      unused = [ ];
      webserver = [ "web1" ];
    };
    warnings = [
      "instances.a.roles.r.tags.nixo: tag 'nixo' matches no machine (did you mean 'nixos'?); tags in use: all, darwin, nixos, webserver"
      "instances.a.roles.s.tags.unused: tag 'unused' matches no machine; tags in use: all, darwin, nixos, webserver"
      "instances.a.roles.s.tags.webservre: tag 'webservre' matches no machine (did you mean 'webserver'?); tags in use: all, darwin, nixos, webserver"
      "instances.b.roles.r.tags.zzzzzzzzzzz: tag 'zzzzzzzzzzz' matches no machine; tags in use: all, darwin, nixos, webserver"
    ];
  };
}
