# The hash prefix is only dropped directly under /nix/store.
{
  input = {
    module = "/tmp/nix/store/0c7a2k1vz6qfd0r8pbhvgrzl3ljdq4s3-redis.nix";
    instances = { };
  };
  expect = {
    service = "0c7a2k1vz6qfd0r8pbhvgrzl3ljdq4s3-redis";
    enabled = [ ];
    instances = { };
    settings = [ ];
    processes = { };
  };
}
