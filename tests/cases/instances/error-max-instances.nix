{
  input = {
    machines = { };
    modules."<clan-core>-m".maxInstances = 2;
    instances = {
      c.module.name = "m";
      a.module.name = "m";
      other = { };
      b.module.name = "m";
    };
  };
  error = "instances.c: module '<clan-core>-m' allows at most 2 instances; used by a, b, c";
}
