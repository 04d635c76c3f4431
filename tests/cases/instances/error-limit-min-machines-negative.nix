# minMachines is clan's `nullOr ints.unsigned`: 0 is fine, a negative number is not.
{
  input = {
    modules.m.constraints = {
      a.minMachines = 0;
      b.minMachines = -1;
    };
  };
  error = "modules.m.constraints.b.minMachines: expected a non-negative integer or null, got -1";
}
