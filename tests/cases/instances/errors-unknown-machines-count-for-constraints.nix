# Constraints count a role's explicit machines as clan does, unknown ones included (clan-core's
# cliChecks report "allows at most 1 machine(s) but 2 are assigned" here): fixing a misspelt
# name does not change the count.
{
  input = {
    machines.jon = { };
    modules."self-svc".constraints.server = {
      minMachines = 1;
      maxMachines = 1;
    };
    instances.a = {
      module = {
        name = "svc";
        input = "self";
      };
      roles.server.machines = {
        ghost = { };
        jno = { };
      };
    };
  };
  errors = [
    "instances.a.roles.server: module 'self-svc' needs at most 1 machines in role 'server', got 2"
    "instances.a.roles.server.machines.ghost: no machine named 'ghost'"
    "instances.a.roles.server.machines.jno: no machine named 'jno' (did you mean 'jon'?)"
  ];
}
