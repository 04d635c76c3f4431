# The instance lacks the constrained role: k = 0.
{
  input = {
    machines.a = { };
    modules."<clan-core>-m".constraints.server.minMachines = 1;
    instances.i = {
      module.name = "m";
      roles.client.machines.a = { };
    };
  };
  error = "instances.i.roles.server: module '<clan-core>-m' needs at least 1 machines in role 'server', got 0";
}
