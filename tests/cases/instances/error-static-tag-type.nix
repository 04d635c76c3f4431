{
  input = {
    machines.m = { };
    tags.web = "m";
    instances = { };
  };
  error = "tags.web: expected a list, got a string";
}
