{
  input = {
    machines = { };
    instances.i.module.name = ./.;
  };
  error = "instances.i.module.name: expected a string, got a path";
}
