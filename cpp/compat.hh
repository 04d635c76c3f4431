// The one place that knows how the Nix C++ API differs between versions.
//
// build.rs derives NIX_INSTANCES_NIX_MINOR (and _MAJOR) from pkg-config's nix-expr version;
// every version conditional of the shim lives here, so shim.cc reads the same for every Nix.
// Each boundary below was found by compiling against that release's headers (see
// docs/nix-versions.md and scripts/compat-check.sh --git):
//
//   2.8        primops take `const Pos &`; errors are `ThrownError(ErrorInfo)`; Symbol converts
//              to std::string; Value fields are public members; up to 2.25 headers want
//              autotools' config.h first.
//   2.9+       primops take `PosIdx`; `state.symbols[sym]`; errors carry `state.positions[pos]`.
//   2.14+      `state.error(…).atPos(pos).debugThrow<E>()`.
//   2.16+      `v.path()` is a SourcePath.
//   2.17+      `RegisterPrimOp(PrimOp &&)`.
//   2.19+      `v.string_view()`, `v.listItems()`, `v.c_str()`, `v.context()` (the field is
//              `string.c_str`, no longer `string.s`).
//   2.21+      `state.error<E>(…).atPos(pos).debugThrow()`.
//   2.22+      `v.attrs()` (const), `v.integer()`, `v.boolean()`; `state.buildList(n)` + `v.mkList(list)`.
//   2.25+      `NixInt` is a checked integer (`.value`).
//   2.26–2.27  meson: headers want the per-library config-util.hh, config-store.hh, config-expr.hh first.
//   2.28+      headers under <nix/expr/…>, <nix/store/…>, <nix/util/…>, which include their own configuration.
//   2.29+      `RegisterPrimOp::primOps()` is a function (a pointer before).
//   2.30+      `v.listView()` instead of `v.listItems()`.
//   2.32+      `v.mkStringNoCopy(s, context)` (no `mkString(const char *, context)`).
//   2.33+      `v.mkString(s, state.mem)`.
//   2.34+      `PrimOp::impl` instead of `PrimOp::fun`.
//
// String context is read and shared as Value's context pointer (a null-terminated array up to
// 2.32; `mkStringNoCopy` with the `StringData` after), so no context set type is named here.
// Errors are raised with the message as a single literal: formatting with "%s" would colour it.
#pragma once

#ifndef NIX_INSTANCES_NIX_MINOR
#error "NIX_INSTANCES_NIX_MINOR is not set: build through cargo (build.rs sets it from pkg-config)"
#endif

#define NIX_AT_LEAST(minor) (NIX_INSTANCES_NIX_MAJOR > 2 || NIX_INSTANCES_NIX_MINOR >= (minor))

// Lix numbers its releases 2.90 and up, but its C++ API forked from Nix 2.18's: the branches
// below would pick the wrong one. Not supported (and not checked).
#if NIX_INSTANCES_NIX_MAJOR == 2 && NIX_INSTANCES_NIX_MINOR >= 90
#error "nix-instances: Nix 2.90 and later are Lix releases, whose C++ API this shim does not support"
#endif

