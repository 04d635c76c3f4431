{
  input = {
    service = "web";
    instances = [ { enable = true; } ];
  };
  error = "instances: expected a set, got a list";
}
