{
  input = [ "hello" ];
  error = "expected a set, got a list";
}