#if NIX_AT_LEAST(28)
#  include <nix/expr/eval.hh>
#  include <nix/expr/primops.hh>
#  include <nix/expr/value.hh>
#  include <nix/util/logging.hh>
#  include <nix/store/globals.hh>
#  include <nix/util/signals.hh>
#else
// The build configuration Nix's headers were written against, which up to 2.27 users include
// first: autotools' config.h up to 2.25, meson's per-library config-*.hh in 2.26 and 2.27.
#  if __has_include(<config-expr.hh>)
#    include <config-util.hh>
#    include <config-store.hh>
#    include <config-expr.hh>
#  else
#    include <config.h>
#  endif
#  include <eval.hh>
#  include <primops.hh>
#  include <value.hh>
#  include <logging.hh>
#  include <globals.hh>
#  if __has_include(<signals.hh>)
#    include <signals.hh>
#  endif
#endif

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nix_instances::compat {

#if NIX_AT_LEAST(9)
using PosArg = nix::PosIdx;
#else
using PosArg = const nix::Pos &;
#endif

// The position stored in the per-call context (a pointer for 2.8, where primops get a reference).
#if NIX_AT_LEAST(9)
using PosHold = nix::PosIdx;
#else
using PosHold = const nix::Pos *;
inline const nix::Pos & pos_of(PosHold p) { return *p; }
#endif

inline PosHold hold(PosArg pos)
{
#if NIX_AT_LEAST(9)
    return pos;
#else
    return &pos;
#endif
}

inline void force(nix::EvalState & state, nix::Value & v, PosHold pos)
{
#if NIX_AT_LEAST(9)
    state.forceValue(v, pos);
#else
    state.forceValue(v, pos_of(pos));
#endif
}

// ---- reading forced values ------------------------------------------------------------------

#if NIX_AT_LEAST(22)
inline const nix::Bindings & attrs(const nix::Value & v) { return *v.attrs(); }
#else
inline nix::Bindings & attrs(nix::Value & v) { return *v.attrs; }
#endif

inline std::string_view symbol_name(nix::EvalState & state, const nix::Symbol & s)
{
#if NIX_AT_LEAST(9)
    // A view of the symbol table's own copy, which lives as long as the EvalState.
    return std::string_view(state.symbols[s]);
#else
    (void) state;
    return std::string_view((const std::string &) s);
#endif
}

template<typename F>
inline void for_each_item(nix::Value & v, F && f)
{
#if NIX_AT_LEAST(30)
    for (auto * item : v.listView()) f(item);
#elif NIX_AT_LEAST(19)
    for (auto * item : v.listItems()) f(item);
#else
    auto elems = v.listElems();
    for (size_t i = 0; i < v.listSize(); ++i) f(elems[i]);
#endif
}

inline size_t list_size(const nix::Value & v) { return v.listSize(); }

inline std::string_view string(const nix::Value & v)
{
#if NIX_AT_LEAST(19)
    return v.string_view();
#else
    return std::string_view(v.string.s);
#endif
}

// A path as `toString` shows it.
inline std::string path(const nix::Value & v)
{
#if NIX_AT_LEAST(16)
    return v.path().path.abs();
#else
    return std::string(v.path);
#endif
}

// Whether a string value carries context (refers to store paths).
inline bool has_context(const nix::Value & v)
{
#if NIX_AT_LEAST(33)
    return v.context() != nullptr;
#elif NIX_AT_LEAST(22)
    auto ctx = v.context();
    return ctx && *ctx;
#else
    return v.string.context && *v.string.context;
#endif
}

inline int64_t integer(const nix::Value & v)
{
#if NIX_AT_LEAST(25)
    return v.integer().value;
#elif NIX_AT_LEAST(22)
    return v.integer();
#else
    return v.integer;
#endif
}

inline bool boolean(const nix::Value & v)
{
#if NIX_AT_LEAST(22)
    return v.boolean();
#else
    return v.boolean;
#endif
}

// ---- building values ------------------------------------------------------------------------

inline void make_string(nix::EvalState & state, nix::Value & v, std::string_view s)
{
#if NIX_AT_LEAST(33)
    v.mkString(s, state.mem);
#else
    (void) state;
    v.mkString(s);
#endif
}

// `v` (just made by make_string) takes the context of the string `from`. Contexts are
// immutable and garbage-collected: `v` shares `from`'s.
inline void share_context(nix::Value & v, const nix::Value & from)
{
#if NIX_AT_LEAST(33)
    v.mkStringNoCopy(v.string_data(), from.context());
#elif NIX_AT_LEAST(32)
    v.mkStringNoCopy(v.c_str(), from.context());
#elif NIX_AT_LEAST(19)
    v.mkString(v.c_str(), from.context());
#else
    v.mkString(v.string.s, from.string.context);
#endif
}

// A list of `n` items filled by `fill(i)`.
template<typename F>
inline void make_list(nix::EvalState & state, nix::Value & v, size_t n, F && fill)
{
#if NIX_AT_LEAST(22)
    auto list = state.buildList(n);
    for (size_t i = 0; i < n; ++i) list[i] = fill(i);
    v.mkList(list);
#else
    state.mkList(v, n);
    auto elems = v.listElems();
    for (size_t i = 0; i < n; ++i) elems[i] = fill(i);
#endif
}

// ---- errors and warnings ----------------------------------------------------------------------

// Throws error type E (with message `msg`) at the primop call. The message is one literal, so
// Nix prints it uncoloured, as it prints a `throw`'s message (a format argument would be
// highlighted on a terminal).
template<typename E>
[[noreturn]] inline void throw_at(nix::EvalState & state, PosHold pos, const std::string & msg)
{
#if NIX_AT_LEAST(21)
    state.error<E>(msg).atPos(pos).debugThrow();
#elif NIX_AT_LEAST(14)
    state.error(msg).atPos(pos).template debugThrow<E>();
#elif NIX_AT_LEAST(9)
    throw E({ .msg = nix::hintfmt(msg), .errPos = state.positions[pos] });
#else
    (void) state;
    throw E({ .msg = nix::hintfmt(msg), .errPos = pos_of(pos) });
#endif
}

// Throws Nix's `Interrupted` when the user pressed Ctrl-C (SIGINT) since evaluation began.
inline void check_interrupt()
{
    nix::checkInterrupt();
}

// A `throw`-like error at the primop call: catchable by builtins.tryEval.
[[noreturn]] inline void throw_thrown(nix::EvalState & state, PosHold pos, const std::string & msg)
{
    throw_at<nix::ThrownError>(state, pos, msg);
}

// An evaluation error at the primop call, not catchable by builtins.tryEval.
[[noreturn]] inline void throw_eval(nix::EvalState & state, PosHold pos, const std::string & msg)
{
    throw_at<nix::EvalError>(state, pos, msg);
}

inline void warn(const std::string & msg)
{
    nix::warn("%s", msg);
}

// ---- registration -----------------------------------------------------------------------------

// The running Nix's version (a global of libnixstore, so the Nix that loaded us), to refuse
// loading into a Nix we were not built for.
inline const std::string & running_version()
{
    return nix::nixVersion;
}

// Whether a primop of this name is registered already (by another copy of this plugin).
inline bool primop_registered(const std::string & name)
{
#if NIX_AT_LEAST(29)
    // A function since 2.29, its vector made on first use.
    const auto * ops = &nix::RegisterPrimOp::primOps();
#else
    // A pointer, null until the first registration.
    const auto * ops = nix::RegisterPrimOp::primOps;
    if (!ops) return false;
#endif
    for (auto & p : *ops)
        if (p.name == name) return true;
    return false;
}

#if NIX_AT_LEAST(9)
using PrimOpFn = void (*)(nix::EvalState &, nix::PosIdx, nix::Value **, nix::Value &);
#else
using PrimOpFn = void (*)(nix::EvalState &, const nix::Pos &, nix::Value **, nix::Value &);
#endif

inline void register_primop(const char * name, std::vector<std::string> args, size_t arity,
                            const char * doc, PrimOpFn fun)
{
#if NIX_AT_LEAST(34)
    nix::RegisterPrimOp(nix::PrimOp { .name = name, .args = std::move(args), .arity = arity, .doc = doc, .impl = fun });
#elif NIX_AT_LEAST(17)
    nix::RegisterPrimOp(nix::PrimOp { .name = name, .args = std::move(args), .arity = arity, .doc = doc, .fun = fun });
#else
    nix::RegisterPrimOp({ .name = name, .args = std::move(args), .arity = arity, .doc = doc, .fun = fun });
#endif
}

} // namespace nix_instances::compat
