# What a list of NixOS modules defines, as a comparable (JSON) value: the modules are
# evaluated against a stub NixOS whose every option is free-form (`anything`), with a stub
# `pkgs` whose packages are named placeholders, and the `clan.core` options services read back. Leaves that throw are rendered as
# `{ __throws = true; }`, functions as "<function>", packages as "<package NAME>".
#
# The stub knows nothing of NixOS: two module lists compare equal when they make the same
# definitions, which is what "the same per-machine modules" means here.
{ lib, names ? [ ] }:
let
  placeholder =
    path: placeholderWith path null;
  placeholderWith =
    path: args:
    let
      name = lib.concatStringsSep "." path;
    in
    {
      type = "derivation";
      inherit name;
      pname = name;
      outPath = "/nix/store/00000000000000000000000000000000-${name}";
      drvPath = "/nix/store/00000000000000000000000000000000-${name}.drv";
      outputs = [ "out" ];
      meta = { };
      version = "0";
      # What a builder was called with, so that two scripts of one name still differ.
      __args = args;
      override = a: placeholderWith (path ++ [ "override" ]) a;
      overrideAttrs = a: placeholderWith (path ++ [ "overrideAttrs" ]) a;
      __toString = self: self.outPath;
    };
  # Package sets: every name the service sources mention (`pkgs.NAME`), one level deep,
  # plus builders that return placeholders.
  builder = name: n: a: placeholderWith [ name n ] a;
  pkgs =
    lib.genAttrs names (n: placeholder [ n ])
    // {
      inherit lib;
      writeShellScript = builder "writeShellScript";
      writeShellScriptBin = builder "writeShellScriptBin";
      writeShellApplication = a: placeholderWith [ "writeShellApplication" (a.name or "") ] a;
      writeText = builder "writeText";
      writeTextFile = a: placeholderWith [ "writeTextFile" (a.name or "") ] a;
      writeScript = builder "writeScript";
      writers = lib.genAttrs [ "writePython3Bin" "writePython3" "writeBashBin" "writeBash" ] (
        w: n: opts: text: placeholderWith [ w n ] { inherit opts text; }
      );
      buildPackages = pkgs;
      runCommand = n: env: script: placeholderWith [ "runCommand" n ] { inherit env script; };
      formats = lib.genAttrs [ "json" "yaml" "toml" "ini" "keyValue" ] (f: _: {
        type = lib.types.anything;
        generate = n: v: placeholderWith [ "formats" f n ] v;
      });
      stdenv.hostPlatform = {
        system = "x86_64-linux";
        isLinux = true;
        isDarwin = false;
      };
      system = "x86_64-linux";
      callPackage = f: args: placeholderWith [ "callPackage" (baseNameOf (toString f)) ] args;
    };

  inherit (lib) mkOption types;

  # `types.anything`, except that lists from several definitions concatenate (in definition
  # order), as NixOS's list options do, and sets merge lazily, as submodules do.
  value = types.anything // {
    name = "value";
    merge =
      loc: defs:
      let
        all = pred: builtins.all (d: pred d.value) defs;
        plainSet = v: builtins.isAttrs v && !(lib.isStringLike v) && v.type or null != "derivation";
      in
      if all builtins.isList then
        (types.listOf value).merge loc defs
      else if all plainSet then
        (types.lazyAttrsOf value).merge loc defs
      else
        types.anything.merge loc defs;
  };
  free = types.submodule { freeformType = types.lazyAttrsOf value; };
  # The few options of clan-core's own NixOS modules (`clan.core.*`) that clan services read
  # back, with made-up values; everything else is free-form.
  stubClanCore = machine: {
    options.clan.core = {
      vars.generators = mkOption {
        default = { };
        type = types.lazyAttrsOf (
          types.submodule (
            { name, ... }:
            let
              generator = name;
            in
            {
              freeformType = types.lazyAttrsOf value;
              options.files = mkOption {
                default = { };
                type = types.lazyAttrsOf (
                  types.submodule (
                    { name, ... }:
                    {
                      freeformType = types.lazyAttrsOf value;
                      options.path = mkOption {
                        type = types.str;
                        default = "/run/clan-compare/vars/${generator}/${name}";
                      };
                      options.exists = mkOption {
                        type = types.bool;
                        default = true;
                      };
                      options.value = mkOption {
                        type = types.str;
                        default = "<value of ${generator}/${name}>";
                      };
                    }
                  )
                );
              };
            }
          )
        );
      };
      networking.internalListenAddresses = mkOption { default = [ ]; };
      state = mkOption {
        default = { };
        type = types.lazyAttrsOf free;
      };
      settings = mkOption {
        default = { };
        type = types.submodule {
          freeformType = types.lazyAttrsOf value;
          options.directory = mkOption { default = "/clan-compare/directory"; };
          options.domain = mkOption { default = "clan"; };
          options.tld = mkOption { default = "clan"; };
          options.machine.name = mkOption { default = machine; };
        };
      };
    };
  };

  # NixOS options that clan services read back, with NixOS's defaults (or made-up values);
  # every other option is free-form.
  freeWith = options: types.submodule {
    freeformType = types.lazyAttrsOf value;
    inherit options;
  };
  opt = default: mkOption { inherit default; };
  stubNixosOptions = machine: {
    options.networking = mkOption {
      default = { };
      type = freeWith {
        hostName = opt machine;
        domain = opt null;
        fqdn = opt "${machine}.clan-compare";
        nameservers = opt [ ];
        hosts = opt { };
        nftables = mkOption { default = { }; type = freeWith { enable = opt false; }; };
      };
    };
    options.security = mkOption {
      default = { };
      type = freeWith {
        pki = mkOption { default = { }; type = freeWith { caBundle = opt "/etc/ssl/certs/ca-certificates.crt"; }; };
      };
    };
    options.services = mkOption {
      default = { };
      type = freeWith {
        caddy = mkOption { default = { }; type = freeWith { enable = opt false; }; };
        unbound = mkOption { default = { }; type = freeWith { package = opt (placeholder [ "unbound" ]); }; };
        nginx = mkOption { default = { }; type = freeWith { enable = opt false; }; };
        userborn = mkOption { default = { }; type = freeWith { enable = opt false; }; };
        loki = mkOption { default = { }; type = freeWith { dataDir = opt "/var/lib/loki"; }; };
        garage = mkOption {
          default = { };
          type = freeWith {
            settings = mkOption { default = { }; type = freeWith { metadata_dir = opt "/var/lib/garage/meta"; data_dir = opt "/var/lib/garage/data"; }; };
          };
        };
        data-mesher = mkOption {
          default = { };
          type = freeWith {
            package = opt (placeholder [ "data-mesher" ]);
            user = opt "data-mesher";
            group = opt "data-mesher";
          };
        };
      };
    };
  };

  stubNixos = {
    freeformType = types.lazyAttrsOf value;
    config._module.args = {
      inherit pkgs;
      utils = { };
      modulesPath = "/clan-compare/nixpkgs/nixos/modules";
    };
  };

  render =
    depth: v:
    let
      t = builtins.tryEval v;
      x = t.value;
    in
    if !t.success then
      { __throws = true; }
    else if depth > 12 then
      "<deep>"
    else if builtins.isAttrs x then
      if x.type or null == "derivation" then
        {
          __package = (builtins.tryEval x.name).value or "?";
        }
        // lib.optionalAttrs (x ? __args && x.__args != null) { args = render (depth + 1) x.__args; }
      else if x ? _type then
        { _type = x._type; }
      else
        lib.mapAttrs (_: render (depth + 1)) x
    else if builtins.isList x then
      map (render (depth + 1)) x
    else if builtins.isFunction x then
      "<function>"
    else if builtins.isPath x then
      toString x
    else
      x;
in
{
  inherit pkgs;
  # The definitions of `modules`, rendered; `_module` left out.
  definitions =
    machine: modules:
    let
      ev = lib.evalModules {
        class = "nixos";
        modules = [
          stubNixos
          (stubNixosOptions machine)
          (stubClanCore machine)
        ] ++ modules;
      };
    in
    # The top level is forced outright: a throw there is the evaluation's error, not a leaf.
    lib.mapAttrs (_: render 1) (removeAttrs ev.config [ "_module" ]);
}
