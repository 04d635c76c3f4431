{
  input = {
    service = "web";
  };
  error = "instances: missing required attribute";
}
