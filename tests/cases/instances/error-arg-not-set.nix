# The argument itself has the empty path: the message has no "<path>: " prefix.
{
  input = [ ];
  error = "expected a set, got a list";
}
