# Both presence checks come before any type check.
{
  input = {
    machines = [ ];
  };
  error = "instances: missing required attribute";
}
