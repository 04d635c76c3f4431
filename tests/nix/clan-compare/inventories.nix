# Hand-written inventories for the clan-core comparison (tests/clan.rs), with a service
# module of the flake itself (`module.input = "self"`).
{ lib }:
{ }
