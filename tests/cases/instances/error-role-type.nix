{
  input = {
    machines = { };
    instances.i.roles.server = [ ];
  };
  error = "instances.i.roles.server: expected a set, got a list";
}
