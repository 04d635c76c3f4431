//! The bridge between the Rust core and the C++ shim (`cpp/shim.hh`).
//!
//! C++ calls the `extern "Rust"` entry points from its primops; Rust reads and builds Nix
//! values through the `Ctx` the primop created, naming values by index (`u32`) into a table
//! the garbage collector scans.

#[cxx::bridge(namespace = "nix_instances")]
pub mod bridge {
    /// The kind of a forced Nix value.
    #[derive(Debug)]
    #[repr(u8)]
    enum Kind {
        Null,
        Bool,
        Int,
        Float,
        String,
        Path,
        Attrs,
        List,
        Function,
        External,
    }

    /// One attribute: its name, the name as a symbol handle (for `make_attrs`), and a handle
    /// to its (unforced) value.
    struct Attr<'a> {
        /// Borrowed from Nix's symbol table, which outlives the call.
        name: &'a [u8],
        symbol: u32,
        value: u32,
    }

    #[repr(u8)]
    enum Status {
        /// `value` is the result.
        Ok,
        /// The input is invalid: `message` is the error, raised like `throw`.
        Invalid,
        /// Nix raised an error while Rust forced a value: the shim re-throws it.
        Foreign,
        /// A bug (a Rust panic): `message` says what, raised as an evaluation error.
        Internal,
        /// A table could not be allocated: raised as Nix raises its own memory exhaustion.
        OutOfMemory,
    }

    struct Outcome {
        status: Status,
        value: u32,
        /// The error message's bytes (names in it need not be UTF-8).
        message: Vec<u8>,
    }

    unsafe extern "C++" {
        include!("nix-instances/cpp/shim.hh");

        type Ctx;

        fn force_kind(self: Pin<&mut Ctx>, v: u32) -> Result<Kind>;
        fn attrs<'a>(self: Pin<&'a mut Ctx>, v: u32) -> Result<Vec<Attr<'a>>>;
        fn attr(self: Pin<&mut Ctx>, v: u32, name: &[u8]) -> Result<u32>;
        fn items(self: Pin<&mut Ctx>, v: u32) -> Result<Vec<u32>>;
        fn string(self: &Ctx, v: u32) -> Result<&[u8]>;
        fn integer(self: &Ctx, v: u32) -> Result<i64>;
        fn boolean(self: &Ctx, v: u32) -> Result<bool>;
        fn has_context(self: &Ctx, v: u32) -> Result<bool>;

        fn symbol(self: Pin<&mut Ctx>, name: &[u8]) -> Result<u32>;
        fn make_null(self: Pin<&mut Ctx>) -> Result<u32>;
        fn make_bool(self: Pin<&mut Ctx>, b: bool) -> Result<u32>;
        fn make_int(self: Pin<&mut Ctx>, i: i64) -> Result<u32>;
        fn make_string(self: Pin<&mut Ctx>, s: &[u8]) -> Result<u32>;
        fn make_string_with_context(self: Pin<&mut Ctx>, s: &[u8], context_of: u32) -> Result<u32>;
        fn make_list(self: Pin<&mut Ctx>, items: &[u32]) -> Result<u32>;
        fn make_attrs(self: Pin<&mut Ctx>, symbols: &[u32], items: &[u32]) -> Result<u32>;

        fn warn(self: &Ctx, message: &[u8]);
        /// Raises Nix's `Interrupted` if the user pressed Ctrl-C.
        fn check_interrupt(self: &Ctx) -> Result<()>;
    }

    extern "Rust" {
        fn expand_instances(ctx: Pin<&mut Ctx>, arg: u32) -> Outcome;
        fn expand_multi_service(ctx: Pin<&mut Ctx>, arg: u32) -> Outcome;
        fn crate_version() -> &'static str;

        /// Test hook (feature `test-hooks` only): panics inside the core.
        #[cfg(feature = "test-hooks")]
        fn test_panic(ctx: Pin<&mut Ctx>, arg: u32) -> Outcome;

        /// Test hook (feature `test-hooks` only): from now on, Rust allocations larger than
        /// `bytes` fail, as under an address-space limit.
        #[cfg(feature = "test-hooks")]
        fn test_alloc_cap(bytes: u64);
    }
}

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;

use nix_instances_core::{instances, multi_service, text, Error};

use crate::nix_host::NixHost;
use bridge::{Ctx, Outcome, Status};

fn crate_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

// Each entry point catches panics: none may unwind into C++.

fn expand_instances(ctx: Pin<&mut Ctx>, arg: u32) -> Outcome {
    contained(|| instances::expand(&mut NixHost::new(ctx), &arg))
}

fn expand_multi_service(ctx: Pin<&mut Ctx>, arg: u32) -> Outcome {
    contained(|| multi_service::expand(&mut NixHost::new(ctx), &arg))
}

thread_local! {
    /// Where the last panic happened, recorded by the panic hook for the error message.
    static PANIC_LOCATION: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f`, turning a panic into an `Internal` outcome. The panic hook is replaced once by one
/// that only records the location: the message reaches the user as a Nix error instead.
fn contained(f: impl FnOnce() -> Result<u32, Error>) -> Outcome {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let at = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
            PANIC_LOCATION.with(|p| *p.borrow_mut() = at);
        }))
    });
    outcome(catch_unwind(AssertUnwindSafe(f)))
}

#[cfg(feature = "test-hooks")]
fn test_panic(ctx: Pin<&mut Ctx>, arg: u32) -> Outcome {
    contained(|| {
        let mut host = NixHost::new(ctx);
        let kind = nix_instances_core::Host::kind(&mut host, &arg)?;
        panic!("deliberate panic from the test hook (argument was {kind:?})")
    })
}

#[cfg(feature = "test-hooks")]
fn test_alloc_cap(bytes: u64) {
    crate::alloc_cap::set(usize::try_from(bytes).unwrap_or(usize::MAX));
}

fn outcome(result: std::thread::Result<Result<u32, Error>>) -> Outcome {
    match result {
        Ok(Ok(value)) => Outcome { status: Status::Ok, value, message: Vec::new() },
        Ok(Err(e @ (Error::Invalid { .. } | Error::Diagnostics(_)))) => Outcome { status: Status::Invalid, value: 0, message: text::to_bytes(&e.to_string()) },
        Ok(Err(Error::Foreign(f))) => Outcome { status: Status::Foreign, value: 0, message: f.0.into_bytes() },
        Ok(Err(Error::OutOfMemory)) => Outcome { status: Status::OutOfMemory, value: 0, message: Vec::new() },
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".to_string());
            let at = PANIC_LOCATION.with(|p| p.borrow_mut().take()).unwrap_or_else(|| "unknown place".into());
            let message = format!("{what} (at {at}); please report this as a bug of nix-instances");
            Outcome { status: Status::Internal, value: 0, message: message.into_bytes() }
        }
    }
}
