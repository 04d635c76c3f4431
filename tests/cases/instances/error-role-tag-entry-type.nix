{
  input = {
    machines.web1 = { };
    instances.i.roles.r.tags.web = [ ];
  };
  error = "instances.i.roles.r.tags.web: expected a set, got a list";
}
