{
  input = {
    machines.web1 = { };
    instances.i.roles.r.machines.web1 = "S:x";
  };
  error = "instances.i.roles.r.machines.web1: expected a set, got a string";
}
