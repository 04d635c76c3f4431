# Trailing `/`s are dropped before taking the base name.
{
  input = {
    module = "/srv/services/postgres//";
    instances = { };
  };
  expect = {
    service = "postgres";
    enabled = [ ];
    instances = { };
    settings = [ ];
    processes = { };
  };
}
