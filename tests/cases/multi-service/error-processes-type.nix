{
  input = {
    service = "web";
    instances.a = {
      enable = true;
      outputs.settings.processes = [ "server" ];
    };
  };
  error = "services.web.a.outputs.settings.processes: expected a set, got a list";
}
