# Check order: machines (2) before tags (3) before modules (4) before instances (5).
{
  input = {
    machines.m.machineClass = "windows";
    tags.t = [ "nope" ];
    modules.x = 1;
    instances.i = 1;
  };
  error = "machines.m.machineClass: expected \"nixos\" or \"darwin\", got \"windows\"";
}
