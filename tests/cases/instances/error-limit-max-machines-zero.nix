# maxMachines is clan's `nullOr ints.positive`.
{
  input = {
    modules.m.constraints.a.maxMachines = 0;
  };
  error = "modules.m.constraints.a.maxMachines: expected a positive integer or null, got 0";
}
