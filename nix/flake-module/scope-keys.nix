# Export scope keys, as clan-core's exports use them: "<service>:<instance>:<role>:<machine>",
# an empty part meaning "all". Written from clan-core's documented behaviour.
#
#   scope = import ./scope-keys.nix { inherit lib; };
{ lib }:
let
  parts = [
    "serviceName"
    "instanceName"
    "roleName"
    "machineName"
  ];
in
rec {
  /**
    The scope key of the given parts; at least `serviceName` or `machineName`, and no part
    may contain ":".

    # Example
    ```nix
    buildScopeKey { serviceName = "A"; instanceName = "i1"; }
    => "A:i1::"
    buildScopeKey { machineName = "jon"; }
    => ":::jon"
    ```
  */
  buildScopeKey =
    scope:
    let
      values = map (p: scope.${p} or "") parts;
      checked = map (
        v: if lib.hasInfix ":" v then throw "nixInstances: export scope part '${v}' contains ':'" else v
      ) values;
    in
    if lib.all (v: v == "") values then
      throw "nixInstances: an export scope needs at least a service or a machine name (\":::\" is not supported)"
    else if (scope.serviceName or "") == "" && (scope.machineName or "") == "" then
      throw "nixInstances: an export scope needs a service name or a machine name, got \"${lib.concatStringsSep ":" values}\""
    else
      lib.concatStringsSep ":" checked;

  /**
    The parts of a scope key.

    # Example
    ```nix
    parseScope "A:i1:peer:jon"
    => { serviceName = "A"; instanceName = "i1"; roleName = "peer"; machineName = "jon"; }
    ```
  */
  parseScope =
    key:
    let
      values = lib.splitString ":" key;
    in
    if builtins.length values != 4 then
      throw "nixInstances: export scope key '${key}' is not of the form <service>:<instance>:<role>:<machine>; write exports with `mkExports`"
    else
      lib.listToAttrs (lib.zipListsWith lib.nameValuePair parts values);

  /**
    `key`, after checking that each non-empty part of `expected` is the key's; else a throw
    that names the part, the key, and `context`.

    # Example
    ```nix
    checkScope { serviceName = "A"; context = "…"; } "B:::"
    => error: … scope key "B:::" has service name 'B', expected 'A' …
    ```
  */
  checkScope =
    expected: key:
    let
      parsed = parseScope key;
      wrong = builtins.filter (p: (expected.${p} or "") != "" && parsed.${p} != expected.${p}) parts;
      p = builtins.head wrong;
      what = {
        serviceName = "service name";
        instanceName = "instance name";
        roleName = "role name";
        machineName = "machine name";
      };
    in
    if wrong == [ ] then
      key
    else
      throw "nixInstances: export scope key \"${key}\" has ${what.${p}} '${parsed.${p}}', expected '${expected.${p}}' (${expected.context or "exports"}); write exports with `mkExports`";

  /**
    `exports` (scope key -> value) with every key checked by `checkScope expected`.
  */
  checkExports = expected: exports: lib.mapAttrs (key: v: builtins.seq (checkScope expected key) v) exports;
}
