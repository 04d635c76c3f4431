# Every semantic failure in one error, sorted by path (names bytewise, list indices
# numerically); failures at one path in check order (unknown role before its constraint).
{
  input = {
    machines = {
      db1 = { };
      web1 = { };
    };
    tags.backup = [ "web1" "web3" "db3" "w" "x" "y" "z" "a" "q" "c" "web9" ];
    modules."<clan-core>-m" = {
      roles = [ "server" "client" ];
      maxInstances = 1;
      constraints = {
        server.minMachines = 1;
        sever.maxMachines = 1;
      };
    };
    instances = {
      b = {
        module.name = "m";
        roles.sever = {
          machines = {
            db1 = { };
            db2 = { };
          };
          tags = [ "all" ];
        };
      };
      a = {
        module.name = "m";
        roles.server.machines.web2.settings = throw "settings are never forced";
      };
    };
  };
  errors = [
    "instances.a.roles.server.machines.web2: no machine named 'web2' (did you mean 'web1'?)"
    "instances.b: module '<clan-core>-m' allows at most 1 instances; used by a, b"
    "instances.b.roles.server: module '<clan-core>-m' needs at least 1 machines in role 'server', got 0"
    "instances.b.roles.sever: module '<clan-core>-m' has no role 'sever' (did you mean 'server'?); its roles: client, server"
    "instances.b.roles.sever: module '<clan-core>-m' needs at most 1 machines in role 'sever', got 3"
    "instances.b.roles.sever.machines.db2: no machine named 'db2' (did you mean 'db1'?)"
    "tags.backup[1]: no machine named 'web3' (did you mean 'web1'?)"
    "tags.backup[2]: no machine named 'db3' (did you mean 'db1'?)"
    "tags.backup[3]: no machine named 'w'"
    "tags.backup[4]: no machine named 'x'"
    "tags.backup[5]: no machine named 'y'"
    "tags.backup[6]: no machine named 'z'"
    "tags.backup[7]: no machine named 'a'"
    "tags.backup[8]: no machine named 'q'"
    "tags.backup[9]: no machine named 'c'"
    "tags.backup[10]: no machine named 'web9' (did you mean 'web1'?)"
  ];
}
