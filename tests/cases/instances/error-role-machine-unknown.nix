{
  input = {
    machines.web1 = { };
    instances.i.roles.r.machines.database = { };
  };
  error = "instances.i.roles.r.machines.database: no machine named 'database'";
}
