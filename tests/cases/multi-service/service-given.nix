# A string `service` wins and `module` is never forced.
{
  input = {
    service = "web";
    module = throw "module forced";
    instances.a = {
      enable = true;
      outputs.settings.processes.server = { command = "serve"; };
    };
  };
  expect = {
    service = "web";
    enabled = [ "a" ];
    instances.a = { name = "a"; enable = true; namespace = "web.a"; dataDir = "./data/a"; };
    settings = [ { processes.server.command = "serve"; } ];
    processes.server = "a";
  };
}
