{
  input = {
    machines.web1 = { };
    instances.i.roles.r.tags = "web";
  };
  error = "instances.i.roles.r.tags: expected a set or a list of tag names, got a string";
}
