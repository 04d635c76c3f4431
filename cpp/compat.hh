// The one place that knows how the Nix C++ API differs between versions.
//
// build.rs derives NIX_INSTANCES_NIX_MINOR (and _MAJOR) from pkg-config's nix-expr version;
// every version conditional of the shim lives here, so shim.cc reads the same for every Nix.
//
//   2.8–2.9    primops take `const Pos &`; errors thrown as `ThrownError(ErrorInfo)`;
//              Symbol converts to std::string; Value fields are public members.
//   2.10+      primops take `PosIdx`; `state.symbols[sym]`.
//   2.19+      `state.buildList(n)` + `v.mkList(list)`; `state.error<E>(…).atPos(pos).debugThrow()`.
//   2.20+      `v.attrs()`, `v.c_str()`, `v.integer()`, `v.boolean()` accessors.
//   2.24+      `NixInt` is a checked integer (`.value`).
//   2.28+      headers under <nix/expr/…>, <nix/store/…>, <nix/util/…>.
#pragma once

#ifndef NIX_INSTANCES_NIX_MINOR
#error "NIX_INSTANCES_NIX_MINOR is not set: build through cargo (build.rs sets it from pkg-config)"
#endif

#define NIX_AT_LEAST(minor) (NIX_INSTANCES_NIX_MAJOR > 2 || NIX_INSTANCES_NIX_MINOR >= (minor))

#if NIX_AT_LEAST(28)
#  include <nix/expr/eval.hh>
#  include <nix/expr/primops.hh>
#  include <nix/expr/value.hh>
#  include <nix/util/logging.hh>
#  include <nix/store/globals.hh>
#else
#  include <config.h>   // the autoconf results Nix's headers were written against
#  include <eval.hh>
#  include <primops.hh>
#  include <value.hh>
#  include <logging.hh>
#  include <globals.hh>
#endif

#include <cstdint>
#include <string>
#include <string_view>

namespace nix_instances::compat {

#if NIX_AT_LEAST(10)
using PosArg = nix::PosIdx;
#else
using PosArg = const nix::Pos &;
#endif

// The position stored in the per-call context (a copy for 2.8, where primops get a reference).
#if NIX_AT_LEAST(10)
using PosHold = nix::PosIdx;
#else
using PosHold = const nix::Pos *;
inline const nix::Pos & pos_of(PosHold p) { return *p; }
#endif

inline PosHold hold(PosArg pos)
{
#if NIX_AT_LEAST(10)
    return pos;
#else
    return &pos;
#endif
}

inline void force(nix::EvalState & state, nix::Value & v, PosHold pos)
{
#if NIX_AT_LEAST(10)
    state.forceValue(v, pos);
#else
    state.forceValue(v, pos_of(pos));
#endif
}

// ---- reading forced values ------------------------------------------------------------------

inline nix::Bindings & attrs(nix::Value & v)
{
#if NIX_AT_LEAST(20)
    return *v.attrs();
#else
    return *v.attrs;
#endif
}

inline std::string_view symbol_name(nix::EvalState & state, const nix::Symbol & s)
{
#if NIX_AT_LEAST(10)
    return std::string_view(state.symbols[s]);
#else
    (void) state;
    return std::string_view((const std::string &) s);
#endif
}

template<typename F>
inline void for_each_item(nix::Value & v, F && f)
{
#if NIX_AT_LEAST(20)
    for (auto * item : v.listItems()) f(item);
#else
    auto elems = v.listElems();
    for (size_t i = 0; i < v.listSize(); ++i) f(elems[i]);
#endif
}

inline size_t list_size(const nix::Value & v) { return v.listSize(); }

inline std::string_view string(const nix::Value & v)
{
#if NIX_AT_LEAST(20)
    return v.string_view();
#else
    return std::string_view(v.string.s);
#endif
}

inline std::string path(const nix::Value & v)
{
#if NIX_AT_LEAST(20)
    return v.path().to_string();
#else
    return std::string(v.path);
#endif
}

inline int64_t integer(const nix::Value & v)
{
#if NIX_AT_LEAST(24)
    return v.integer().value;
#elif NIX_AT_LEAST(20)
    return v.integer();
#else
    return v.integer;
#endif
}

inline bool boolean(const nix::Value & v)
{
#if NIX_AT_LEAST(20)
    return v.boolean();
#else
    return v.boolean;
#endif
}

// ---- building values ------------------------------------------------------------------------

inline void make_string(nix::Value & v, std::string_view s)
{
    v.mkString(s);
}

// A list of `n` items filled by `fill(i)`.
template<typename F>
inline void make_list(nix::EvalState & state, nix::Value & v, size_t n, F && fill)
{
#if NIX_AT_LEAST(19)
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

// A `throw`-like error at the primop call: catchable by builtins.tryEval.
[[noreturn]] inline void throw_thrown(nix::EvalState & state, PosHold pos, const std::string & msg)
{
#if NIX_AT_LEAST(19)
    state.error<nix::ThrownError>("%s", msg).atPos(pos).debugThrow();
#else
    (void) state;
    throw nix::ThrownError({ .msg = nix::hintfmt("%s", msg), .errPos = pos_of(pos) });
#endif
}

// An evaluation error at the primop call, not catchable by builtins.tryEval.
[[noreturn]] inline void throw_eval(nix::EvalState & state, PosHold pos, const std::string & msg)
{
#if NIX_AT_LEAST(19)
    state.error<nix::EvalError>("%s", msg).atPos(pos).debugThrow();
#else
    (void) state;
    throw nix::EvalError({ .msg = nix::hintfmt("%s", msg), .errPos = pos_of(pos) });
#endif
}

inline void warn(const std::string & msg)
{
    nix::warn("%s", msg);
}

// ---- registration -----------------------------------------------------------------------------

// The running Nix's version, to refuse loading into a Nix we were not built for.
inline const std::string & running_version()
{
    return nix::nixVersion;
}

#if NIX_AT_LEAST(10)
using PrimOpFn = void (*)(nix::EvalState &, nix::PosIdx, nix::Value **, nix::Value &);
#else
using PrimOpFn = void (*)(nix::EvalState &, const nix::Pos &, nix::Value **, nix::Value &);
#endif

inline void register_primop(const char * name, std::vector<std::string> args, size_t arity,
                            const char * doc, PrimOpFn fun)
{
#if NIX_AT_LEAST(18)
    nix::RegisterPrimOp(nix::PrimOp { .name = name, .args = std::move(args), .arity = arity, .doc = doc, .fun = fun });
#else
    nix::RegisterPrimOp({ .name = name, .args = std::move(args), .arity = arity, .doc = doc, .fun = fun });
#endif
}

} // namespace nix_instances::compat
