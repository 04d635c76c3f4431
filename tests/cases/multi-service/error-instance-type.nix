{
  input = {
    service = "web";
    instances = {
      a = { };
      b = "enabled";
    };
  };
  error = "services.web.b: expected a set, got a string";
}
