{ environment.etc."web1-hardware-configuration".text = "web1 hardware-configuration"; environment.systemPackages = [ "web1-hardware-configuration" ]; }
