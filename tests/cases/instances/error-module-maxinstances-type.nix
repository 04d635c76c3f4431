{
  input = {
    machines = { };
    modules.m.maxInstances = 1.5;
    instances = { };
  };
  error = "modules.m.maxInstances: expected an integer or null, got a float";
}
