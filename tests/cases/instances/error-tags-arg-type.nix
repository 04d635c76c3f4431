{
  input = {
    machines.m = { };
    tags = [ "m" ];
    instances = { };
  };
  error = "tags: expected a set, got a list";
}
