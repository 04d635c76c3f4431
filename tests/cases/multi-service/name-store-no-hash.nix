# Under /nix/store but without a 32-character hash: nothing is dropped.
{
  input = {
    module = "/nix/store/abc-redis.nix";
    instances = { };
  };
  expect = {
    service = "abc-redis";
    enabled = [ ];
    instances = { };
    settings = [ ];
    processes = { };
  };
}
