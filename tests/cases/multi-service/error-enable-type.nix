{
  input = {
    module = ./web.nix;
    instances.a.enable = null;
  };
  error = "services.web.a.enable: expected a Boolean, got null";
}
