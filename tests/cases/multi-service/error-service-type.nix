# A non-string, non-null `service` is an error even when `module` would give a name.
{
  input = {
    service = 42;
    module = ./hello.nix;
    instances = { };
  };
  error = "service: expected a string or null, got an integer";
}
