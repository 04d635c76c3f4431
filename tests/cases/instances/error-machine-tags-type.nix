{
  input = {
    machines.m.tags = { web = true; };
    instances = { };
  };
  error = "machines.m.tags: expected a list, got a set";
}
