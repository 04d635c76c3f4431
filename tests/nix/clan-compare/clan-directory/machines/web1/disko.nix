{ environment.etc."web1-disko".text = "web1 disko"; environment.systemPackages = [ "web1-disko" ]; }
