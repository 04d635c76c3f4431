{
  input = {
    service = "web";
    instances.a = {
      enable = true;
      outputs = [ ];
    };
  };
  error = "services.web.a.outputs: expected a set, got a list";
}
