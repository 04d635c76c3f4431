{
  input = {
    machines = { };
    instances = { };
  };
  expect = {
    instances = { };
    modules = { };
    machines = { };
    tags = {
      all = [ ];
      nixos = [ ];
      darwin = [ ];
    };
    warnings = [ ];
  };
}
