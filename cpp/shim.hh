// The C++ side of the bridge: a per-call context through which Rust reads and builds Nix values.
//
// Rust refers to values by index into `values`, a vector in GC-scanned memory (Boehm's
// traceable_allocator): everything Rust reads or builds stays reachable until the primop
// returns, although Rust's own heap is invisible to the collector.
//
// Exceptions never cross into Rust: every call from Rust goes through the `trycatch` below,
// which keeps the original exception; the primop re-throws it after Rust has returned.
#pragma once

#include "compat.hh"
#include "rust/cxx.h"

#include <exception>
#include <memory>
#include <vector>

namespace nix_instances {

struct Attr;
enum class Kind : uint8_t;

// The exception raised by Nix during the current call from Rust, kept for re-throwing.
std::exception_ptr & pending_exception();

class Ctx
{
public:
    Ctx(nix::EvalState & state, compat::PosHold pos);

    uint32_t add(nix::Value * v);
    nix::Value * get(uint32_t v) const { return values.at(v); }

    // Reading. `force_kind` forces; the others read a value already forced to that kind.
    Kind force_kind(uint32_t v);
    rust::Vec<Attr> attrs(uint32_t v);
    uint32_t attr(uint32_t v, rust::Slice<const uint8_t> name);
    rust::Vec<uint32_t> items(uint32_t v);
    rust::Slice<const uint8_t> string(uint32_t v) const;
    int64_t integer(uint32_t v) const;
    bool boolean(uint32_t v) const;
    bool has_context(uint32_t v) const;

    // Building.
    uint32_t symbol(rust::Slice<const uint8_t> name);
    uint32_t make_null();
    uint32_t make_bool(bool b);
    uint32_t make_int(int64_t i);
    uint32_t make_string(rust::Slice<const uint8_t> s);
    uint32_t make_string_with_context(rust::Slice<const uint8_t> s, uint32_t context_of);
    uint32_t make_list(rust::Slice<const uint32_t> items);
    uint32_t make_attrs(rust::Slice<const uint32_t> symbols, rust::Slice<const uint32_t> items);

    void warn(rust::Slice<const uint8_t> message) const;
    void check_interrupt() const;

#ifdef NIX_INSTANCES_TEST_HOOKS
    // Test hook: run a full garbage collection every `n` values Rust holds (0: never).
    size_t collect_every = 0;
#endif

private:
    nix::EvalState & state;
    compat::PosHold pos;
    nix::ValueVector values;           // GC-scanned: roots every value Rust holds
    std::vector<nix::Symbol> symbols;  // symbols are never freed by Nix
    std::string path_buffer;           // backing store for `string` of a path
};

} // namespace nix_instances

namespace rust::behavior {

// cxx's hook for C++ exceptions in calls from Rust: keep the exception itself (any type) for
// the primop to re-throw, and hand Rust an error that it propagates without unwinding.
template<typename Try, typename Fail>
static void trycatch(Try && func, Fail && fail) noexcept
try {
    func();
} catch (...) {
    auto & pending = nix_instances::pending_exception();
    if (!pending) pending = std::current_exception();
    fail("nix-instances: an error raised by Nix is pending");
}

} // namespace rust::behavior
