{
  input = {
    machines = {
      good = { };
      bad.machineClass = "linux";
    };
    instances = { };
  };
  error = "machines.bad.machineClass: expected \"nixos\" or \"darwin\", got \"linux\"";
}
