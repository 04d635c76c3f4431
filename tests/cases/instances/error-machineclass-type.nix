{
  input = {
    machines.m.machineClass = true;
    instances = { };
  };
  error = "machines.m.machineClass: expected a string, got a Boolean";
}
