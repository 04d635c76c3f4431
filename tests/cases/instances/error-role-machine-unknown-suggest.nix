{
  input = {
    machines = {
      "my host" = { };
      other = { };
    };
    instances."my inst".roles.server.machines."my hots" = { };
  };
  error = "instances.\"my inst\".roles.server.machines.\"my hots\": no machine named 'my hots' (did you mean 'my host'?)";
}
