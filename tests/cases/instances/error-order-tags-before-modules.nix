{
  input = {
    machines.m = { };
    tags.t = [ "nope" ];
    modules.x = 1;
    instances.i = 1;
  };
  error = "tags.t[0]: no machine named 'nope'";
}
