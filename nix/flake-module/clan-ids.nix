# clan-core's module ids, for the places where clan-core's order or wording depends on them.
#
# clan-core groups instances into services by the id of the reference as written
# (`<clan-core>-<name>` for `module.input = null`, `<input>-<name>` otherwise; modules/clan/
# distributed-services.nix), and lists each machine's service modules in the order of those
# ids (a `foldlAttrs` over the services). Here a module has one id (the clan-core input by
# name is `input = null`, service-modules.nix), so `maxInstances` and `perMachine` see every
# instance of it; these helpers give back clan-core's ids where they decide an order or a
# message.
#
#   import ./clan-ids.nix { inherit lib; } cfg
{ lib }:
cfg:
let
  inherit (builtins) attrNames genericClosure listToAttrs map;

  labelOf = input: if input == null then "<clan-core>" else input;
in
rec {
  # The input as instance `i` writes it: "<clan-core>", "clan-core", "self", "<input>".
  writtenLabel = i: labelOf cfg.instances.${i}.module.input;

  # clan-core's id of instance `i`'s module.
  writtenId = i: writtenLabel i + "-" + cfg.instances.${i}.module.name;

  # `idOf`'s ids of `instances`, each once, in clan-core's order: by clan-core's id. A module
  # that clan-core gives two ids (some instances write `input = null`, others the clan-core
  # input's name) is placed at the first of them.
  orderedIds =
    idOf: instances:
    let
      # clan-core id -> our id; listToAttrs keeps one entry per clan-core id, and its names
      # are sorted, as clan-core's services are.
      byClanId = listToAttrs (
        map (i: {
          name = writtenId i;
          value = idOf i;
        }) instances
      );
      ids = map (n: byClanId.${n}) (attrNames byClanId);
    in
    # Each id once, at its first place (only a module with two clan-core ids is listed twice).
    map (x: x.key) (genericClosure {
      startSet = map (id: { key = id; }) ids;
      operator = _: [ ];
    });

  # The labels (`writtenLabel`) that `instances` write, each once, sorted.
  writtenLabels = instances: attrNames (listToAttrs (map (i: lib.nameValuePair (writtenLabel i) null) instances));
}
