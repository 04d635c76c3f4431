//! nix-instances as a Nix plugin: `libnix_instances.so`, loaded with
//! `nix --option plugin-files …/libnix_instances.so …`, adds `builtins.expandInstances`,
//! `builtins.expandMultiService` and `builtins.nixInstancesVersion`.
//!
//! The semantics live in the `nix-instances-core` crate; this crate is the bridge
//! ([`ffi`]), the core's value host over real Nix values ([`nix_host`]), and the C++ shim in
//! `cpp/` that registers the primops.

mod ffi;
mod nix_host;

/// Test hook (feature `test-hooks` only): the plugin's allocator, failing any allocation larger
/// than a cap the tests set, so that running out of memory can be tested without starving
/// the machine.
#[cfg(feature = "test-hooks")]
mod alloc_cap {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicUsize, Ordering};

    static CAP: AtomicUsize = AtomicUsize::new(usize::MAX);

    pub fn set(bytes: usize) {
        CAP.store(bytes, Ordering::Relaxed);
    }

    struct Capped;

    unsafe impl GlobalAlloc for Capped {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            if layout.size() > CAP.load(Ordering::Relaxed) {
                return std::ptr::null_mut();
            }
            System.alloc(layout)
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            System.dealloc(ptr, layout)
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            if new_size > CAP.load(Ordering::Relaxed) {
                return std::ptr::null_mut();
            }
            System.realloc(ptr, layout, new_size)
        }
    }

    #[global_allocator]
    static ALLOCATOR: Capped = Capped;
}

extern "C" {
    /// Defined next to the primop registration in `cpp/shim.cc`.
    fn nix_instances_registered() -> bool;
}

/// Keeps the shim's object file, and with it the static registration of the primops, in the
/// plugin: the linker drops archive members nothing refers to, and nothing else refers to the
/// object whose static constructor registers the primops.
#[used]
static KEEP_REGISTRATION: unsafe extern "C" fn() -> bool = nix_instances_registered;
