# Dashes stay; the name is cut at the first `.`.
{
  input = {
    module = ./apache-kafka.nix;
    instances.k1.enable = false;
  };
  expect = {
    service = "apache-kafka";
    enabled = [ ];
    instances.k1 = { name = "k1"; enable = false; namespace = "apache-kafka.k1"; dataDir = "./data/k1"; };
    settings = [ ];
    processes = { };
  };
}
