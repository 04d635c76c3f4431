# Evaluated by `nix-instances … --flake REF[#ATTR]` and `--file FILE.nix [--attr PATH]`
# (nix_source.rs), in one `nix` process: finds the inventory, reads only its structure, and
# returns it as JSON with the position of every attribute it read.
#
#   { attr    the attribute path used ("" for the file's value itself)
#     doc     the inventory's structure, JSON-safe
#     pos     per attribute of a set in `doc`: { at; c; }: `at` its position, [ line column ]
#             in the file of the enclosing attribute's, [ line column file ] in another, or
#             null; `c` its value's pos (a list's: one per item); a placeholder's: { k = kind; } }
#
# Structure is what the expansion forces (docs/contract.md): machines' `tags` and
# `machineClass`; instances' `module` and roles (`machines`, `tags`); static tags; `modules`'
# roles and limits. Settings and `extraModules` are leaves: never forced unless `show` (expand
# prints them), and then shown with short markers for what JSON cannot hold: `<function>`,
# `<path ./x.nix>`, `<derivation name>`. A value of such a kind where the structure needs a set,
# list, string or number becomes the placeholder 0.5 and its kind is recorded (`pos.k`), so the
# CLI reports "expected a set, got a function" where the JSON would have it.
#
# Positions: `builtins.unsafeGetAttrPos` on the values the user wrote. For an inventory that
# went through the module system (clan-core's `clanInternals.inventoryClass.inventory`, this
# project's `flake.nixInstances.inventory`), the evaluated values have no useful positions; the
# user's definitions (`inventory.options.<top>.definitionsWithLocations`) are searched instead,
# along the same attribute path, preferring files of the flake itself.
{
  # the flake (builtins.getFlake) or the file's value
  target,
  # the attribute path asked for (a list), or null to look for the inventory
  attrPath,
  # whether leaves are shown (expand) or left unevaluated
  show,
  # with `show`: only the leaves `expand --machine M` / `--instance I` can print
  # ({ machine = "M"; } or { instance = "I"; }; the others stay unevaluated)
  only ? { },
  # the source's directory in the store (a flake) or on disk (a file): paths below it are shown
  # relative to it
  root,
  # whether target is a flake (then an inventory must be found in it)
  isFlake,
  # a services-flake multiService file (`multi-service`) instead of an inventory
  services ? false,
}:
let
  inherit (builtins)
    attrNames
    concatMap
    filter
    foldl'
    functionArgs
    head
    isAttrs
    isFunction
    isList
    isPath
    listToAttrs
    mapAttrs
    substring
    stringLength
    tail
    typeOf
    unsafeGetAttrPos
    ;

  # --------------------------------------------------------------------------------------
  # Finding the inventory.

  candidates = [
    [
      "nixInstances"
      "inventory"
    ] # this project's flake-parts module (nix/flake-module/cli.nix)
    [
      "clanInternals"
      "inventoryClass"
      "inventory"
    ] # clan-core: what the clan CLI reads
    [
      "config"
      "clanInternals"
      "inventoryClass"
      "inventory"
    ] # clan-core's `lib.clan { … }` (a module evaluation), as a file's value
  ];
  has = p: v: p == [ ] || (isAttrs v && v ? ${head p} && has (tail p) v.${head p});
  get = foldl' (v: n: v.${n});
  showPath = p: builtins.concatStringsSep "." p;
  found =
    if attrPath != null then
      if has attrPath target then
        attrPath
      else
        throw "nix-instances: ${if isFlake then "the flake" else "the file"} has no attribute '${showPath attrPath}'"
    else
      let
        c = if services then [ ] else filter (p: has p target) candidates;
      in
      if services && isFlake then
        throw "nix-instances: a flake has no standard attribute for a services file; name one with --flake REF#ATTR"
      else if services then
        [ ]
      else if c != [ ] then
        head c
      else if isFlake then
        throw "nix-instances: no inventory found in the flake: it has neither 'nixInstances.inventory' (the nix-instances flake-parts module) nor 'clanInternals.inventoryClass.inventory' (clan-core); name one with --flake REF#ATTR"
      else if looksLikeInventory target then
        [ ]
      else
        throw "nix-instances: no inventory found in the file: its value has none of 'machines', 'instances', 'tags', 'modules', 'nixInstances.inventory', 'clanInternals.inventoryClass.inventory'; name one with --attr PATH";
  # a file's value is the inventory itself: a set of the inventory's attributes (or empty), or a
  # function returning one
  looksLikeInventory =
    v:
    isFunction v
    || !(isAttrs v)
    || v == { }
    || builtins.any (n: v ? ${n}) [
      "machines"
      "instances"
      "tags"
      "modules"
    ];
  value = get target found;
  inventory = if isFunction value && !isFlake && found == [ ] then value { } else value;

  # --------------------------------------------------------------------------------------
  # Markers for what JSON cannot hold.

  hasPrefix = p: s: substring 0 (stringLength p) s == p;
  showFile =
    s:
    if root != null && hasPrefix (root + "/") s then
      "./" + substring (stringLength root + 1) (stringLength s) s
    else
      s;
  isDerivation = v: (v.type or null) == "derivation";
  marker =
    v:
    let
      t = typeOf v;
    in
    if t == "lambda" then
      "<function>"
    else if t == "path" then
      "<path ${showFile (toString v)}>"
    else if t == "set" && isDerivation v then
      "<derivation ${v.name or "?"}>"
    else
      "<${t}>";
  # what a JSON value is, with markers inside
  data =
    v:
    let
      t = typeOf v;
    in
    if t == "set" then
      (if isDerivation v then marker v else mapAttrs (_: data) v)
    else if t == "list" then
      map data v
    else if t == "lambda" || t == "path" || t == "external" then
      marker v
    else
      v;

  # --------------------------------------------------------------------------------------
  # Positions: `cursors` are the values the user wrote at the current path (one per
  # definition), unwrapped from mkIf / mkMerge / mkOverride / mkOrder.

  unwrap =
    d:
    if isAttrs d && d ? _type then
      if d._type == "override" || d._type == "order" then
        unwrap d.content
      else if d._type == "if" then
        (if d.condition then unwrap d.content else [ ])
      else if d._type == "merge" then
        concatMap unwrap d.contents
      else
        [ ]
    else if isAttrs d then
      [ d ]
    else
      [ ];
  into = cursors: name: concatMap (c: if c ? ${name} then unwrap c.${name} else [ ]) cursors;
  inRoot = p: root != null && hasPrefix (root + "/") p.file;
  # { file; line; column; } or null
  posOf =
    cursors: name:
    if cursors == [ ] then
      null
    else if tail cursors == [ ] then
      unsafeGetAttrPos name (head cursors)
    else
      let
        all = filter (p: p != null) (map (c: unsafeGetAttrPos name c) cursors);
        own = filter inRoot all;
      in
      if own != [ ] then
        head own
      else if all != [ ] then
        head all
      else
        null;
  # as written out: [ line column ] in the file of the enclosing attribute, else
  # [ line column file ]
  compact =
    file: at:
    if at == null then
      null
    else if at.file == file then
      [
        at.line
        at.column
      ]
    else
      [
        at.line
        at.column
        at.file
      ];

  # --------------------------------------------------------------------------------------
  # The walk: `spec ctx v` says what the structure is at a path (`ctx`: `cs`, the cursors, and
  # `file`, the file of the enclosing attribute's position); it returns { v; p; }: the JSON
  # value and its children's positions.

  # a value of a kind JSON lacks, where structure is expected: the placeholder and its kind
  placeholder = t: { v = 0.5; p = { k = t; }; };
  scalar =
    v:
    let
      t = typeOf v;
    in
    if t == "lambda" || t == "path" || t == "external" then
      placeholder t
    else if t == "set" && isDerivation v then
      placeholder "set"
    else
      { v = data v; p = null; };

  # a set whose attributes are read by `field` (name -> spec) or, for any name, by `each`
  set =
    { fields ? { }, each ? null }:
    ctx: v:
    if !(isAttrs v) then
      scalar v
    else
      let
        chosen = if each != null then v else builtins.intersectAttrs fields v;
        entry =
          n: x:
          let
            # `cs = null`: the value itself is what the user wrote
            at = if ctx.cs == null then unsafeGetAttrPos n v else posOf ctx.cs n;
            r = (if each != null then each else fields.${n}) {
              cs = if ctx.cs == null then null else into ctx.cs n;
              file = if at == null then ctx.file else at.file;
              name = n;
            } x;
          in
          {
            inherit r;
            at = compact ctx.file at;
          };
        entries = mapAttrs entry chosen;
      in
      {
        v = mapAttrs (_: e: e.r.v) entries;
        p = mapAttrs (_: e: { inherit (e) at; c = e.r.p; }) entries;
      };
  list =
    item: ctx: v:
    if isList v then
      let
        rs = map (item { cs = null; inherit (ctx) file; }) v;
      in
      { v = map (r: r.v) rs; p = map (r: r.p) rs; }
    else
      scalar v;
  scalarSpec = _ctx: scalar;
  names = list scalarSpec;
  leaf = _ctx: v: if show then { v = data v; p = null; } else hidden;
  hidden = { v = "<not evaluated>"; p = null; };
  leafIf = visible: if visible then leaf else (_ctx: _v: hidden);
  # `null` or a list of names (a module's roles), an integer or null (limits)
  orNull = spec: ctx: v: if v == null then { v = null; p = null; } else spec ctx v;
  # Which leaves `expand --machine M` / `--instance I` can print (the rest stay unevaluated):
  # an instance's, or those of the roles M may be in, through its name or a tag it may carry
  # (its own, a static list naming it, or a computed one: more than it carries, never less).
  onlyInstance = only.instance or null;
  onlyMachine = only.machine or null;
  mayCarry =
    let
      m = (machinesOf inventory).${onlyMachine} or { };
      own = if isAttrs m && isList (m.tags or null) then m.tags else [ ];
      static =
        if isAttrs tagsValue then
          filter (t: isList tagsValue.${t} && builtins.elem onlyMachine tagsValue.${t}) (attrNames tagsValue)
        else
          [ ];
    in
    own
    ++ static
    ++ [
      "all"
      "nixos"
      "darwin"
    ];
  mayBeIn =
    r:
    onlyMachine == null
    || isAttrs r
      && (
        isAttrs (r.machines or null) && r.machines ? ${onlyMachine}
        || (
          let
            t = r.tags or null;
          in
          if isList t then
            builtins.any (x: builtins.elem x mayCarry) t
          else
            isAttrs t && builtins.any (x: t ? ${x}) (filter builtins.isString mayCarry)
        )
      );
  forMachine = name: onlyMachine == null || name == onlyMachine;
  forTag = name: onlyMachine == null || builtins.elem name mayCarry;

  # role tags: a set of tag -> { settings } or a list of tag names
  roleTags =
    visible: ctx: v:
    if isList v then
      names ctx v
    else
      set { each = ctx: e: set { fields.settings = leafIf (visible && forTag ctx.name); } ctx e; } ctx v;

  role =
    visible:
    set {
      fields = {
        machines = set { each = ctx: e: set { fields.settings = leafIf (visible && forMachine ctx.name); } ctx e; };
        tags = roleTags visible;
        settings = leafIf visible;
        extraModules = leafIf visible;
      };
    };
  instance =
    ctx: v:
    let
      visible = onlyInstance == null || ctx.name == onlyInstance;
    in
    set {
      fields = {
        module = set {
          fields = {
            name = scalarSpec;
            input = scalarSpec;
          };
        };
        roles = set { each = ctx: r: role (visible && mayBeIn r) ctx r; };
      };
    } ctx v;
  machine = set {
    fields = {
      tags = names;
      machineClass = scalarSpec;
    };
  };
  moduleInfo = set {
    fields = {
      roles = orNull names;
      maxInstances = scalarSpec;
      constraints = set {
        each = set {
          fields = {
            minMachines = scalarSpec;
            maxMachines = scalarSpec;
          };
        };
      };
    };
  };
  topFields = {
    machines = set { each = machine; };
    instances = set { each = instance; };
    tags = set { each = names; };
    modules = set { each = moduleInfo; };
  };

  # --------------------------------------------------------------------------------------
  # `tags` written as a module (clan-core's `inventory.tags`): a function of `config` (the
  # tags, with the computed `all`, `nixos` and `darwin` unless set) and `machines`; its
  # attribute values may be `lib.mkDefault …`.

  machinesOf = inv: if isAttrs (inv.machines or null) then inv.machines else { };
  computedTags =
    machines:
    let
      ns = attrNames machines;
      cls = n: let m = machines.${n}; in if isAttrs m then m.machineClass or "nixos" else "nixos";
    in
    {
      all = ns;
      nixos = filter (n: cls n == "nixos") ns;
      darwin = filter (n: cls n == "darwin") ns;
    };
  applyTags =
    f: machines:
    let
      args = {
        config = final;
        # as clan-core's machine submodules give them: with their defaults
        machines = mapAttrs (
          n: m:
          {
            name = n;
            machineClass = "nixos";
            tags = [ ];
            description = null;
            icon = null;
          }
          // (if isAttrs m then m else { })
        ) machines;
        name = "tags";
        options = throw "nix-instances: the tags module asks for `options`, which only the module system has";
        lib = throw "nix-instances: the tags module asks for `lib`: evaluate the inventory through your flake (--flake) so that it has nixpkgs' lib";
      };
      wanted = functionArgs f;
      raw = f (if wanted == { } then args else builtins.intersectAttrs wanted args);
      # `lib.mkDefault xs`, `lib.mkIf true xs`: the list; `lib.mkIf false xs`: no machines
      # (each value on its own: the names must not depend on the values, which may read
      # `config`)
      strip =
        x:
        if isAttrs x && x ? _type && (x._type == "override" || x._type == "order") then
          strip x.content
        else if isAttrs x && (x._type or null) == "if" then
          (if x.condition then strip x.content else [ ])
        else
          x;
      user = if isAttrs raw then mapAttrs (_: strip) raw else raw;
      final = computedTags machines // (if isAttrs user then user else { });
    in
    {
      inherit user raw;
    };

  # the inventory with `tags` applied when it is a module, and the cursors for positions
  definitions = inventory.options or null;
  fromModules = isAttrs definitions && definitions ? machines && (definitions.machines ? definitionsWithLocations);
  tagsModule = isFunction (inventory.tags or null);
  appliedTags = applyTags inventory.tags (machinesOf inventory);
  tagsValue = if tagsModule then appliedTags.user else inventory.tags or { };
  topValue = n: if n == "tags" then tagsValue else inventory.${n};
  # a definition of `tags` written as a module: the set it returns, for its positions only (its
  # values are what the module system made of it), called with the evaluated tags and machines;
  # no positions where that fails with a `throw` (an argument only the module system has)
  tagsDefinition =
    d:
    if isFunction d then
      let
        args = {
          config = inventory.tags;
          machines = inventory.machines or { };
          name = "tags";
          lib = throw "no lib here";
          options = throw "no options here";
          clanLib = throw "no clanLib here";
        };
        wanted = functionArgs d;
        r = builtins.tryEval (d (if wanted == { } then args else builtins.intersectAttrs wanted args));
      in
      if r.success then unwrap r.value else [ ]
    else
      unwrap d;
  topCursors =
    n:
    if fromModules then
      (
        if definitions ? ${n} then
          concatMap (d: if n == "tags" then tagsDefinition d.value else unwrap d.value) definitions.${n}.definitionsWithLocations
        else
          [ ]
      )
    else if n == "tags" && tagsModule then
      # the positions in the set the module returns
      unwrap appliedTags.raw
    else
      # the value itself
      null;

  # services-flake's multiService (`multi-service`, which shows everything it passes on): the
  # module as its path's name (never copied), and only the enabled instances' outputs
  shown = _ctx: v: { v = data v; p = null; };
  serviceInstance =
    ctx: i:
    set {
      fields = {
        enable = scalarSpec;
        namespace = shown;
        dataDir = shown;
        outputs = if isAttrs i && (i.enable or false) == true then shown else (_ctx: _v: { v = "<not evaluated>"; p = null; });
      };
    } ctx i;
  servicesFile = set {
    fields = {
      service = scalarSpec;
      module = _ctx: v: if isPath v then { v = toString v; p = null; } else scalar v;
      instances = set { each = serviceInstance; };
    };
  };

  walked =
    if services then
      servicesFile { cs = null; file = null; } inventory
    else if !(isAttrs inventory) then
      scalar inventory
    else
      let
        # clan-core's `inventory.modules` are module sources (paths, functions, modules), not
        # the contract's module information: left out
        isSource = m: isFunction m || isPath m || isAttrs m && (m ? _type || m ? imports || m ? _class);
        clanModules = isAttrs inventory.modules && builtins.any (n: isSource inventory.modules.${n}) (attrNames inventory.modules);
        ns = filter (n: inventory ? ${n} && (n != "modules" || !clanModules)) (attrNames topFields);
        entry =
          n:
          let
            at = if fromModules then null else posOf [ inventory ] n;
            r = topFields.${n} {
              cs = topCursors n;
              file = if at == null then null else at.file;
              name = n;
            } (topValue n);
          in
          {
            name = n;
            value = { inherit r; at = compact null at; };
          };
        entries = listToAttrs (map entry ns);
      in
      {
        v = mapAttrs (_: e: e.r.v) entries;
        p = mapAttrs (_: e: { inherit (e) at; c = e.r.p; }) entries;
      };
in
{
  attr = showPath found;
  doc = walked.v;
  pos = walked.p;
}
