{
  input = {
    machines = { };
    modules."<clan-core>-zerotier".roles = [ "peer" "controller" "moon" ];
    instances.zt = {
      module.name = "zerotier";
      roles.controler = { };
    };
  };
  error = "instances.zt.roles.controler: module '<clan-core>-zerotier' has no role 'controler' (did you mean 'controller'?); its roles: controller, moon, peer";
}
