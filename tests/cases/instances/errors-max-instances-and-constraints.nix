# maxInstances and role constraints are all reported together, sorted by path.
{
  input = {
    machines.m = { };
    modules = {
      "<clan-core>-b".maxInstances = 1;
      "<clan-core>-a".constraints.r.minMachines = 5;
    };
    instances = {
      x.module.name = "a";
      y.module.name = "b";
      w.module.name = "b";
      v = {
        module.name = "a";
        roles.r.tags = [ "all" ];
      };
    };
  };
  errors = [
    "instances.v.roles.r: module '<clan-core>-a' needs at least 5 machines in role 'r', got 1"
    "instances.x.roles.r: module '<clan-core>-a' needs at least 5 machines in role 'r', got 0"
    "instances.y: module '<clan-core>-b' allows at most 1 instances; used by w, y"
  ];
}
