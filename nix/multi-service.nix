# The pure-Nix twin of `builtins.expandMultiService` (docs/contract.md, "expandMultiService").
# `args: result`; only `builtins`, no nixpkgs.
#
# Every check runs before the result is returned (`if firstError == null then result else
# throw …`), so `builtins.tryEval (expandMultiService bad)` fails. Never forced: process
# bodies, other settings, `namespace`, `dataDir`, anything of a disabled instance but `enable`.
# Linear in the number of instances and processes: no scans inside loops.
let
  common = import ./internal/common.nix;
  inherit (common) showAt typeErrorMessage;

  inherit (builtins)
    attrNames
    concatMap
    filter
    head
    isAttrs
    isBool
    isPath
    isString
    listToAttrs
    map
    match
    split
    unsafeDiscardStringContext
    ;

  # The first non-null item; items after it are not evaluated.
  firstNonNull = builtins.foldl' (found: x: if found != null then found else x) null;

  # The base name of a module path/string with trailing `/`s dropped, without the
  # `<hash>-` prefix of a store path, cut at the first `.`. May be "".
  deriveName =
    module:
    let
      s = unsafeDiscardStringContext (toString module);
      # drop trailing `/`s ("" when there is nothing else)
      trimmed = let m = match "(.*[^/])/*" s; in if m == null then "" else head m;
      parts = match "(.*)/([^/]*)" trimmed;
      dir = if parts == null then null else head parts;
      base = if parts == null then trimmed else builtins.elemAt parts 1;
      # a store hash: 32 digits or lowercase letters (a superset of Nix's base-32 alphabet)
      unhashed =
        if dir == "/nix/store" then
          let m = match "[0-9a-z]{32}-(.*)" base; in if m == null then base else head m
        else
          base;
    in
    head (split "[.]" unhashed);
in
args:
let
  argError = if isAttrs args then null else typeErrorMessage [ ] "a set" args;

  service = args.service or null;
  module = args.module or null;

  # Either { name; } or { error; }. `module` is not forced when `service` is a string.
  serviceResult =
    if isString service then
      { name = service; }
    else if service != null then
      { error = typeErrorMessage [ "service" ] "a string or null" service; }
    else if module == null then
      { error = showAt [ "service" ] "missing: give 'service' or 'module'"; }
    else if !(isPath module || isString module) then
      { error = typeErrorMessage [ "module" ] "a path or a string" module; }
    else
      let
        derived = deriveName module;
      in
      if derived == "" then
        { error = showAt [ "module" ] "cannot derive a service name from '${toString module}'"; }
      else
        { name = derived; };

  svc = serviceResult.name;

  instances = args.instances;

  instancesError =
    if !(args ? instances) then
      showAt [ "instances" ] "missing required attribute"
    else if !(isAttrs instances) then
      typeErrorMessage [ "instances" ] "a set" instances
    else
      null;

  # Sorted (attrNames is sorted).
  names = attrNames instances;

  at = n: rest: [ "services" svc n ] ++ rest;

  # Per instance, in name order: { name; enable; ok; error; settings; processes; }.
  # `ok`/`error` cover the structural checks of this instance only.
  infos = map (
    n:
    let
      inst = instances.${n};
      isSet = isAttrs inst;
      enable = inst.enable or false;
      outputs = inst.outputs or { };
      settings = outputs.settings or { };
      processes = settings.processes or { };
      error =
        if !isSet then
          typeErrorMessage (at n [ ]) "a set" inst
        else if !(isBool enable) then
          typeErrorMessage (at n [ "enable" ]) "a Boolean" enable
        else if !enable then
          null
        else if !(isAttrs outputs) then
          typeErrorMessage (at n [ "outputs" ]) "a set" outputs
        else if !(isAttrs settings) then
          typeErrorMessage (at n [ "outputs" "settings" ]) "a set" settings
        else if !(isAttrs processes) then
          typeErrorMessage (at n [ "outputs" "settings" "processes" ]) "a set" processes
        else
          null;
      ok = error == null;
      processNames = if ok && enable then attrNames processes else [ ];
      # Forcing what the checks look at may throw (a user's `throw` in a later instance).
      # The primop stops at the first error in name order and never looks further, so a
      # throw is only raised here when no earlier instance has an error.
      forced = builtins.deepSeq [ error processNames ] true;
      threw = !(builtins.tryEval forced).success;
    in
    {
      name = n;
      inherit enable settings threw forced;
      error = if threw then null else error;
      # process names of a valid enabled instance (sorted), else none
      processNames = if threw then [ ] else processNames;
    }
  ) names;

  # Process name -> the first instance (name order) defining it. `listToAttrs` keeps the
  # first of equal names.
  owner = listToAttrs (
    concatMap (
      info:
      map (p: {
        name = p;
        value = info.name;
      }) info.processNames
    ) infos
  );

  # The first process (name order) of an instance that an earlier instance defines too.
  duplicateError =
    info:
    let
      dups = filter (p: owner.${p} != info.name) info.processNames;
      p = head dups;
      a = owner.${p};
      b = info.name;
    in
    if dups == [ ] then
      null
    else
      showAt (at b [ "outputs" "settings" "processes" p ])
        "process '${p}' is defined by both instances '${a}' and '${b}' of service '${svc}'; process names must be unique across instances, so include the instance name in it (e.g. processes.\"\${name}-${p}\")";

  # Instance by instance: its structural checks, then its process names against earlier ones;
  # an instance that throws re-throws the user's own error when it comes first.
  instanceErrors = map (
    info:
    if info.threw then
      builtins.seq info.forced null
    else if info.error != null then
      info.error
    else
      duplicateError info
  ) infos;

  firstError =
    if argError != null then
      argError
    else if serviceResult ? error then
      serviceResult.error
    else if instancesError != null then
      instancesError
    else
      firstNonNull instanceErrors;

  enabledInfos = filter (info: info.enable) infos;

  result = {
    service = svc;
    enabled = map (info: info.name) enabledInfos;
    instances = builtins.mapAttrs (
      n: inst: {
        name = n;
        enable = inst.enable or false;
        namespace = inst.namespace or "${svc}.${n}";
        dataDir = inst.dataDir or "./data/${n}";
      }
    ) instances;
    settings = map (info: info.settings) enabledInfos;
    processes = owner;
  };
in
if firstError == null then result else throw firstError
