# maxInstances is clan's `nullOr ints.positive`: 0 is rejected even when no instance uses the
# module.
{
  input = {
    modules.m.maxInstances = 0;
  };
  error = "modules.m.maxInstances: expected a positive integer or null, got 0";
}
