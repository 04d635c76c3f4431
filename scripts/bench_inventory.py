"""What scripts/bench.py and scripts/bench_flake_parts.py share: the machines and tags of their
inventories (the same ones from the same seed) and the walk that forces an expansion."""

TAG_COUNT = 20  # each tag is carried by 1/20 = 5% of the machines


def machines_and_tags(rng, n_machines):
    """Machines m0..mN, each with one of TAG_COUNT tags (5% of the machines per tag), every 10th
    a darwin machine, a freeform `deploy` attribute; two static tags of 5% each.
    Returns (names, machines, static_tags, tag_names)."""
    width = len(str(n_machines - 1))
    names = [f"m{i:0{width}d}" for i in range(n_machines)]
    order = list(range(n_machines))
    rng.shuffle(order)
    tag_of = {names[m]: f"tag{k % TAG_COUNT:02d}" for k, m in enumerate(order)}
    machines = {}
    for i, m in enumerate(names):
        entry = {"tags": [tag_of[m]], "deploy": {"targetHost": f"root@{m}.example.org"}}
        if i % 10 == 9:
            entry["machineClass"] = "darwin"
        machines[m] = entry
    per_tag = max(1, n_machines // TAG_COUNT)
    static_tags = {
        "backup": sorted(rng.sample(names, per_tag)),
        "monitored": sorted(rng.sample(names, per_tag)),
    }
    tag_names = sorted(set(tag_of.values()) | set(static_tags))
    return names, machines, static_tags, tag_names


# Forces an expansion's structure (names, list spines, strings), never a settings value, with
# builtins only: a walk in interpreted Nix would cost as much as a fast expansion.
WALK_EXPANSION = """
let
  inherit (builtins) attrValues catAttrs concatLists concatMap deepSeq length;
in
r:
let
  instances = attrValues r.instances;
  roles = concatMap attrValues (catAttrs "roles" instances);
  entries = concatMap attrValues (catAttrs "machines" roles);
  imports = concatLists (catAttrs "imports" (catAttrs "settings" entries));
in
deepSeq [ r.modules r.machines r.tags r.warnings (catAttrs "module" instances) (catAttrs "moduleId" instances) ]
  (length roles + length entries + length imports)
"""
