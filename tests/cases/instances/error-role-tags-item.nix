{
  input = {
    machines.web1 = { };
    instances.i.roles.r.tags = [ "web" null ];
  };
  error = "instances.i.roles.r.tags[1]: expected a string, got null";
}
