{
  input = {
    machines = [ "web1" ];
    instances = { };
  };
  error = "machines: expected a set, got a list";
}
