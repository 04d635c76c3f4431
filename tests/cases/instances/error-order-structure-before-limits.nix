# Structural checks of all instances (5) come before maxInstances (6) and constraints (7).
{
  input = {
    machines.m = { };
    modules."<clan-core>-m" = {
      maxInstances = 0;
      constraints.r.minMachines = 5;
    };
    instances = {
      a.module.name = "m";
      z.roles.r.machines.ghost = { };
    };
  };
  error = "instances.z.roles.r.machines.ghost: no machine named 'ghost'";
}
