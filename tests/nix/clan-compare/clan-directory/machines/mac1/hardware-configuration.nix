{ environment.etc."mac1-hardware-configuration".text = "mac1 hardware-configuration"; }
