// The primops: each runs the Rust core through a Ctx and turns its outcome into a Nix value or
// a Nix error. This file and compat.hh are the only code that knows the Nix C++ API.
#include "nix-instances/cpp/shim.hh"
#include "nix-instances/src/ffi.rs.h"

#include <cstdio>
#ifdef NIX_INSTANCES_TEST_HOOKS
#  include <gc/gc.h>
#endif
#include <limits>
#include <new>

namespace nix_instances {

static constexpr uint32_t absent = std::numeric_limits<uint32_t>::max();

std::exception_ptr & pending_exception()
{
    static thread_local std::exception_ptr pending;
    return pending;
}

Ctx::Ctx(nix::EvalState & state, compat::PosHold pos) : state(state), pos(pos) { }

uint32_t Ctx::add(nix::Value * v)
{
    if (values.size() >= absent) throw nix::Error("nix-instances: too many values in one call");
    values.push_back(v);
#ifdef NIX_INSTANCES_TEST_HOOKS
    if (collect_every && values.size() % collect_every == 0) GC_gcollect();
#endif
    return uint32_t(values.size() - 1);
}

Kind Ctx::force_kind(uint32_t i)
{
    auto & v = *get(i);
    compat::force(state, v, pos);
    switch (v.type()) {
        case nix::nNull: return Kind::Null;
        case nix::nBool: return Kind::Bool;
        case nix::nInt: return Kind::Int;
        case nix::nFloat: return Kind::Float;
        case nix::nString: return Kind::String;
        case nix::nPath: return Kind::Path;
        case nix::nAttrs: return Kind::Attrs;
        case nix::nList: return Kind::List;
        case nix::nFunction: return Kind::Function;
        default: return Kind::External;
    }
}

static std::string_view view(rust::Slice<const uint8_t> s)
{
    return std::string_view(reinterpret_cast<const char *>(s.data()), s.size());
}

rust::Vec<Attr> Ctx::attrs(uint32_t i)
{
    auto & bindings = compat::attrs(*get(i));
    rust::Vec<Attr> out;
    out.reserve(bindings.size());
    for (auto & a : bindings) {
        symbols.push_back(a.name);
        auto name = compat::symbol_name(state, a.name);
        out.push_back(Attr { rust::Slice<const uint8_t>(reinterpret_cast<const uint8_t *>(name.data()), name.size()),
                             uint32_t(symbols.size() - 1), add(a.value) });
    }
    return out;
}

uint32_t Ctx::attr(uint32_t i, rust::Slice<const uint8_t> name)
{
    auto found = compat::attrs(*get(i)).get(state.symbols.create(view(name)));
    return found ? add(found->value) : absent;
}

rust::Vec<uint32_t> Ctx::items(uint32_t i)
{
    auto & v = *get(i);
    rust::Vec<uint32_t> out;
    out.reserve(compat::list_size(v));
    compat::for_each_item(v, [&](nix::Value * item) { out.push_back(add(item)); });
    return out;
}

rust::Slice<const uint8_t> Ctx::string(uint32_t i) const
{
    auto & v = *get(i);
    std::string_view s;
    if (v.type() == nix::nPath) {
        auto & self = const_cast<Ctx &>(*this);
        self.path_buffer = compat::path(v);
        s = self.path_buffer;
    } else {
        s = compat::string(v);
    }
    return rust::Slice<const uint8_t>(reinterpret_cast<const uint8_t *>(s.data()), s.size());
}

int64_t Ctx::integer(uint32_t i) const { return compat::integer(*get(i)); }

bool Ctx::boolean(uint32_t i) const { return compat::boolean(*get(i)); }

bool Ctx::has_context(uint32_t i) const
{
    auto & v = *get(i);
    return v.type() == nix::nString && compat::has_context(v);
}

uint32_t Ctx::symbol(rust::Slice<const uint8_t> name)
{
    symbols.push_back(state.symbols.create(view(name)));
    return uint32_t(symbols.size() - 1);
}

uint32_t Ctx::make_null()
{
    auto v = state.allocValue();
    v->mkNull();
    return add(v);
}

uint32_t Ctx::make_bool(bool b)
{
    auto v = state.allocValue();
    v->mkBool(b);
    return add(v);
}

uint32_t Ctx::make_int(int64_t n)
{
    auto v = state.allocValue();
    v->mkInt(n);
    return add(v);
}

uint32_t Ctx::make_string(rust::Slice<const uint8_t> s)
{
    auto v = state.allocValue();
    compat::make_string(state, *v, view(s));
    return add(v);
}

uint32_t Ctx::make_string_with_context(rust::Slice<const uint8_t> s, uint32_t context_of)
{
    auto & from = *get(context_of);
    auto v = state.allocValue();
    compat::make_string(state, *v, view(s));
    if (from.type() == nix::nString) compat::share_context(*v, from);
    return add(v);
}

uint32_t Ctx::make_list(rust::Slice<const uint32_t> items)
{
    auto v = state.allocValue();
    compat::make_list(state, *v, items.size(), [&](size_t k) { return get(items[k]); });
    return add(v);
}

uint32_t Ctx::make_attrs(rust::Slice<const uint32_t> syms, rust::Slice<const uint32_t> items)
{
    auto v = state.allocValue();
    auto bindings = state.buildBindings(items.size());
    for (size_t k = 0; k < items.size(); ++k)
        bindings.insert(symbols.at(syms[k]), get(items[k]));
    v->mkAttrs(bindings);
    return add(v);
}

void Ctx::warn(rust::Slice<const uint8_t> message) const
{
    compat::warn(std::string(view(message)));
}

void Ctx::check_interrupt() const
{
    compat::check_interrupt();
}

// ---- the primops ------------------------------------------------------------------------------

using Entry = Outcome (*)(Ctx &, uint32_t);

// Runs `entry` (Rust) on the argument and sets `v` to its result, or throws: the original
// exception if Nix raised one, a throw-like error for invalid input, an EvalError otherwise.
static void run(Entry entry, nix::EvalState & state, compat::PosArg pos, nix::Value * arg, nix::Value & v,
                size_t collect_every = 0)
{
    auto held = compat::hold(pos);
    Ctx ctx(state, held);
#ifdef NIX_INSTANCES_TEST_HOOKS
    ctx.collect_every = collect_every;
#else
    (void) collect_every;
#endif
    pending_exception() = nullptr;
    auto outcome = entry(ctx, ctx.add(arg));
    auto pending = std::exchange(pending_exception(), nullptr);
    auto message = std::string(reinterpret_cast<const char *>(outcome.message.data()), outcome.message.size());
    switch (outcome.status) {
        case Status::Ok:
            v = *ctx.get(outcome.value);
            return;
        case Status::Foreign:
            if (pending) std::rethrow_exception(pending);
            compat::throw_eval(state, held, "internal error in nix-instances: a Nix error was lost: " + message);
        case Status::Invalid:
            compat::throw_thrown(state, held, message);
        case Status::OutOfMemory:
            // what Nix throws when its own allocations fail: `error: out of memory`
            throw std::bad_alloc();
        default:
            compat::throw_eval(state, held, "internal error in nix-instances: " + message);
    }
}

static Outcome entry_instances(Ctx & ctx, uint32_t arg) { return expand_instances(ctx, arg); }
static Outcome entry_multi_service(Ctx & ctx, uint32_t arg) { return expand_multi_service(ctx, arg); }

static void prim_expandInstances(nix::EvalState & state, compat::PosArg pos, nix::Value ** args, nix::Value & v)
{
    run(entry_instances, state, pos, args[0], v);
}

static void prim_expandMultiService(nix::EvalState & state, compat::PosArg pos, nix::Value ** args, nix::Value & v)
{
    run(entry_multi_service, state, pos, args[0], v);
}

#ifdef NIX_INSTANCES_TEST_HOOKS
static Outcome entry_test_panic(Ctx & ctx, uint32_t arg) { return test_panic(ctx, arg); }

static void prim_testPanic(nix::EvalState & state, compat::PosArg pos, nix::Value ** args, nix::Value & v)
{
    run(entry_test_panic, state, pos, args[0], v);
}

// `nixInstancesTestAllocCap bytes`: Rust allocations larger than `bytes` fail from now on.
static void prim_testAllocCap(nix::EvalState & state, compat::PosArg pos, nix::Value ** args, nix::Value & v)
{
    compat::force(state, *args[0], compat::hold(pos));
    test_alloc_cap(uint64_t(compat::integer(*args[0])));
    v.mkBool(true);
}

// `nixInstancesTestGcStress "instances" arg`: the expansion with a full collection every 64 values.
static void prim_testGcStress(nix::EvalState & state, compat::PosArg pos, nix::Value ** args, nix::Value & v)
{
    compat::force(state, *args[0], compat::hold(pos));
    auto which = compat::string(*args[0]);
    run(which == "instances" ? entry_instances : entry_multi_service, state, pos, args[1], v, 64);
}
#endif

static void prim_version(nix::EvalState & state, compat::PosArg, nix::Value **, nix::Value & v)
{
    auto version = crate_version();
    compat::make_string(state, v, std::string_view(version.data(), version.size()));
}

// "2.8.0" and "2.8.1pre" share "2.8": the C++ ABI we were compiled against.
static std::string major_minor(const std::string & version)
{
    auto first = version.find('.');
    auto second = first == std::string::npos ? first : version.find('.', first + 1);
    return version.substr(0, second);
}

// Registration runs when Nix loads the plugin. Referenced from Rust (see src/lib.rs) so the
// linker keeps this object, static constructor included.
static bool register_primops()
{
    auto built = std::to_string(NIX_INSTANCES_NIX_MAJOR) + "." + std::to_string(NIX_INSTANCES_NIX_MINOR);
    auto running = major_minor(compat::running_version());
    if (running != built) {
        fprintf(stderr,
            "error: nix-instances: this plugin was built for Nix %s but is loaded by Nix %s; "
            "its primops are not registered. Rebuild it against the Nix that loads it "
            "(the flake's packages and NixOS module do so).\n",
            built.c_str(), compat::running_version().c_str());
        return false;
    }
    // Another copy of the plugin (another file, another version) may have registered first:
    // two registrations would give `builtins` each name twice. The first copy keeps them.
    if (compat::primop_registered("__nixInstancesVersion")) {
        compat::warn("nix-instances: another copy of the plugin is loaded already (plugin-files names two); "
                     "this one (version " + std::string(crate_version().data(), crate_version().size()) +
                     ") steps aside and registers nothing");
        return false;
    }
    compat::register_primop("__nixInstancesVersion", {}, 0,
        "The version of the nix-instances plugin, e.g. `\"0.1.0\"`. "
        "Test `builtins ? nixInstancesVersion` to see whether the plugin is loaded.",
        prim_version);
    compat::register_primop("__expandInstances", {"inventory"}, 1,
        "Expand a clan-style inventory (`machines`, `tags`, `instances`, `modules`): role members "
        "from machines and tags, per-machine settings imports, instances grouped by module, each "
        "machine's instances and roles. Settings stay unevaluated. See nix-instances' docs/contract.md.",
        prim_expandInstances);
    compat::register_primop("__expandMultiService", {"args"}, 1,
        "Expand the instances of a services-flake style multi-instance service "
        "(`{ service ? null; module ? null; instances; }`): names, defaults, the enabled "
        "instances' settings and which instance defines each process. See docs/contract.md.",
        prim_expandMultiService);
#ifdef NIX_INSTANCES_TEST_HOOKS
    compat::register_primop("__nixInstancesTestPanic", {"x"}, 1, "Test hook: a panic in Rust.", prim_testPanic);
    compat::register_primop("__nixInstancesTestAllocCap", {"bytes"}, 1,
        "Test hook: Rust allocations larger than `bytes` fail.", prim_testAllocCap);
    compat::register_primop("__nixInstancesTestGcStress", {"which", "arg"}, 2,
        "Test hook: an expansion with forced garbage collections.", prim_testGcStress);
#endif
    return true;
}

static const bool registered = register_primops();

} // namespace nix_instances

extern "C" bool nix_instances_registered()
{
    return nix_instances::registered;
}
