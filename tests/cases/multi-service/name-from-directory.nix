# A directory module (./postgres, i.e. postgres/default.nix): its base name; `service = null`
# is the same as absent.
{
  input = {
    service = null;
    module = ./postgres;
    instances.pg1 = { };
  };
  expect = {
    service = "postgres";
    enabled = [ ];
    instances.pg1 = { name = "pg1"; enable = false; namespace = "postgres.pg1"; dataDir = "./data/pg1"; };
    settings = [ ];
    processes = { };
  };
}
