# A type error anywhere is reported alone, before any unknown name: here an unknown machine
# in the `tags` argument (checked before modules) loses to a module of the wrong type.
{
  input = {
    machines.m = { };
    tags.t = [ "nope" ];
    modules.x = 1;
    instances.i.roles.r.machines.ghost = { };
  };
  error = "modules.x: expected a set, got an integer";
}
