{
  input = {
    machines = { };
    instances.i.module = {
      name = "x";
      input = 3;
    };
  };
  error = "instances.i.module.input: expected a string or null, got an integer";
}
