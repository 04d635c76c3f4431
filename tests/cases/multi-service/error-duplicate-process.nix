# Two enabled instances defining the same process: the error is at the later one (b, not c),
# naming the first definer. Disabled instances do not count.
{
  input = {
    service = "hello";
    instances = {
      a = {
        enable = false;
        outputs.settings.processes.hello.command = "disabled";
      };
      b = {
        enable = true;
        outputs.settings.processes = { hello.command = "b"; b-only.command = "b"; };
      };
      c = {
        enable = true;
        outputs.settings.processes.hello.command = "c";
      };
      d = {
        enable = true;
        outputs.settings.processes.hello.command = "d";
      };
    };
  };
  error = ''services.hello.c.outputs.settings.processes.hello: process 'hello' is defined by both instances 'b' and 'c' of service 'hello'; process names must be unique across instances, so include the instance name in it (e.g. processes."''${name}-hello")'';
}
