# Structural checks of all instances come before the semantic checks: the type error is
# reported alone, not the unknown machine, maxInstances or constraint failures.
{
  input = {
    machines.m = { };
    modules."<clan-core>-m" = {
      maxInstances = 1;
      constraints.r.minMachines = 5;
    };
    instances = {
      a.module.name = "m";
      b.module.name = "m";
      z.roles.r.machines.ghost = { };
      z.roles.r.tags = 3;
    };
  };
  error = "instances.z.roles.r.tags: expected a set or a list of tag names, got an integer";
}
