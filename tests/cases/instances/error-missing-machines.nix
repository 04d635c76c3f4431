{
  input = {
    instances = { };
  };
  error = "machines: missing required attribute";
}
