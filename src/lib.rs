//! nix-instances as a Nix plugin: `libnix_instances.so`, loaded with
//! `nix --option plugin-files …/libnix_instances.so …`, adds `builtins.expandInstances`,
//! `builtins.expandMultiService` and `builtins.nixInstancesVersion`.
//!
//! The semantics live in the `nix-instances-core` crate; this crate is the bridge
//! ([`ffi`]), the core's value host over real Nix values ([`nix_host`]), and the C++ shim in
//! `cpp/` that registers the primops.

mod ffi;
mod nix_host;

extern "C" {
    /// Defined next to the primop registration in `cpp/shim.cc`.
    fn nix_instances_registered() -> bool;
}

/// Keeps the shim's object file, and with it the static registration of the primops, in the
/// plugin: the linker drops archive members nothing refers to, and nothing else refers to the
/// object whose static constructor registers the primops.
#[used]
static KEEP_REGISTRATION: unsafe extern "C" fn() -> bool = nix_instances_registered;
