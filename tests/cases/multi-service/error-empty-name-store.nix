# A store path that is only a hash prefix: nothing is left.
{
  input = {
    module = "/nix/store/0c7a2k1vz6qfd0r8pbhvgrzl3ljdq4s3-";
    instances = { };
  };
  error = "module: cannot derive a service name from '/nix/store/0c7a2k1vz6qfd0r8pbhvgrzl3ljdq4s3-'";
}
