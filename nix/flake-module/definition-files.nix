# Which files define a path inside an option, for error messages that name the file as well
# as the option path (the expansion's errors, inventory.nix). Looked at only when there is an
# error to word.
#
#   files = import ./definition-files.nix { inherit lib; };
#   files.at options.nixInstances.instances [ "web" "roles" "server" "machines" "db3" ]
#   => [ "/nix/store/…-source/flake.nix" ]
#   files.definedIn options.nixInstances.instances [ "web" ]
#   => ". Defined in `/nix/store/…-source/flake.nix'."
{ lib }:
let
  inherit (builtins)
    any
    elem
    filter
    head
    isAttrs
    isInt
    isList
    tail
    tryEval
    ;

  # Whether the definition value `v` (plain values, with `mkIf`, `mkMerge`, `mkOverride`,
  # `mkOrder` around them at any depth) defines `path` (attribute names and list indices). A
  # definition discharged by `mkIf false` defines nothing; a list defines every index of the
  # merged list (definitions of a list are concatenated, so an index names no one of them);
  # a list of names defines those names (a role's `tags = [ "web" ]`).
  defines =
    path: v:
    if path == [ ] then
      true
    else if isAttrs v && v ? _type then
      if v._type == "if" then
        v.condition == true && defines path v.content
      else if v._type == "merge" then
        any (defines path) v.contents
      else if v._type == "override" || v._type == "order" || v._type == "definition" then
        defines path (v.content or v.value)
      else
        false
    else if isInt (head path) then
      isList v
    else if isAttrs v then
      v ? ${head path} && defines (tail path) v.${head path}
    else if isList v then
      tail path == [ ] && elem (head path) v
    else
      false;

  # The files of `defs` (`[ { file; value; } ]`) that define `path`. A definition that
  # cannot be looked at (it throws) counts as not defining it: it must not replace the error
  # being worded.
  filesDefining =
    defs: path:
    lib.unique (
      map (d: d.file) (
        filter (
          d:
          let
            r = tryEval (defines path d.value);
          in
          r.success && r.value
        ) defs
      )
    );

  at =
    opt: path:
    let
      go =
        p:
        let
          fs = filesDefining opt.definitionsWithLocations p;
        in
        if fs != [ ] || p == [ ] then fs else go (lib.init p);
      found = go path;
    in
    if found != [ ] then found else opt.files;
in
{
  /**
    The files that define `path` inside option `opt` (an element of `options`), or, when
    none does (e.g. a role the instance does not have), those that define its closest
    ancestor; at worst the option's files.
  */
  inherit at;

  /**
    `at opt path` as the end of an error message: ". Defined in `a.nix', `b.nix'.", or ""
    when no file is known.
  */
  definedIn =
    opt: path:
    let
      found = at opt path;
    in
    if found == [ ] then "" else ". Defined in ${lib.concatMapStringsSep ", " (f: "`${f}'") found}.";
}
