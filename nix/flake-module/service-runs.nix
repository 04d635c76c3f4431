# nixInstances: running a perInstance or perMachine module, as `lib.evalModules` would.
#
#   runResult = import ./service-runs.nix { inherit lib; };
#   run = runResult { file; module; };     # once per service module (and role)
#   (run specialArgs).nixosModule          # per (instance, role, machine) or (service, machine)
#
# `module` is a role's `perInstance` or the service's `perMachine` as the service module's
# evaluation gives it: a `types.deferredModuleWith { staticModules = [ <result options> ]; }`
# value (service-schema.nix), i.e. `{ imports = [ <result options> <definition>… ]; }`;
# `file` is where it is said to come from. `run specialArgs` is the `config` of
#
#   lib.evalModules { inherit specialArgs prefix class; modules = [ (lib.setDefaultModuleLocation file module) ]; }
#
# (`prefix` and `class` optional, `[ ]` and `null` by default, as evalModules' own.)
#
# A whole fleet runs one such module per (instance, role, member machine) and one per
# (service, machine), and their `evalModules` (module collection, option declarations, the
# `_module` options) were most of its time, although nearly every such module is a single
# function or attribute set defining some of the result options. For that case the module is
# applied to the arguments `evalModules` would give it, and each result option is merged as
# `evalOptionValue` does: lib's `mergeDefinitions` over the option's default
# (`mkOptionDefault`, from the declaring file) and the module's definition (from its file).
# The options (types, defaults, declaring file) are read from the static module itself, once
# per service module. Anything else goes through `evalModules` itself, which also writes the
# errors: several definitions, a path, `imports`, `config`/`options`, `mkIf`/`mkMerge` around
# the whole module, an attribute that is not a result option (`_module.args` included), an
# option with `apply` or `readOnly`, a lib whose deferred-module merge has another shape. The
# module's `config` and `options` arguments are that evaluation's, computed only when read.
{ lib }:
let
  inherit (builtins)
    all
    attrNames
    attrValues
    elemAt
    head
    isAttrs
    isList
    length
    mapAttrs
    ;

  # `{ _file; imports = [ value ]; }`: lib's `setDefaultModuleLocation` of one definition.
  isLocated = d: isAttrs d && attrNames d == [ "_file" "imports" ] && isList d.imports && length d.imports == 1;
in
{
  file,
  module,
  prefix ? [ ],
  class ? null,
}:
let
  imports = module.imports or null;

  # The result options (the static module, first) and one definition.
  shaped = isAttrs module && attrNames module == [ "imports" ] && isList imports && length imports == 2 && isLocated (elemAt imports 1);
  def = elemAt imports 1;
  defFile = def._file;
  value = head def.imports;

  # The result options, declared by the static module (once per module, not per run): each a
  # plain option with a default, no `apply`, not read-only.
  decls = removeAttrs (lib.evalModules { modules = [ (lib.setDefaultModuleLocation file (elemAt imports 0)) ]; }).options [ "_module" ];
  simpleDecls = all (o: lib.isOption o && o ? default && !(o ? apply) && !(o.readOnly or false)) (attrValues decls);

  fast = shaped && (lib.isFunction value || (isAttrs value && !(value ? _type))) && simpleDecls;
in
specialArgs:
let
  ev = lib.evalModules {
    inherit specialArgs prefix class;
    modules = [ (lib.setDefaultModuleLocation file module) ];
  };

  # What `evalModules` gives a module function (lib/modules.nix: `collectModules`' arguments,
  # then `applyModuleArgs`: each named argument from those or from `_module.args`).
  args = {
    inherit lib specialArgs;
    inherit (ev) options config;
    _class = class;
    _prefix = prefix;
  } // specialArgs;
  applied =
    if lib.isFunction value then
      value (args // mapAttrs (name: _: args.${name} or ev.config._module.args.${name}) (lib.functionArgs value))
    else
      value;

  plain = fast && isAttrs applied && !(applied ? _type) && all (n: decls ? ${n}) (attrNames applied);

  # `evalOptionValue` of a result option: lib's `mergeDefinitions` over the option's default
  # (`mkOptionDefault`, from the declaring file) and the module's definition (from its file).
  # A plain definition (no `mkIf`/`mkOverride`/… wrapper) outranks the default, which
  # `mergeDefinitions` would drop: it is merged alone, as are a plain default where nothing is
  # defined (`mergeDefinitions`' own path for one plain definition).
  option =
    name: opt:
    let
      given = applied ? ${name};
      def =
        if given then
          {
            file = defFile;
            value = applied.${name};
          }
        else
          {
            file = head opt.declarations;
            value = opt.default;
          };
      plainDef = !(isAttrs def.value && def.value ? _type);
    in
    (lib.modules.mergeDefinitions (prefix ++ [ name ]) opt.type (
      if plainDef then
        [ def ]
      else
        [
          {
            file = head opt.declarations;
            value = lib.mkOptionDefault opt.default;
          }
        ]
        ++ lib.optional given def
    )).mergedValue;
in
if plain then mapAttrs option decls // { inherit (ev.config) _module; } else ev.config
