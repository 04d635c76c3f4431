# `settings` holds each enabled instance's whole `outputs.settings` (other keys included),
# or { } when an enabled instance has no outputs / no settings; unknown attributes are ignored.
{
  input = {
    service = "app";
    instances = {
      a = {
        enable = true;
        port = 8080;
        outputs = {
          settings = {
            processes = {
              app-a = { command = "app --port 8080"; depends_on.db.condition = "process_healthy"; };
              app-a-worker.command = "worker";
            };
            environment.MODE = "dev";
          };
          extra = "ignored";
        };
      };
      b.enable = true;
      c = {
        enable = true;
        outputs = { };
      };
      d = {
        enable = true;
        outputs.settings.log_level = "debug";
      };
    };
  };
  expect = {
    service = "app";
    enabled = [ "a" "b" "c" "d" ];
    instances = {
      a = { name = "a"; enable = true; namespace = "app.a"; dataDir = "./data/a"; };
      b = { name = "b"; enable = true; namespace = "app.b"; dataDir = "./data/b"; };
      c = { name = "c"; enable = true; namespace = "app.c"; dataDir = "./data/c"; };
      d = { name = "d"; enable = true; namespace = "app.d"; dataDir = "./data/d"; };
    };
    settings = [
      {
        processes = {
          app-a = { command = "app --port 8080"; depends_on.db.condition = "process_healthy"; };
          app-a-worker.command = "worker";
        };
        environment.MODE = "dev";
      }
      { }
      { }
      { log_level = "debug"; }
    ];
    processes = { app-a = "a"; app-a-worker = "a"; };
  };
}
