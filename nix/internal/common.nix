# Helpers shared by the pure-Nix twins (see docs/contract.md, "Common conventions").
# Only `builtins`; no nixpkgs.
let
  inherit (builtins)
    attrNames
    concatStringsSep
    hasContext
    intersectAttrs
    listToAttrs
    elemAt
    foldl'
    genList
    isInt
    isString
    length
    lessThan
    match
    replaceStrings
    sort
    stringLength
    substring
    typeOf
    ;

  min = a: b: if a < b then a else b;
  max = a: b: if a > b then a else b;

  # A segment that is a plain identifier is written as is; anything else is quoted.
  isIdentifier = s: match "[a-zA-Z_][a-zA-Z0-9_'-]*" s != null;

  quote = s: "\"" + replaceStrings [ "\\" "\"" ] [ "\\\\" "\\\"" ] s + "\"";

  showSegment = s: if isIdentifier s then s else quote s;

  # showPath [ "machines" "my host" "tags" 0 ] == ''machines."my host".tags[0]''
  # Strings are attribute names, integers are list indices.
  showPath =
    path:
    foldl' (
      acc: seg:
      if isInt seg then
        acc + "[${toString seg}]"
      else if acc == "" then
        showSegment seg
      else
        acc + "." + showSegment seg
    ) "" path;

  # "<path>: <msg>"; the empty path (the argument itself) gives just "<msg>".
  showAt = path: msg: let p = showPath path; in if p == "" then msg else "${p}: ${msg}";

  errorAt = path: msg: throw (showAt path msg);

  typeNames = {
    set = "a set";
    list = "a list";
    string = "a string";
    bool = "a Boolean";
    int = "an integer";
    float = "a float";
    null = "null";
    path = "a path";
    lambda = "a function";
  };

  # typeName {} == "a set"
  typeName = v: let t = typeOf v; in typeNames.${t} or t;

  typeErrorMessage = path: expected: v: showAt path "expected ${expected}, got ${typeName v}";

  # throws "<path>: expected <expected>, got <typeName v>"
  typeError = path: expected: v: throw (typeErrorMessage path expected v);

  missingMessage = path: showAt path "missing required attribute";
  missing = path: throw (missingMessage path);

  # At most this many names are listed in a message; the rest are counted.
  listedNames = 10;

  # Sorted names joined with ", "; the empty list is "(none)". Past `listedNames` names, the
  # rest are counted, so a message stays short however many names there are.
  #   joinNames [ "b" "a" ] == "a, b"
  #   joinNames (genList toString 12) == "0, 1, 10, 11, 2, 3, 4, 5, 6, 7 (and 2 more)"
  joinNames =
    names:
    let
      n = length names;
      sorted = sort lessThan names;
    in
    if n == 0 then
      "(none)"
    else if n <= listedNames then
      concatStringsSep ", " sorted
    else
      concatStringsSep ", " (genList (elemAt sorted) listedNames) + " (and ${toString (n - listedNames)} more)";

  # Whether attribute path `a` sorts before `b`, as diagnostics are sorted: segment by segment,
  # names bytewise before indices numerically, a path before the paths it is a prefix of.
  #   pathLessThan [ "tags" "b" 9 ] [ "tags" "b" 10 ] == true
  pathLessThan =
    a: b:
    let
      la = length a;
      lb = length b;
      go =
        k:
        if k == la then
          k < lb
        else if k == lb then
          false
        else
          let
            x = elemAt a k;
            y = elemAt b k;
          in
          if x == y then
            go (k + 1)
          else if isInt x == isInt y then
            x < y
          else
            isString x;
    in
    go 0;

  # Diagnostics ({ path; message; }) as one error message: a single one as its line; more as
  # a count followed by one line each, sorted by path (stable: one path keeps found order).
  renderDiagnostics =
    diagnostics:
    let
      sorted = sort (a: b: pathLessThan a.path b.path) diagnostics;
      line = d: showAt d.path d.message;
    in
    if length diagnostics == 1 then
      line (elemAt diagnostics 0)
    else
      concatStringsSep "\n" (
        [ "${toString (length diagnostics)} errors in the inventory:" ] ++ map line sorted
      );

  # Levenshtein distance in bytes.
  levenshtein =
    a: b:
    let
      n = stringLength a;
      m = stringLength b;
      bChars = genList (j: substring j 1 b) m;
      row0 = genList (j: j) (m + 1);
      step =
        prev: i:
        let
          ca = substring i 1 a;
          row = genList (
            j:
            if j == 0 then
              i + 1
            else
              min (min (elemAt prev j + 1) (elemAt row (j - 1) + 1)) (
                elemAt prev (j - 1) + (if elemAt bChars (j - 1) == ca then 0 else 1)
              )
          ) (m + 1);
        in
        # force the row so thunk chains stay short
        builtins.deepSeq row row;
    in
    if n == 0 then
      m
    else if m == 0 then
      n
    else
      elemAt (foldl' step row0 (genList (i: i) n)) m;

  # Names longer than this (bytes) get no suggestion (docs/contract.md, "Did you mean").
  maxSuggestedLength = 64;

  # The best suggestion for `x` among `candidates` (a list of strings), or null.
  # Candidates at the smallest distance d with d <= max(2, len(x) / 3); alphabetically
  # smallest of those. None for a name longer than `maxSuggestedLength`.
  suggest =
    x: candidates:
    if stringLength x > maxSuggestedLength then
      null
    else
    let
      lx = stringLength x;
      bound = max 2 (lx / 3);
      best = foldl' (
        acc: c:
        let
          diff = stringLength c - lx;
          absDiff = if diff < 0 then -diff else diff;
        in
        # the length difference is a lower bound of the distance
        if absDiff > bound || (acc != null && absDiff > acc.d) then
          acc
        else
          let
            d = levenshtein x c;
          in
          if d > bound then
            acc
          else if acc == null || d < acc.d || (d == acc.d && c < acc.name) then
            {
              inherit d;
              name = c;
            }
          else
            acc
      ) null candidates;
    in
    if best == null then null else best.name;

  # suggestAmong candidates x == suggest x candidates, for many names against one list: the
  # candidates are grouped by length once, and each name looks only at those whose length is
  # within its bound (a name of another length cannot be close enough).
  #   let s = suggestAmong [ "web1" "db1" ]; in map s [ "wab1" "db2" ] == [ "web1" "db1" ]
  suggestAmong =
    candidates:
    let
      byLength = builtins.groupBy (c: toString (stringLength c)) candidates;
      groups = map (k: {
        len = stringLength (elemAt byLength.${k} 0);
        names = byLength.${k};
      }) (builtins.attrNames byLength);
    in
    x:
    let
      lx = stringLength x;
      bound = max 2 (lx / 3);
      near = builtins.concatMap (
        g: if g.len - lx <= bound && lx - g.len <= bound then g.names else [ ]
      ) groups;
    in
    suggest x near;

  # didYouMeanAmong candidates x == didYouMean x candidates; see suggestAmong.
  didYouMeanAmong =
    candidates:
    let
      s = suggestAmong candidates;
    in
    x:
    let
      found = s x;
    in
    if found == null then "" else " (did you mean '${found}'?)";

  # " (did you mean 'y'?)" or "".
  didYouMean =
    x: candidates:
    let
      s = suggest x candidates;
    in
    if s == null then "" else " (did you mean '${s}'?)";

  # namesIntact { a = 1; } == true; false for a set with a name holding a NUL byte
  # (`builtins.fromJSON ''{"a\u0000b": 1}''`). Nix strings cannot hold NUL, so `attrNames`
  # shows such a name cut short: the cut name is then missing from the set, or twice in the list.
  namesIntact =
    s:
    let
      names = attrNames s;
      asSet = listToAttrs (
        map (n: {
          name = n;
          value = null;
        }) names
      );
    in
    length (attrNames (intersectAttrs asSet s)) == length names;

  nulInNameMessage = path: showAt path "an attribute name contains a NUL byte, which a Nix string cannot hold";

  # true, or throws at `path` (the set's) when a name of `s` holds a NUL byte.
  checkNames = path: s: namesIntact s || throw (nulInNameMessage path);

  contextInNameMessage = path: showAt path "expected a string without context (a name), got a string with context";

  # A string read as a name (it becomes an attribute name) must not carry string context.
  # isName "web" == true; isName "${./x}" == false
  isName = x: isString x && !hasContext x;

  # true when `x` is a name; else throws the type error or the context error at `path`.
  checkName =
    path: x:
    isName x || (if isString x then throw (contextInNameMessage path) else typeError path "a string" x);

  # Type-check helpers: return the value when it has the type, else throw.
  expectSet = path: v: if builtins.isAttrs v then v else typeError path "a set" v;
  expectList = path: v: if builtins.isList v then v else typeError path "a list" v;
  expectString = path: v: if isString v then v else typeError path "a string" v;
  expectBool = path: v: if builtins.isBool v then v else typeError path "a Boolean" v;
in
{
  inherit
    namesIntact
    nulInNameMessage
    checkNames
    contextInNameMessage
    isName
    checkName
    isIdentifier
    quote
    showSegment
    showPath
    showAt
    errorAt
    typeName
    typeErrorMessage
    typeError
    missingMessage
    missing
    listedNames
    joinNames
    pathLessThan
    renderDiagnostics
    levenshtein
    suggest
    suggestAmong
    didYouMean
    didYouMeanAmong
    expectSet
    expectList
    expectString
    expectBool
    ;
}
