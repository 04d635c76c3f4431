# A small clan-style inventory: three machines, two services, roles by tag and by name.
{
  machines = {
    web1 = { tags = [ "web" "backup" ]; };
    web2 = { tags = [ "web" ]; };
    db1 = { tags = [ "backup" ]; };
    mac1 = { machineClass = "darwin"; };
  };

  tags.monitored = [ "web1" "db1" ];

  instances = {
    # borgbackup from clan-core (`input = null`, the default, is clan-core's modules, as in
    # clan): every machine tagged `backup` is a client, db1 the server.
    borgbackup = {
      module.name = "borgbackup";
      roles.client.tags.backup = { };
      roles.server.machines.db1.settings = { directory = "/srv/borg"; };
    };

    # A module of this flake (`input = "self"`): web servers greet with per-machine settings.
    hello = {
      module = { name = "hello"; input = "self"; };
      roles.server = {
        tags.web.settings = { greeting = "hi from the web tag"; };
        machines.web1.settings = { greeting = "hi from web1"; };
        settings = { port = 8080; };
      };
    };

    # All nixos machines run the monitoring agent (clan-core's `monitoring`).
    monitoring = {
      roles.agent.tags = [ "nixos" ];
      roles.collector.machines.db1 = { };
    };
  };

  # Validation for one module: its roles and limits.
  modules."<clan-core>-monitoring" = {
    roles = [ "agent" "collector" ];
    constraints.collector = { minMachines = 1; maxMachines = 1; };
  };
}
