# nixInstances: settings evaluated against the role interface, each distinct evaluation once.
#
#   import ./settings.nix { inherit lib cfg; }
#   => { <i>.<r> = { role = <evalModules result>; machines.<m> = <evalModules result>; }; }
#
# A member's settings are the role's interface, the role's settings, then its settings imports
# (docs/contract.md): its explicit entry's settings (`{ }` when it has no explicit entry), then
# the settings of each of the role's tags it carries (tag-name order). clan-core's settings
# evaluation gets nothing else that depends on the machine (only its error prefix names it),
# so members without an explicit entry that carry the same role tags have the same
# evaluation: it is made once per (instance, role, combination of role tags) and shared by
# those machines. In a fleet of 1,000 machines that is a few thousand evaluations fewer than
# one per (instance, role, member).
#
# - Explicit members: one evaluation each, named after their entry
#   (`nixInstances.instances.<i>.roles.<r>.machines.<m>.settings`), as before.
# - Tag members: one evaluation per combination of the role's tags they carry. Through one
#   tag, it is named after that tag's entry (`nixInstances.instances.<i>.roles.<r>.tags.<t>.
#   settings`): where the user wrote those settings, and where a missing value can be set for
#   exactly those machines. Through several tags, after the role's entry
#   (`….roles.<r>.settings`): the tags share it, and a value set there reaches them all.
#   Either way every definition keeps its own file, which names the entry it was written in
#   (`…, via option nixInstances.instances.<i>.roles.<r>.tags.<t>.settings`), so a type
#   error or a conflict points to the tag.
# - `machine = null`: the role's settings alone (`roles.<r>.settings` of perInstance's `roles`).
#
# Laziness: the shared evaluations are found through a lazy trie over the role's tag names
# (one node per combination prefix, built when first visited), so finding a machine's
# evaluation reads only names (the machine's tags, the role's tags and explicit machines),
# never a settings value, and evaluating it reads only the settings of the tags the machine
# carries.
{ lib, cfg }:
let
  inherit (builtins)
    attrNames
    elemAt
    foldl'
    genList
    intersectAttrs
    length
    listToAttrs
    mapAttrs
    ;

  common = import ../internal/common.nix;

  inherit (cfg) expanded services;

  at = path: common.showPath ([ "nixInstances" ] ++ path);

  located = file: m: lib.setDefaultModuleLocation file m;

  # Each machine's effective tags (the expansion's), as a set for `intersectAttrs`.
  tagSets = mapAttrs (_: mach: listToAttrs (map (t: lib.nameValuePair t null) mach.tags)) expanded.machines;

  evalFor =
    i: r: rolePath:
    let
      id = expanded.instances.${i}.moduleId;
      svc = services.${id};
    in
    # `where`: the path the evaluation is named after (its prefix); `modules`: the member's
    # settings modules after the interface and the role's settings.
    where: modules:
    lib.evalModules {
      prefix = [ "nixInstances" ] ++ rolePath ++ where;
      class = "${svc.config.manifest.name}.${r}.settings";
      specialArgs.meta = cfg.serviceMeta;
      modules = [
        (located "service module '${id}', roles.${r}.interface" svc.config.roles.${r}.interface)
        (located (at (rolePath ++ [ "settings" ])) expanded.instances.${i}.roles.${r}.settings)
      ] ++ modules;
    };

  roleEvals =
    i: r: role:
    let
      rolePath = [
        "instances"
        i
        "roles"
        r
      ];
      ev = evalFor i r rolePath;
      # The role as the inventory wrote it (the expansion's input): its explicit machines and
      # its tag entries.
      written = cfg.instances.${i}.roles.${r};
      tags = written.tags;

      # One evaluation per combination `chosen` of the role's tags (sorted), found by walking
      # `trie.next.<t1>.next.<t2>…`; `rest` are the tags after the last chosen one.
      node =
        chosen: rest:
        let
          n = length rest;
          n0 = length chosen;
        in
        {
          eval = ev (
            if n0 == 1 then
              [
                "tags"
                (builtins.head chosen)
                "settings"
              ]
            else
              [ "settings" ]
          ) ([ { } ] ++ map (t: located (at (rolePath ++ [ "tags" t "settings" ])) tags.${t}.settings) chosen);
          next = listToAttrs (
            genList (
              k:
              let
                t = elemAt rest k;
              in
              {
                name = t;
                value = node (chosen ++ [ t ]) (lib.sublist (k + 1) (n - k - 1) rest);
              }
            ) n
          );
        };
      trie = node [ ] (attrNames tags);

      machineEval =
        m: entry:
        if written.machines ? ${m} then
          ev [
            "machines"
            m
            "settings"
          ] [ (located (at (rolePath ++ [ "machines" m "settings" ]) + " (machine and tag settings)") entry.settings) ]
        else
          (foldl' (nd: t: nd.next.${t}) trie (attrNames (intersectAttrs tagSets.${m} tags))).eval;
    in
    {
      role = ev [ "settings" ] [ ];
      machines = mapAttrs machineEval role.machines;
    };
in
mapAttrs (i: inst: mapAttrs (roleEvals i) inst.roles) expanded.instances
