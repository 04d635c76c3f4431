{
  input = {
    machines."my host".tags = [ "ok" [ "nested" ] ];
    instances = { };
  };
  error = "machines.\"my host\".tags[1]: expected a string, got a list";
}
