# Laziness of expandMultiService: `impl: bool`, true when nothing but the structure is forced.
# Every `throw` below is a sentinel the implementation must not force.
impl:
let
  boom = what: throw "multi-service-lazy: ${what} was forced";

  # An enabled instance's settings: passed through as they are (a function and sentinels in
  # them, never forced).
  settingsA = {
    processes = {
      a-server = boom "a process body";
      a-worker.command = boom "a process attribute";
    };
    environment = boom "another settings attribute";
    f = x: x;
  };

  r = impl {
    service = "web";
    module = boom "module (service is a string)";
    instances = {
      a = {
        enable = true;
        namespace = boom "namespace";
        dataDir = boom "dataDir";
        message = boom "an unknown instance attribute";
        outputs = {
          settings = settingsA;
          defaultProcessSettings = boom "another outputs attribute";
        };
      };
      b = {
        enable = false;
        outputs = boom "the outputs of a disabled instance";
        namespace = boom "namespace of a disabled instance";
      };
      c = {
        # enable absent: disabled
        outputs.settings.processes = boom "the processes of a disabled instance";
      };
    };
  };

  structure = {
    inherit (r) service enabled processes;
    instances = builtins.mapAttrs (_: i: [ i.name i.enable ]) r.instances;
    settingsNames = map builtins.attrNames r.settings;
  };
in
builtins.deepSeq structure (
  structure == {
    service = "web";
    enabled = [ "a" ];
    processes = { a-server = "a"; a-worker = "a"; };
    instances = { a = [ "a" true ]; b = [ "b" false ]; c = [ "c" false ]; };
    settingsNames = [ [ "environment" "f" "processes" ] ];
  }
  && builtins.length r.settings == 1
  && (builtins.elemAt r.settings 0).f 42 == 42
  && (builtins.elemAt r.settings 0).processes ? a-server
  # the defaults are computed without forcing anything else
  && (impl { service = "s"; instances.x.enable = false; }).instances.x.namespace == "s.x"
  && (impl { service = "s"; instances.x.enable = false; }).instances.x.dataDir == "./data/x"
  # the result is only returned once every check passed
  && !(builtins.tryEval (impl { service = "s"; instances.x.enable = 1; }).service).success
  && !(builtins.tryEval (impl {
    service = "s";
    instances = {
      x = { enable = true; outputs.settings.processes.p = boom "p of x"; };
      y = { enable = true; outputs.settings.processes.p = boom "p of y"; };
    };
  }).enabled).success
)
