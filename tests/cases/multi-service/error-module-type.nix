# `multiService` needs a path or a string to take the name from; a module set has none.
{
  input = {
    module = { options = { }; };
    instances = { };
  };
  error = "module: expected a path or a string, got a set";
}
