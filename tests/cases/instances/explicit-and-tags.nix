# Members = explicit ∪ tagged; imports = explicit settings (or { }), then each carried role
# tag's settings in tag-name order. Several roles and instances per machine.
{
  input = {
    machines = {
      web1.tags = [ "web" "backup" ];
      web2.tags = [ "web" ];
      db1.tags = [ "backup" ];
      lonely = { };
    };
    instances = {
      borg = {
        module.name = "borgbackup";
        roles.client = {
          tags.backup.settings = "S:backup-client";
          machines.web2.settings = "S:web2-client";
        };
        roles.server = {
          machines.db1 = { };
        };
      };
      web = {
        module.name = "nginx";
        roles.server = {
          machines.web1.settings = "S:web1";
          tags = {
            web.settings = "S:web-server";
            backup.settings = "S:backup-server";
          };
          settings = "S:server-role";
        };
      };
    };
  };
  expect = {
    instances = {
      borg = {
        module = {
          name = "borgbackup";
          input = null;
        };
        moduleId = "<clan-core>-borgbackup";
        roles = {
          client = {
            machines = {
              db1.settings.imports = [ { } "S:backup-client" ];
              web1.settings.imports = [ { } "S:backup-client" ];
              web2.settings.imports = [ "S:web2-client" ];
            };
            settings = { };
            extraModules = [ ];
          };
          server = {
            machines.db1.settings.imports = [ { } ];
            settings = { };
            extraModules = [ ];
          };
        };
      };
      web = {
        module = {
          name = "nginx";
          input = null;
        };
        moduleId = "<clan-core>-nginx";
        roles.server = {
          machines = {
            db1.settings.imports = [ { } "S:backup-server" ];
            web1.settings.imports = [ "S:web1" "S:backup-server" "S:web-server" ];
            web2.settings.imports = [ { } "S:web-server" ];
          };
          settings = "S:server-role";
          extraModules = [ ];
        };
      };
    };
    modules = {
      "<clan-core>-borgbackup" = [ "borg" ];
      "<clan-core>-nginx" = [ "web" ];
    };
    machines = {
      db1 = {
        tags = [ "all" "backup" "nixos" ];
        instances = {
          borg.roles = [ "client" "server" ];
          web.roles = [ "server" ];
        };
      };
      lonely = {
        tags = [ "all" "nixos" ];
        instances = { };
      };
      web1 = {
        tags = [ "all" "backup" "nixos" "web" ];
        instances = {
          borg.roles = [ "client" ];
          web.roles = [ "server" ];
        };
      };
      web2 = {
        tags = [ "all" "nixos" "web" ];
        instances = {
          borg.roles = [ "client" ];
          web.roles = [ "server" ];
        };
      };
    };
    tags = {
      all = [ "db1" "lonely" "web1" "web2" ];
      backup = [ "db1" "web1" ];
      darwin = [ ];
      nixos = [ "db1" "lonely" "web1" "web2" ];
      web = [ "web1" "web2" ];
    };
    warnings = [ ];
  };
}
