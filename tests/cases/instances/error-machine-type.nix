# Machines are checked in name order: "a" before "b".
{
  input = {
    machines = {
      b = null;
      a = "web";
    };
    instances = { };
  };
  error = "machines.a: expected a set, got a string";
}
