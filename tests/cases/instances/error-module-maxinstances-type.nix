{
  input = {
    machines = { };
    modules.m.maxInstances = 1.5;
    instances = { };
  };
  error = "modules.m.maxInstances: expected a positive integer or null, got a float";
}
