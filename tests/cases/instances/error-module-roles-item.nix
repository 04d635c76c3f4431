{
  input = {
    machines = { };
    modules."<clan-core>-x".roles = [ "a" 1 ];
    instances = { };
  };
  error = "modules.\"<clan-core>-x\".roles[1]: expected a string, got an integer";
}
