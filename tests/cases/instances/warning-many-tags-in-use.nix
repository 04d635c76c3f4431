# A warning names ten of the tags in use and counts the rest.
{
  input = {
    machines = {
      a.tags = [ "t01" "t02" "t03" "t04" "t05" "t06" ];
      b.tags = [ "t07" "t08" "t09" "t10" "t11" "t12" ];
    };
    instances.i.roles.r.tags = [ "t1" ];
  };
  expect = {
    instances.i = {
      module = {
        name = "i";
        input = null;
      };
      moduleId = "<clan-core>-i";
      roles.r = {
        machines = { };
        settings = { };
        extraModules = [ ];
      };
    };
    modules."<clan-core>-i" = [ "i" ];
    machines = {
      a = {
        tags = [ "all" "nixos" "t01" "t02" "t03" "t04" "t05" "t06" ];
        instances = { };
      };
      b = {
        tags = [ "all" "nixos" "t07" "t08" "t09" "t10" "t11" "t12" ];
        instances = { };
      };
    };
    tags = {
      all = [ "a" "b" ];
      darwin = [ ];
      nixos = [ "a" "b" ];
      t01 = [ "a" ];
      t02 = [ "a" ];
      t03 = [ "a" ];
      t04 = [ "a" ];
      t05 = [ "a" ];
      t06 = [ "a" ];
      t07 = [ "b" ];
      t08 = [ "b" ];
      t09 = [ "b" ];
      t10 = [ "b" ];
      t11 = [ "b" ];
      t12 = [ "b" ];
    };
    warnings = [
      "instances.i.roles.r.tags.t1: tag 't1' matches no machine (did you mean 't01'?); tags in use: all, nixos, t01, t02, t03, t04, t05, t06, t07, t08 (and 4 more)"
    ];
  };
}
