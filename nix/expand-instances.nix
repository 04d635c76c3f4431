# Pure-Nix twin of `builtins.expandInstances` (docs/contract.md, "expandInstances").
#
#   import ./expand-instances.nix args  ->  { instances; modules; machines; tags; warnings; }
#
# The expansion itself is ./internal/expand-instances.nix; here with the contract's paths in
# error messages.
import ./internal/expand-instances.nix { }
