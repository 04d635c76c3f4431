"""A private Nix configuration, state and store for the scripts, like tests/common/mod.rs:
the machine's own Nix set-up plays no part in what they measure or compare."""

import os
import tempfile

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "private-nix.conf")) as _f:
    NIX_CONF = _f.read()


def private_nix_env(prefix, extra_dirs=()):
    """Makes a fresh directory and returns it with the environment pointing Nix into it."""
    root = tempfile.mkdtemp(prefix=prefix)
    for d in ["conf", "home", "state", "log", "cache", "config", *extra_dirs]:
        os.makedirs(os.path.join(root, d))
    with open(os.path.join(root, "conf/nix.conf"), "w") as f:
        f.write(NIX_CONF)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "NIX_CONF_DIR": os.path.join(root, "conf"),
        "NIX_USER_CONF_FILES": os.path.join(root, "conf/nix.conf"),
        "NIX_STATE_DIR": os.path.join(root, "state"),
        "NIX_LOG_DIR": os.path.join(root, "log"),
        "NIX_STORE_DIR": "/nix/store",
        "HOME": os.path.join(root, "home"),
        "XDG_CACHE_HOME": os.path.join(root, "cache"),
        "XDG_CONFIG_HOME": os.path.join(root, "config"),
        "NIX_REMOTE": f"local?root={os.path.join(root, 'root')}",
        "TMPDIR": tempfile.gettempdir(),
    }
    return root, env


def release_plugin(root, given=None, log=print):
    """The plugin to load: `given`, or a release build made here (cargo build --release)."""
    import subprocess
    import sys

    plugin = given
    if not plugin:
        log("== cargo build --release -p nix-instances")
        subprocess.run(["cargo", "build", "--release", "-p", "nix-instances"], cwd=root, check=True)
        plugin = os.path.join(root, "target/release/libnix_instances.so")
    plugin = os.path.abspath(plugin)
    if not os.path.exists(plugin):
        sys.exit(f"no plugin at {plugin}")
    return plugin
