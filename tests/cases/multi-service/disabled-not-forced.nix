# Disabled instances: only `enable` is looked at. Their outputs (even throwing or ill-typed
# ones) are never forced, and their process names may repeat an enabled instance's.
{
  input = {
    service = "db";
    instances = {
      a = {
        enable = false;
        outputs = throw "outputs of a disabled instance forced";
      };
      b = {
        outputs.settings.processes = throw "processes of a disabled instance forced";
      };
      c = {
        enable = true;
        outputs.settings.processes.db.command = "db";
      };
      d = {
        enable = false;
        outputs.settings = [ "not a set" ];
      };
      e = {
        enable = false;
        outputs.settings.processes.db.command = "db again";
      };
    };
  };
  expect = {
    service = "db";
    enabled = [ "c" ];
    instances = {
      a = { name = "a"; enable = false; namespace = "db.a"; dataDir = "./data/a"; };
      b = { name = "b"; enable = false; namespace = "db.b"; dataDir = "./data/b"; };
      c = { name = "c"; enable = true; namespace = "db.c"; dataDir = "./data/c"; };
      d = { name = "d"; enable = false; namespace = "db.d"; dataDir = "./data/d"; };
      e = { name = "e"; enable = false; namespace = "db.e"; dataDir = "./data/e"; };
    };
    settings = [ { processes.db.command = "db"; } ];
    processes.db = "c";
  };
}
