# A relative string; no instances at all.
{
  input = {
    module = "services/redis.nix";
    instances = { };
  };
  expect = {
    service = "redis";
    enabled = [ ];
    instances = { };
    settings = [ ];
    processes = { };
  };
}
