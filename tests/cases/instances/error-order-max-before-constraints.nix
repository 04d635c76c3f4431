{
  input = {
    machines.m = { };
    modules = {
      "<clan-core>-b".maxInstances = 0;
      "<clan-core>-a".constraints.r.minMachines = 5;
    };
    instances = {
      x.module.name = "a";
      y.module.name = "b";
    };
  };
  error = "instances.y: module '<clan-core>-b' allows at most 0 instances; used by y";
}
