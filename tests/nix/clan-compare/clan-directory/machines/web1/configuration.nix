{ environment.etc."web1-configuration".text = "web1 configuration"; environment.systemPackages = [ "web1-configuration" ]; }
