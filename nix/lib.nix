# The nix-instances library. `import ./nix/lib.nix` needs no arguments and no nixpkgs.
#
# Each entry uses the native primop when the plugin is loaded
# (`nix --option plugin-files …/libnix_instances.so …`) and the pure-Nix twin otherwise;
# `pure.*` always uses the twin. Both implement docs/contract.md and give the same results.
let
  hasPlugin = builtins ? nixInstancesVersion;

  pure = {
    expandInstances = import ./expand-instances.nix;
    expandMultiService = import ./multi-service.nix;
  };

  expandInstances = if hasPlugin then builtins.expandInstances else pure.expandInstances;
  expandMultiService = if hasPlugin then builtins.expandMultiService else pure.expandMultiService;
in
{
  /**
    Whether the plugin's primops are loaded into the Nix evaluating this.

    # Type

    ```
    hasPlugin :: Bool
    ```
  */
  inherit hasPlugin;

  /**
    The plugin's version (`builtins.nixInstancesVersion`), or `null` without the plugin.

    # Type

    ```
    version :: String | Null
    ```
  */
  version = if hasPlugin then builtins.nixInstancesVersion else null;

  /**
    Expand a clan-style inventory: each role's members (explicit machines and machines
    carrying one of its tags) with their settings imports, instances grouped by module, and
    every machine's tags, instances and roles. Settings and `extraModules` stay unevaluated.
    Invalid input is a `throw` naming the attribute path.

    # Type

    ```
    expandInstances :: { machines, tags ? {}, instances, modules ? {} } -> { instances, modules, machines, tags, warnings }
    ```

    # Example

    ```nix
    (expandInstances {
      machines = { web1.tags = [ "web" ]; db1 = { }; };
      instances.hello.roles.server.tags = [ "web" ];
    }).machines.web1
    => { tags = [ "all" "nixos" "web" ]; instances.hello.roles = [ "server" ]; }
    ```
  */
  inherit expandInstances;

  /**
    Expand the instances of one services-flake style service: names, `namespace` and
    `dataDir` defaults, the enabled instances' `outputs.settings` (unevaluated but for their
    process names) and which instance defines each process. Two enabled instances defining one
    process name is an error.

    # Type

    ```
    expandMultiService :: { service ? null, module ? null, instances } -> { service, enabled, instances, settings, processes }
    ```

    # Example

    ```nix
    (expandMultiService {
      module = ./hello.nix;
      instances.hello1 = { enable = true; outputs.settings.processes.hello1.command = "hello"; };
    }).instances.hello1.namespace
    => "hello.hello1"
    ```
  */
  inherit expandMultiService;

  /**
    A drop-in for services-flake's `multiService`: a module declaring
    `services.<service>.<instance>` (with `enable`, `dataDir`, `namespace`, `outputs.settings`)
    and feeding the enabled instances' settings into process-compose's `settings`. Takes
    `lib` from the module arguments.

    # Type

    ```
    multiService :: (Path | String | { name :: String, module :: Module }) -> Module
    ```

    # Example

    ```nix
    imports = [ (multiService ./hello.nix) ];
    services.hello.hello1 = { enable = true; message = "Hello, world!"; };
    ```
  */
  multiService = import ./multi-service-module.nix { inherit expandMultiService; };

  /**
    The pure-Nix twins, whether or not the plugin is loaded.
  */
  inherit pure;
}
