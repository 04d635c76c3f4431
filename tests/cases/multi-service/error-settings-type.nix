{
  input = {
    service = "web";
    instances.a = {
      enable = true;
      outputs.settings = x: x;
    };
  };
  error = "services.web.a.outputs.settings: expected a set, got a function";
}
