# The seed example's shape: `multiService ./hello.nix` with two enabled instances; the
# service name comes from the path's base name, namespace and dataDir take their defaults.
{
  input = {
    module = ./hello.nix;
    instances = {
      hello1 = {
        enable = true;
        message = "Hello, world!";
        outputs.settings.processes.hello1.command = "hello --greeting='Hello, world!'";
      };
      hello2 = {
        enable = true;
        message = "Hello, Nix!";
        outputs.settings.processes.hello2.command = "hello --greeting='Hello, Nix!'";
      };
    };
  };
  expect = {
    service = "hello";
    enabled = [ "hello1" "hello2" ];
    instances = {
      hello1 = { name = "hello1"; enable = true; namespace = "hello.hello1"; dataDir = "./data/hello1"; };
      hello2 = { name = "hello2"; enable = true; namespace = "hello.hello2"; dataDir = "./data/hello2"; };
    };
    settings = [
      { processes.hello1.command = "hello --greeting='Hello, world!'"; }
      { processes.hello2.command = "hello --greeting='Hello, Nix!'"; }
    ];
    processes = { hello1 = "hello1"; hello2 = "hello2"; };
  };
}
