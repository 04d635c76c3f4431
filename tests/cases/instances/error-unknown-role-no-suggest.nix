{
  input = {
    machines = { };
    modules."self-m".roles = [ ];
    instances.i = {
      module = {
        name = "m";
        input = "self";
      };
      roles.server = { };
    };
  };
  error = "instances.i.roles.server: module 'self-m' has no role 'server'; its roles: (none)";
}
