# The pure-Nix twin of `builtins.expandMultiService` (docs/contract.md, "expandMultiService").
# `args: result`; only `builtins`, no nixpkgs.
#
# Every check runs before the result is returned (`if firstError == null then result else
# throw …`), so `builtins.tryEval (expandMultiService bad)` fails. Never forced: process
# bodies, other settings, `namespace`, `dataDir`, anything of a disabled instance but `enable`.
# Linear in the number of instances and processes: no scans inside loops.
let
  common = import ./internal/common.nix;
  inherit (common)
    showAt
    typeErrorMessage
    namesIntact
    nulInNameMessage
    ;

  inherit (builtins)
    attrNames
    concatMap
    elemAt
    filter
    head
    length
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
    else if !(namesIntact instances) then
      nulInNameMessage [ "instances" ]
    else
      null;

  # Sorted (attrNames is sorted).
  names = attrNames instances;

  at = n: rest: [ "services" svc n ] ++ rest;

  # Per instance, in name order: { name; enable; settings; error; threw; forced; processNames; }.
  # `error` covers the structural checks of this instance only. Nothing is forced until the
  # walk below reaches the instance.
  infos = map (
    n:
    let
      inst = instances.${n};
      isSet = isAttrs inst;
      enable = inst.enable or false;
      outputs = inst.outputs or { };
      settings = outputs.settings or { };
      processes = settings.processes or { };
      processesPath = at n [ "outputs" "settings" "processes" ];
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
          typeErrorMessage processesPath "a set" processes
        else if !(namesIntact processes) then
          nulInNameMessage processesPath
        else
          null;
      processNames = if error == null && enable then attrNames processes else [ ];
      # Forcing what the checks look at may throw (a user's `throw`): the primop re-raises
      # that throw when it reaches the instance, so the walk stops there and re-raises it.
      forced = builtins.deepSeq [ error processNames ] true;
      threw = !(builtins.tryEval forced).success;
    in
    {
      name = n;
      inherit
        enable
        settings
        error
        threw
        forced
        processNames
        ;
    }
  ) names;

  count = length names;

  # The walk the primop makes: instance by instance in name order, each instance's checks,
  # then its process names one by one against those of earlier instances; it stops at the first
  # error, and what lies after is never forced (a later instance may raise an error that
  # `tryEval` cannot catch). `genericClosure` keeps the first item of each key, in order, and
  # hands only new ones to `operator`: an instance's items are its processes, each leading to
  # the next, the last to the next instance; a process name seen before is dropped, and the
  # walk ends there. O(P log P) in the number P of processes.
  instanceItem =
    k:
    let
      info = elemAt infos k;
    in
    {
      key = "i${toString k}";
      inherit k;
      next = if info.threw || info.error != null then [ ] else processItems k 0;
    };

  processItems =
    k: j:
    let
      ps = (elemAt infos k).processNames;
    in
    if j < length ps then
      [
        {
          key = "p${elemAt ps j}";
          inherit k j;
          next = processItems k (j + 1);
        }
      ]
    else if k + 1 < count then
      [ (instanceItem (k + 1)) ]
    else
      [ ];

  walk = builtins.genericClosure {
    startSet = if count == 0 then [ ] else [ (instanceItem 0) ];
    operator = item: item.next;
  };

  # The error where the walk ended, or null when it went through.
  walkError =
    if count == 0 then
      null
    else
      let
        last = elemAt walk (length walk - 1);
        info = elemAt infos last.k;
        # the item the walk dropped: a process an earlier instance defines
        dropped = head last.next;
        b = (elemAt infos dropped.k).name;
        p = elemAt (elemAt infos dropped.k).processNames dropped.j;
        a = (elemAt infos (head (filter (x: x.key == dropped.key) walk)).k).name;
      in
      if !(last ? j) && info.threw then
        builtins.seq info.forced null
      else if !(last ? j) && info.error != null then
        info.error
      else if last.next == [ ] then
        null
      else
        showAt (at b [ "outputs" "settings" "processes" p ])
          "process '${p}' is defined by both instances '${a}' and '${b}' of service '${svc}'; process names must be unique across instances, so include the instance name in it (e.g. processes.\"\${name}-${p}\")";

  # Process name -> the instance (name order) defining it; only read once the walk went through.
  owner = listToAttrs (
    concatMap (
      info:
      map (p: {
        name = p;
        value = info.name;
      }) info.processNames
    ) infos
  );

  firstError =
    if argError != null then
      argError
    else if serviceResult ? error then
      serviceResult.error
    else if instancesError != null then
      instancesError
    else
      walkError;

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
