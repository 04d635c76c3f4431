# Names that are not identifiers are quoted in the path; the first duplicate process of the
# instance in name order is reported.
{
  input = {
    module = "/srv/my.service.nix";
    instances = {
      "web 1" = {
        enable = true;
        outputs.settings.processes = { "run server" = { }; zeta = { }; };
      };
      "web 2" = {
        enable = true;
        outputs.settings.processes = { zeta = { }; "run server" = { }; };
      };
    };
  };
  error = ''services.my."web 2".outputs.settings.processes."run server": process 'run server' is defined by both instances 'web 1' and 'web 2' of service 'my'; process names must be unique across instances, so include the instance name in it (e.g. processes."''${name}-run server")'';
}
