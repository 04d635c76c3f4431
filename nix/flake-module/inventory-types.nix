# Option types for the inventory that merge like submodules but cost far less.
#
# A `types.submodule` per machine, instance, role, role machine and tag entry runs a whole
# `evalModules` per entry: at 5,000 machines x 500 instances that typing cost more than the
# expansion it feeds, and one machine's deploy paid for all of it. These types merge the
# same definitions the same way (attribute by attribute, `mkIf`/`mkMerge`/`mkOverride`/
# `mkDefault`/`mkOrder` anywhere, conflicts reported with the files that define them, unknown
# attributes rejected with the option path), but a node defined once with plain values
# (the usual case: one file, or `builtins.fromJSON` of an inventory.json) passes through
# a fast path: a type check and a `mapAttrs`, no `evalModules`.
#
# The structure the expansion needs (names, tags, module references) is checked here with
# cheap `check`s (the option path and defining file in every message); cross references (a
# role naming a machine that does not exist, a role the module lacks, constraints) are left to
# the expansion, which checks them anyway. Values stay lazy: a record's fields and an attribute
# set's values are merged only when read, and settings (`types.deferredModule`) are never
# forced by the structure.
#
# Only `lib.types`, `lib.mkOptionType` and `lib.modules.mergeDefinitions` (nixpkgs 23.05+).
{ lib }:
let
  inherit (builtins)
    attrNames
    concatMap
    head
    isAttrs
    length
    mapAttrs
    zipAttrsWith
    ;
  inherit (lib) mkOptionType types;

  common = import ../internal/common.nix;

  # A definition the fast path takes: the only one, and not a `mkIf`/`mkMerge`/`mkOverride`/
  # `mkOrder` wrapper.
  plainSingle = defs: length defs == 1 && !(isAttrs (head defs).value && (head defs).value ? _type);

  /**
    Merges `defs` (`[ { file; value; } ]`) of type `t` at option path `loc`, like the module
    system (`lib.modules.mergeDefinitions`), with a fast path for one plain definition.
    `default` is the value when every definition is discharged (`mkIf false`).

    # Example
      mergeDefs [ "x" ] types.str [ { file = "a.nix"; value = "hi"; } ] null
      => "hi"
  */
  mergeDefs =
    loc: t: defs: default:
    if plainSingle defs && t.check (head defs).value then
      t.merge loc defs
    else
      (lib.modules.mergeDefinitions loc t defs).optionalValue.value or default;

  # lib.modules' pushDownProperties (not exported): `mkMerge`/`mkIf`/`mkOverride` around an
  # attribute set become the same around each of its attributes.
  pushDown =
    cfg:
    if cfg._type or "" == "merge" then
      concatMap pushDown cfg.contents
    else if cfg._type or "" == "if" then
      map (v: if isAttrs v then mapAttrs (_: lib.mkIf cfg.condition) v else v) (pushDown cfg.content)
    else if cfg._type or "" == "override" then
      map (v: if isAttrs v then mapAttrs (_: lib.mkOverride cfg.priority) v else v) (pushDown cfg.content)
    else
      [ cfg ];

  # { attr = [ { file; value; } ]; } from a list of definitions of attribute sets.
  byAttr =
    defs:
    zipAttrsWith (_: ds: ds) (
      concatMap (d: map (mapAttrs (_: v: { inherit (d) file; value = v; })) (pushDown d.value)) defs
    );

  unknownError =
    loc: defs: names: known:
    let
      n = head names;
      files = lib.unique (map (d: d.file) defs);
    in
    throw "The option `${lib.showOption (loc ++ [ n ])}' does not exist${common.didYouMean n known}; options of `${lib.showOption loc}': ${common.joinNames known}. Defined in ${lib.concatMapStringsSep ", " (f: "`${f}'") files}.";
in
rec {
  inherit mergeDefs;

  /**
    A record: fixed fields, each `{ type; default; }` (`default` is a function of the
    record's option path), like a submodule with only options. `freeform = true` keeps other attributes, merged as `types.raw` (unique).
    The merged value has every field (the default where none is defined) and is lazy in them.

    # Example
      record "machine" { tags = { type = types.listOf types.str; default = loc: [ ]; }; } true
  */
  record =
    name: fields: freeform:
    let
      known = attrNames fields;
      defaults = loc: mapAttrs (_: f: f.default loc) fields;
    in
    # `isRecord` marks a record for `attrsOf`: an element whose definitions are all
    # discharged is the record of defaults, like a submodule in `types.lazyAttrsOf`.
    { isRecord = true; }
    // mkOptionType {
      inherit name;
      description = "${name} (a set: ${common.joinNames known}${lib.optionalString freeform ", and others"})";
      check = isAttrs;
      merge =
        loc: defs:
        let
          plain = plainSingle defs;
          v = (head defs).value;
          file = (head defs).file;
          given = if plain then mapAttrs (_: x: [ { inherit file; value = x; } ]) v else byAttr defs;
          unknown = attrNames (removeAttrs given known);
          merged = mapAttrs (
            f: ds: if fields ? ${f} then mergeDefs (loc ++ [ f ]) fields.${f}.type ds (fields.${f}.default loc)
            else mergeDefs (loc ++ [ f ]) types.raw ds null
          ) given;
        in
        if !freeform && unknown != [ ] then unknownError loc defs unknown known
        else defaults loc // merged;
    };

  /**
    `types.lazyAttrsOf elemType` with a fast path: one plain definition is a `mapAttrs` of
    `elemType`'s merge (itself with its fast path); several go through lib's lazyAttrsOf.
  */
  attrsOf =
    elemType:
    let
      slow = types.lazyAttrsOf elemType;
    in
    slow
    // {
      merge =
        loc: defs:
        if plainSingle defs then
          let
            inherit (head defs) file;
          in
          mapAttrs (
            n: x: mergeDefs (loc ++ [ n ]) elemType [ { inherit file; value = x; } ] (
              if elemType.isRecord or false then elemType.merge (loc ++ [ n ]) [ ] else null
            )
          ) (head defs).value
        else
          slow.merge loc defs;
    };

  /**
    A list of strings; one plain definition is checked item by item and passed through.
  */
  strings =
    let
      slow = types.listOf types.str;
    in
    slow
    // {
      merge =
        loc: defs:
        let
          v = (head defs).value;
        in
        if plainSingle defs && builtins.all builtins.isString v then v else slow.merge loc defs;
    };
}
