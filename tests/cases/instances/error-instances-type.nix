{
  input = {
    machines = { };
    instances = null;
  };
  error = "instances: expected a set, got null";
}
