# Members counted once even when explicit and tagged.
{
  input = {
    machines = {
      a.tags = [ "t" ];
      b.tags = [ "t" ];
      c = { };
    };
    modules."<clan-core>-m".constraints.server = {
      minMachines = 1;
      maxMachines = 1;
    };
    instances.i = {
      module.name = "m";
      roles.server = {
        machines.a = { };
        tags = [ "t" ];
      };
    };
  };
  error = "instances.i.roles.server: module '<clan-core>-m' needs at most 1 machines in role 'server', got 2";
}
