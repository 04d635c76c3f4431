# A store path string ("${./apache-kafka.nix}"): the `<32-character hash>-` prefix is dropped.
{
  input = {
    module = "/nix/store/0c7a2k1vz6qfd0r8pbhvgrzl3ljdq4s3-apache-kafka.test.nix";
    instances = { };
  };
  expect = {
    service = "apache-kafka";
    enabled = [ ];
    instances = { };
    settings = [ ];
    processes = { };
  };
}
