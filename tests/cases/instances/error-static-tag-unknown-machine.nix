{
  input = {
    machines = {
      web1 = { };
      web2 = { };
    };
    tags.web = [ "web1" "wbe2" ];
    instances = { };
  };
  error = "tags.web[1]: no machine named 'wbe2' (did you mean 'web2'?)";
}
