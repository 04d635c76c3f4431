# Option types for the inventory that merge like submodules but cost far less.
#
# A `types.submodule` per machine, instance, role, role machine and tag entry runs a whole
# `evalModules` per entry: at 5,000 machines x 500 instances that typing cost more than the
# expansion it feeds, and one machine's deploy paid for all of it. These types merge the
# same definitions the same way (attribute by attribute; `mkIf`, `mkMerge`, `mkOverride`,
# `mkDefault`, `mkOrder` at any level; an attribute set's entry whose definitions all
# discharge to nothing is dropped, as by `types.attrsOf`; conflicts reported with the files
# that define them; unknown attributes rejected with the option path), but a value defined
# once with plain values (the usual case: one file, or `builtins.fromJSON` of an
# inventory.json) takes a fast path: a `check` and a `mapAttrs` per node, no `evalModules`,
# no `mergeDefinitions`.
#
# Each type here is an ordinary option type (`check`, `merge`, usable anywhere) with one more
# attribute, `fast loc file value`: the merge of that single plain definition. Several
# definitions, or a `mkIf`/`mkMerge`/... wrapper, go through `lib.modules.mergeDefinitions`
# and lib's own types, exactly as before; a value that fails its `check` does too, so that the
# module system writes the error (option path, files, values) as it always has.
#
# Values stay lazy: a record's fields and an attribute set's values are merged only when read,
# and settings (`types.deferredModule`) are never forced by the structure. Cross references
# (a role naming a machine that does not exist, a role the module lacks, constraints) are the
# expansion's to check.
#
# Only `lib.types`, `lib.mkOptionType` and `lib.modules.mergeDefinitions` (nixpkgs 23.05+).
{ lib }:
let
  inherit (builtins)
    all
    attrNames
    attrValues
    catAttrs
    concatMap
    head
    isAttrs
    isList
    isString
    length
    mapAttrs
    zipAttrsWith
    ;
  inherit (lib) mkOptionType types;

  common = import ../internal/common.nix;

  isWrapper = v: isAttrs v && v ? _type;

  # The single definition of `defs`, if it is plain (no `mkIf`/`mkMerge`/... wrapper).
  plainSingle = defs: length defs == 1 && !(isWrapper (head defs).value);

  /**
    Merges `defs` (`[ { file; value; } ]`) of type `t` at option path `loc` like the module
    system; `default` is the value when every definition is discharged (`mkIf false`).

    # Example
      mergeDefs [ "x" ] types.str [ { file = "a.nix"; value = "hi"; } ] null
      => "hi"
  */
  mergeDefs =
    loc: t: defs: default:
    if t ? fast && plainSingle defs then
      t.fast loc (head defs).file (head defs).value
    else
      (lib.modules.mergeDefinitions loc t defs).optionalValue.value or default;

  /**
    `mergeDefs` of the single definition `value` from `file`.
  */
  mergeOne =
    loc: t: file: value: default:
    if t ? fast && !(isWrapper value) then
      t.fast loc file value
    else
      (lib.modules.mergeDefinitions loc t [ { inherit file value; } ]).optionalValue.value or default;

  # The module system's error for a definition that fails `t.check`.
  rejected = loc: t: file: value: (lib.modules.mergeDefinitions loc t [ { inherit file value; } ]).mergedValue;

  # `t` with a fast path, and a `merge` that takes it for one plain definition.
  withFast =
    t: fast:
    t
    // {
      inherit fast;
      merge = loc: defs: if plainSingle defs then fast loc (head defs).file (head defs).value else t.merge loc defs;
    };

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

  # { attr = [ { file; value; } ]; } from definitions of attribute sets.
  byAttr =
    defs:
    zipAttrsWith (_: ds: ds) (
      concatMap (d: map (mapAttrs (_: v: { inherit (d) file; value = v; })) (pushDown d.value)) defs
    );

  unknownError =
    loc: files: names: known:
    let
      n = head names;
    in
    throw "The option `${lib.showOption (loc ++ [ n ])}' does not exist${common.didYouMean n known}; the options of `${lib.showOption loc}' are ${common.joinNames known}. Defined in ${lib.concatMapStringsSep ", " (f: "`${f}'") (lib.unique files)}.";

  /**
    `types.attrsOf elemType`: an attribute whose definitions all discharge to nothing
    (`mkIf false`, `mkMerge [ ]`, at any depth) is not there, as in clan-core's inventory.
    One plain definition whose values are all plain (none a `mkIf`/`mkMerge`/... wrapper) is
    a `mapAttrs` of `elemType`'s merge of each value; the values are forced to their outer
    shape to see that, as the expansion forces them anyway.
  */
  attrsOf =
    elemType:
    let
      t = types.attrsOf elemType;
    in
    withFast t (
      loc: file: v:
      let
        values = attrValues v;
      in
      if !isAttrs v then
        rejected loc t file v
      # every value a set, none a wrapper: primops only, no call per value
      else if all isAttrs values && catAttrs "_type" values == [ ] then
        mapAttrs (n: x: mergeOne (loc ++ [ n ]) elemType file x null) v
      else
        let
          merged = mapAttrs (
            n: x:
            if isWrapper x then
              (lib.modules.mergeDefinitions (loc ++ [ n ]) elemType [ { inherit file; value = x; } ]).optionalValue
            else
              { value = mergeOne (loc ++ [ n ]) elemType file x null; }
          ) v;
        in
        mapAttrs (_: m: m.value) (lib.filterAttrs (_: m: m ? value) merged)
    );

in
{
  inherit mergeDefs attrsOf;

  /**
    A record: fixed fields, each `{ type; default; }` where `default` is a function of the
    record's option path; like a submodule with only options. With `freeform = true` other
    attributes are kept, each merged as `types.raw` (one definition, or identical ones).
    The merged value has every field (its default where none is defined), lazily.

    # Example
      record "machine" {
        tags = { type = types.listOf types.str; default = loc: [ ]; };
      } true
  */
  record =
    name: fields: freeform:
    let
      known = attrNames fields;
      defaults = loc: mapAttrs (_: f: f.default loc) fields;
      t = mkOptionType {
        inherit name;
        description = "${name} (a set of ${common.joinNames known}${lib.optionalString freeform ", and others"})";
        check = isAttrs;
        merge =
          loc: defs:
          let
            given = byAttr defs;
            unknown = attrNames (removeAttrs given known);
          in
          if !freeform && unknown != [ ] then
            unknownError loc (map (d: d.file) defs) unknown known
          else
            defaults loc
            // mapAttrs (
              f: ds: mergeDefs (loc ++ [ f ]) (fields.${f}.type or types.raw) ds ((fields.${f}.default or (_: null)) loc)
            ) given;
      };
      fast =
        loc: file: v:
        if !isAttrs v then
          rejected loc t file v
        else
          let
            extra = removeAttrs v known;
          in
          if !freeform && extra != { } then
            unknownError loc [ file ] (attrNames extra) known
          else
            (if freeform then mapAttrs (n: x: mergeOne (loc ++ [ n ]) types.raw file x null) extra else { })
            // mapAttrs (
              f: spec: if v ? ${f} then mergeOne (loc ++ [ f ]) spec.type file v.${f} (spec.default loc) else spec.default loc
            ) fields;
    in
    withFast t fast;

  /**
    A leaf type whose one plain definition, if it passes `check`, is the value itself
    (`types.str`, `types.enum [ … ]`, `types.nullOr types.str`, `types.deferredModule`'s
    check with its merge, …).
  */
  leaf = t: withFast t (loc: file: v: if t.check v then t.merge loc [ { inherit file; value = v; } ] else rejected loc t file v);

  /**
    A list of strings (`types.listOf types.str`); one plain definition is checked item by
    item and is the value itself.
  */
  strings =
    let
      t = types.listOf types.str;
    in
    withFast t (
      loc: file: v:
      if isList v && all isString v then v else if isList v then t.merge loc [ { inherit file; value = v; } ] else rejected loc t file v
    );

  /**
    `types.coercedTo` from a list of names to `attrsOf entry`: `[ "a" ]` is `{ a = { }; }`.
  */
  namesOrAttrsOf =
    entry:
    let
      entryAttrs = attrsOf entry;
      to = types.coercedTo (types.listOf types.str) (names: lib.genAttrs names (_: { })) entryAttrs;
    in
    withFast to (
      loc: file: v:
      if isList v && all isString v then
        entryAttrs.fast loc file (lib.genAttrs v (_: { }))
      else if isAttrs v then
        entryAttrs.fast loc file v
      else
        rejected loc to file v
    );
}
