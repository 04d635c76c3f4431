# The multi-instance `hello` service of services-flake's "custom service" guide
# (doc/custom-service.md). Use it with `multiService ./hello.nix`: the library adds
# `enable`, `dataDir`, `namespace` and turns `outputs.settings` of every enabled instance
# into process-compose settings. `name` is the instance name.
{ config, lib, name, pkgs, ... }:
{
  options = {
    package = lib.mkPackageOption pkgs "hello" { };
    message = lib.mkOption {
      type = lib.types.str;
      default = "Hello, world!";
      description = "The message to be displayed";
    };
  };
  config = {
    outputs.settings = {
      processes.${name} = {
        command = "${lib.getExe config.package} --greeting='${config.message}'";
      };
    };
  };
}
