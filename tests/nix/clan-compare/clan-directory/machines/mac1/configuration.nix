{ environment.etc."mac1-configuration".text = "mac1 configuration"; }
