{
  input = {
    machines = { };
    modules.m.constraints.server.minMachines = "1";
    instances = { };
  };
  error = "modules.m.constraints.server.minMachines: expected a non-negative integer or null, got a string";
}
