# Pure-Nix twin of `builtins.expandInstances` (docs/contract.md, "expandInstances"), with
# the way its error messages name a path as a parameter. nix/expand-instances.nix is the twin
# (`import ./internal/expand-instances.nix { }`); the flake-parts module names its option
# paths and files with it (nix/flake-module/inventory.nix).
#
#   import ./expand-instances.nix { pathOf ? p: p; whereOf ? p: ""; } args
#     ->  { instances; modules; machines; tags; warnings; }
#
# `pathOf path` is the path an error message shows for the argument's attribute path `path`
# (a list of names and list indices), `whereOf path` a suffix for the message (e.g. the files
# that define it). Paths, sorting and messages are the contract's otherwise.
#
# Only `builtins`. All structural checks run (in contract order, the first failure throws),
# then every semantic check (all failures thrown together, sorted by path), before the result
# attribute set is produced, so `builtins.tryEval (expandInstances bad)` fails like the
# primop does. `settings`, `extraModules` and unknown attributes are never forced; they are
# passed through as the very input values.
{
  pathOf ? null,
  whereOf ? null,
}:
args:
let
  C = import ./common.nix;

  # The contract's paths and messages, or as `pathOf` and `whereOf` show them.
  located = pathOf != null || whereOf != null;
  pathAt = if pathOf == null then p: p else pathOf;
  whereAt = if whereOf == null then _: "" else whereOf;
  typeError = if !located then C.typeError else path: expected: v: throw (C.typeErrorMessage (pathAt path) expected v + whereAt path);
  errorAt = if !located then C.errorAt else path: msg: C.errorAt (pathAt path) (msg + whereAt path);
  checkName =
    if !located then
      C.checkName
    else
      path: x:
      isName x
      || (if isString x then throw (C.contextInNameMessage (pathAt path) + whereAt path) else typeError path "a string" x);
  checkNames = if !located then C.checkNames else path: s: C.namesIntact s || throw (C.nulInNameMessage (pathAt path) + whereAt path);
  renderDiagnostics =
    if !located then
      C.renderDiagnostics
    else
      ds:
      C.renderDiagnostics (
        map (d: {
          path = pathAt d.path;
          message = d.message + whereAt d.path;
        }) ds
      );

  inherit (builtins)
    all
    attrNames
    attrValues
    concatMap
    elemAt
    genList
    filter
    groupBy
    isAttrs
    isInt
    isList
    isString
    length
    listToAttrs
    mapAttrs
    seq
    zipAttrsWith
    ;
  inherit (C)
    isName
    didYouMean
    didYouMeanAmong
    joinNames
    showPath
    ;

  # ---------------------------------------------------------------------------
  # Generic checkers: each returns true or throws.

  # f index item, for every item of a list, in order
  allIndexed = f: l: all (k: f k (elemAt l k)) (genList (k: k) (length l));

  checkSet = path: v: isAttrs v || typeError path "a set" v;

  # A list of names: strings without context (docs/contract.md, "Names").
  checkNameList =
    path: v:
    (isList v || typeError path "a list" v) && (all isName v || allIndexed (k: checkName (path ++ [ k ])) v);

  # A set (checked), whose attribute names are whole strings.
  checkNamedSet = path: v: checkSet path v && checkNames path v;

  # null or an integer of at least `least` (clan's `nullOr ints.unsigned` for 0,
  # `nullOr ints.positive` for 1)
  checkLimit =
    least: path: v:
    let
      expected = if least == 0 then "a non-negative integer or null" else "a positive integer or null";
    in
    v == null
    || (if isInt v then v >= least || errorAt path "expected ${expected}, got ${toString v}" else typeError path expected v);

  # ---------------------------------------------------------------------------
  # Inputs (only looked at after the checks that validate them).

  # `machines` and `instances` are optional, as in clan (both default to { })
  machines = args.machines or { };
  machineNames = attrNames machines;
  tagsArg = args.tags or { };
  tagsArgNames = attrNames tagsArg;
  modules = args.modules or { };
  moduleIds = attrNames modules;
  instances = args.instances or { };
  instanceNames = attrNames instances;

  # ---------------------------------------------------------------------------
  # 1. the argument
  check1 = isAttrs args || typeError [ ] "a set" args;

  # 2. machines
  checkMachine =
    m:
    let
      v = machines.${m};
      p = [
        "machines"
        m
      ];
      class = v.machineClass or "nixos";
      cp = p ++ [ "machineClass" ];
    in
    checkSet p v
    && checkNameList (p ++ [ "tags" ]) (v.tags or [ ])
    && (isString class || typeError cp "a string" class)
    && (
      class == "nixos"
      || class == "darwin"
      || errorAt cp "expected \"nixos\" or \"darwin\", got \"${class}\""
    );

  check2 = checkNamedSet [ "machines" ] machines && all checkMachine machineNames;

  # 3. the `tags` argument
  checkTag =
    t:
    let
      l = tagsArg.${t};
      p = [
        "tags"
        t
      ];
    in
    checkNameList p l;

  check3 = checkNamedSet [ "tags" ] tagsArg && all checkTag tagsArgNames;

  # 4. modules
  checkModule =
    id:
    let
      v = modules.${id};
      p = [
        "modules"
        id
      ];
      roles = v.roles or null;
      cs = v.constraints or { };
      csp = p ++ [ "constraints" ];
    in
    checkSet p v
    && (roles == null || checkNameList (p ++ [ "roles" ]) roles)
    && checkLimit 1 (p ++ [ "maxInstances" ]) (v.maxInstances or null)
    && checkNamedSet csp cs
    && all (
      r:
      let
        c = cs.${r};
        cp = csp ++ [ r ];
      in
      checkSet cp c
      && checkLimit 0 (cp ++ [ "minMachines" ]) (c.minMachines or null)
      && checkLimit 1 (cp ++ [ "maxMachines" ]) (c.maxMachines or null)
    ) (attrNames cs);

  check4 = checkNamedSet [ "modules" ] modules && all checkModule moduleIds;

  # Allowed roles per module id: null (any) or { list = sorted unique; set = {...}; }
  moduleRoles = mapAttrs (
    id: v:
    let
      roles = v.roles or null;
      set = listToAttrs (
        map (r: {
          name = r;
          value = null;
        }) roles
      );
    in
    if roles == null then
      null
    else
      {
        inherit set;
        list = attrNames set;
      }
  ) modules;

  # 5. instances
  checkRole =
    v: p:
    let
      ms = v.machines or { };
      mp = p ++ [ "machines" ];
      ts = v.tags or { };
      tp = p ++ [ "tags" ];
    in
    checkSet p v
    && checkNamedSet mp ms
    && all (m: checkSet (mp ++ [ m ]) ms.${m}) (attrNames ms)
    && (
      if isAttrs ts then
        checkNames tp ts && all (t: checkSet (tp ++ [ t ]) ts.${t}) (attrNames ts)
      else if isList ts then
        all isName ts || allIndexed (k: checkName (tp ++ [ k ])) ts
      else
        typeError tp "a set or a list of tag names" ts
    );

  checkInstance =
    i:
    let
      v = instances.${i};
      p = [
        "instances"
        i
      ];
      mod = v.module or { };
      mp = p ++ [ "module" ];
      name = mod.name or i;
      input = mod.input or null;
      roles = v.roles or { };
      rp = p ++ [ "roles" ];
    in
    checkSet p v
    && checkSet mp mod
    && checkName (mp ++ [ "name" ]) name
    && (
      input == null
      || isName input
      || (if isString input then checkName (mp ++ [ "input" ]) input else typeError (mp ++ [ "input" ]) "a string or null" input)
    )
    && checkNamedSet rp roles
    && all (r: checkRole roles.${r} (rp ++ [ r ])) (attrNames roles);

  check5 = checkNamedSet [ "instances" ] instances && all checkInstance instanceNames;

  # ---------------------------------------------------------------------------
  # 6.–9. Semantic checks: every failure, as { path; message; }, in the order the primop
  # finds them (renderDiagnostics sorts them by path, stably).

  didYouMeanMachine = didYouMeanAmong machineNames;

  # { path; message; } naming an unknown machine
  unknownMachine = path: m: {
    inherit path;
    message = "no machine named '${m}'${didYouMeanMachine m}";
  };

  # 6. machines named in the `tags` argument
  staticTagDiagnostics = concatMap (
    t:
    let
      l = tagsArg.${t};
    in
    if all (x: machines ? ${x}) l then
      [ ]
    else
      concatMap (j: if machines ? ${elemAt l j} then [ ] else [ (unknownMachine [ "tags" t j ] (elemAt l j)) ]) (
        genList (j: j) (length l)
      )
  ) tagsArgNames;

  # 7. roles a module does not have, explicit machines that do not exist
  roleDiagnostics = concatMap (
    i:
    let
      id = instInfo.${i}.moduleId;
      allowed = moduleRoles.${id} or null;
      roles = instances.${i}.roles or { };
    in
    concatMap (
      r:
      let
        p = [
          "instances"
          i
          "roles"
          r
        ];
        ms = roles.${r}.machines or { };
      in
      (
        if allowed == null || allowed.set ? ${r} then
          [ ]
        else
          [
            {
              path = p;
              message = "module '${id}' has no role '${r}'${didYouMean r allowed.list}; its roles: ${joinNames allowed.list}";
            }
          ]
      )
      ++ map (m: unknownMachine (p ++ [ "machines" m ] ) m) (filter (m: !(machines ? ${m})) (attrNames ms))
    ) (attrNames roles)
  ) instanceNames;

  # 8. maxInstances (at least 1: check 4), each module's instances grouped once
  maxInstancesDiagnostics = concatMap (
    id:
    let
      n = modules.${id}.maxInstances or null;
      used = instancesByModule.${id} or [ ];
    in
    if n == null || length used <= n then
      [ ]
    else
      [
        {
          path = [
            "instances"
            (elemAt used n)
          ];
          message = "module '${id}' allows at most ${toString n} instances; used by ${joinNames used}";
        }
      ]
  ) moduleIds;

  # 9. role constraints
  constraintDiagnostics = concatMap (
    i:
    let
      id = instInfo.${i}.moduleId;
      cs = modules.${id}.constraints or { };
      roles = instRoles.${i};
    in
    concatMap (
      r:
      let
        c = cs.${r};
        k = if roles ? ${r} then length (attrNames roles.${r}.machines) else 0;
        min = c.minMachines or null;
        max = c.maxMachines or null;
        p = [
          "instances"
          i
          "roles"
          r
        ];
      in
      if min != null && k < min then
        [
          {
            path = p;
            message = "module '${id}' needs at least ${toString min} machines in role '${r}', got ${toString k}";
          }
        ]
      else if max != null && k > max then
        [
          {
            path = p;
            message = "module '${id}' needs at most ${toString max} machines in role '${r}', got ${toString k}";
          }
        ]
      else
        [ ]
    ) (attrNames cs)
  ) instanceNames;

  diagnostics =
    staticTagDiagnostics ++ roleDiagnostics ++ maxInstancesDiagnostics ++ constraintDiagnostics;

  semanticChecks = diagnostics == [ ] || throw (renderDiagnostics diagnostics);

  checked = check1 && check2 && check3 && check4 && check5 && semanticChecks;

  # ---------------------------------------------------------------------------
  # Tags

  # machine -> [ tags of the `tags` argument listing it ]
  argTagsOf = zipAttrsWith (m: ts: ts) (
    map (
      t:
      listToAttrs (
        map (m: {
          name = m;
          value = t;
        }) (filter (m: machines ? ${m}) tagsArg.${t})
      )
    ) tagsArgNames
  );

  computed = class: builtins.filter (t: !(tagsArg ? ${t})) [ "all" class ];
  computedNixos = computed "nixos";
  computedDarwin = computed "darwin";

  # machine -> { <effective tag> = <machine name>; }
  tagSetOf = mapAttrs (
    m: v:
    listToAttrs (
      map
        (t: {
          name = t;
          value = m;
        })
        (
          (v.tags or [ ])
          ++ (argTagsOf.${m} or [ ])
          ++ (if (v.machineClass or "nixos") == "darwin" then computedDarwin else computedNixos)
        )
    )
  ) machines;

  # tag -> sorted machines carrying it (only tags carried by at least one machine)
  tagMembers = zipAttrsWith (t: ms: ms) (attrValues tagSetOf);

  # tag -> { <machine> = null; }
  tagMemberSet = mapAttrs (
    t: ms:
    listToAttrs (
      map (m: {
        name = m;
        value = null;
      }) ms
    )
  ) tagMembers;

  tagsInUse = attrNames tagMembers;

  didYouMeanTag = didYouMeanAmong tagsInUse;

  # ten of them and a count: warnings stay small however many tags there are
  tagsInUseListed = joinNames tagsInUse;

  outTags =
    mapAttrs (_: _: [ ]) (
      tagsArg
      // {
        all = null;
        nixos = null;
        darwin = null;
      }
    )
    // tagMembers;

  # ---------------------------------------------------------------------------
  # Instances

  instInfo = mapAttrs (
    i: v:
    let
      mod = v.module or { };
      name = mod.name or i;
      input = mod.input or null;
    in
    {
      module = { inherit name input; };
      moduleId = if input == null then "<clan-core>-${name}" else "${input}-${name}";
    }
  ) instances;

  # role tags, normalised to a set { <t> = { settings ? ...; }; }
  roleTagEntries =
    role:
    let
      ts = role.tags or { };
    in
    if isList ts then
      listToAttrs (
        map (t: {
          name = t;
          value = { };
        }) ts
      )
    else
      ts;

  expandRole =
    role:
    let
      # unknown machines are errors (then there is no output); constraints count them, as
      # clan does
      explicit = role.machines or { };
      tagEntries = roleTagEntries role;
    in
    {
      machines =
        zipAttrsWith
          (m: imports: {
            settings.imports = if explicit ? ${m} then imports else [ { } ] ++ imports;
          })
          (
            [ (mapAttrs (m: e: e.settings or { }) explicit) ]
            ++ map (
              t:
              let
                s = tagEntries.${t}.settings or { };
              in
              mapAttrs (_: _: s) (tagMemberSet.${t} or { })
            ) (attrNames tagEntries)
          );
      settings = role.settings or { };
      extraModules = role.extraModules or [ ];
    };

  instRoles = mapAttrs (i: v: mapAttrs (r: expandRole) (v.roles or { })) instances;

  outInstances = mapAttrs (i: info: info // { roles = instRoles.${i}; }) instInfo;

  instancesByModule = groupBy (i: instInfo.${i}.moduleId) instanceNames;

  # ---------------------------------------------------------------------------
  # Machines

  # instance -> { <machine> = [ <role> ... ]; }
  machineRolesOf = mapAttrs (
    i: roles:
    zipAttrsWith (m: rs: rs) (map (r: mapAttrs (_: _: r) roles.${r}.machines) (attrNames roles))
  ) instRoles;

  # machine -> { <i> = { roles = [ ... ]; }; }
  machineInstances = zipAttrsWith (m: vs: listToAttrs vs) (
    map (
      i:
      mapAttrs (m: rs: {
        name = i;
        value.roles = rs;
      }) machineRolesOf.${i}
    ) instanceNames
  );

  outMachines = mapAttrs (m: _: {
    tags = attrNames tagSetOf.${m};
    instances = machineInstances.${m} or { };
  }) machines;

  # ---------------------------------------------------------------------------
  # Warnings

  warningList = concatMap (
    i:
    let
      roles = instances.${i}.roles or { };
    in
    concatMap (
      r:
      let
        entries = roleTagEntries roles.${r};
        # the role's tags no machine carries (name order), without a call per tag
        unmatched = attrNames (removeAttrs entries (attrNames (builtins.intersectAttrs tagMembers entries)));
      in
      map (
        t:
        "${
          showPath [
            "instances"
            i
            "roles"
            r
            "tags"
            t
          ]
        }: tag '${t}' matches no machine${didYouMeanTag t}; tags in use: ${tagsInUseListed}"
      ) unmatched
    ) (attrNames roles)
  ) instanceNames;

  # Forcing `warnings` traces each warning once, in order.
  warnings = seq (builtins.foldl' (
    acc: w: builtins.trace "warning: ${w}" acc
  ) null warningList) warningList;

  result = {
    instances = outInstances;
    modules = instancesByModule;
    machines = outMachines;
    tags = outTags;
    inherit warnings;
  };
in
if checked then result else throw "expandInstances: internal error"
