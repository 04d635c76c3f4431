# Instances are checked one by one in name order: b's duplicate process comes before c's
# type error.
{
  input = {
    service = "s";
    instances = {
      a = { enable = true; outputs.settings.processes.p = { }; };
      b = { enable = true; outputs.settings.processes.p = { }; };
      c = { enable = "yes"; };
    };
  };
  error = ''services.s.b.outputs.settings.processes.p: process 'p' is defined by both instances 'a' and 'b' of service 's'; process names must be unique across instances, so include the instance name in it (e.g. processes."''${name}-p")'';
}
