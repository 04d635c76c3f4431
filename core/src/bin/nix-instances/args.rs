//! The command line: subcommands, their arguments and options (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit status:
  0  success (check: the inventory is valid; warnings do not count)
  1  the inventory (or services file) is invalid, or nix failed to evaluate it (its message)
  2  usage error, unreadable file, malformed JSON, or no inventory where --flake/--file point";

/// Clan-style inventories (inventory.json) and services-flake multiService files: check,
/// expand, explain and draw them with the same core as the nix-instances Nix plugin.
#[derive(Debug, Parser)]
#[command(name = "nix-instances", version, after_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate an inventory and report every problem, each pointing into the file.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// Print the expansion (builtins.expandInstances) as JSON: all of it, one machine's part, or
    /// one instance's.
    #[command(after_help = EXIT_CODES)]
    Expand(ExpandArgs),
    /// Why a machine is in each role it is in, the order its settings apply, and roles it
    /// nearly joined.
    #[command(
        after_help = EXIT_CODES,
        override_usage = "nix-instances explain [OPTIONS] <INVENTORY.json> <MACHINE>\n       nix-instances explain [OPTIONS] --flake <FLAKEREF[#ATTR]> <MACHINE>\n       nix-instances explain [OPTIONS] --file <FILE.nix> [--attr <ATTRPATH>] <MACHINE>"
    )]
    Explain(ExplainArgs),
    /// Draw machines, instances and roles: DOT, or SVG.
    #[command(after_help = EXIT_CODES)]
    Graph(GraphArgs),
    /// Print the multiService expansion (builtins.expandMultiService) of a services file as JSON.
    #[command(name = "multi-service", after_help = EXIT_CODES)]
    MultiService(MultiServiceArgs),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// The input: a JSON file, or an inventory in Nix (nix_source.rs).
#[derive(Debug, Args)]
pub struct Input {
    /// The inventory as JSON (`-` reads standard input).
    #[arg(
        value_name = "INVENTORY.json",
        value_hint = clap::ValueHint::FilePath,
        required_unless_present_any = ["flake", "nix_file"],
        conflicts_with_all = ["flake", "nix_file"]
    )]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub nix: NixArgs,
}

/// An inventory kept in Nix.
#[derive(Debug, Args)]
pub struct NixArgs {
    /// Read the inventory from a flake, evaluated by `nix`: ATTR, or else
    /// `nixInstances.inventory` (the nix-instances flake-parts module) or
    /// `clanInternals.inventoryClass.inventory` (a clan-core flake).
    #[arg(long, value_name = "FLAKEREF[#ATTR]", value_hint = clap::ValueHint::DirPath, conflicts_with = "nix_file")]
    pub flake: Option<String>,
    /// Read the inventory from a .nix file, evaluated by `nix`: its value (or the attribute
    /// --attr), or else what --flake looks for in it.
    #[arg(long = "file", id = "nix_file", value_name = "FILE.nix", value_hint = clap::ValueHint::FilePath)]
    pub nix_file: Option<PathBuf>,
    /// With --file: the attribute path of the inventory in the file's value (`a.b."c.d"`).
    #[arg(long, value_name = "ATTRPATH", requires = "nix_file")]
    pub attr: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: Input,
    /// Print the diagnostics as JSON (for tools) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Colour the text output: auto (on a terminal), always, never.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Debug, Args)]
pub struct ExpandArgs {
    #[command(flatten)]
    pub input: Input,
    /// Only what this machine gets: its tags, instances, roles and settings imports in order.
    #[arg(long, value_name = "MACHINE", conflicts_with = "instance")]
    pub machine: Option<String>,
    /// Only this instance: its roles and their members.
    #[arg(long, value_name = "INSTANCE")]
    pub instance: Option<String>,
    /// Accepted for symmetry: the output is always JSON.
    #[arg(long)]
    pub json: bool,
    /// Print JSON on one line.
    #[arg(long)]
    pub compact: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The inventory as JSON (`-` reads standard input) and the machine to explain; only the
    /// machine with --flake or --file.
    #[arg(value_names = ["INVENTORY.json", "MACHINE"], num_args = 1..=2, required = true)]
    pub args: Vec<String>,
    #[command(flatten)]
    pub nix: NixArgs,
    /// Print the explanation as JSON (for tools) instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Graphviz DOT text.
    Dot,
    /// An SVG picture.
    Svg,
    /// Nodes and edges as JSON.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Layout {
    /// Graphviz `dot` when it is on PATH, else the built-in layout.
    Auto,
    /// The built-in layout (layout-rs): no external program.
    Builtin,
    /// Graphviz `dot` (must be on PATH); `--layout dot` is the same.
    #[value(alias = "dot")]
    Graphviz,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub input: Input,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Dot)]
    pub format: Format,
    /// SVG layout engine.
    #[arg(long, value_enum, default_value_t = Layout::Auto)]
    pub layout: Layout,
    /// Only these machines and the roles and instances they are in (repeatable).
    #[arg(long, value_name = "MACHINE")]
    pub machine: Vec<String>,
    /// Only these instances, their roles and members (repeatable).
    #[arg(long, value_name = "INSTANCE")]
    pub instance: Vec<String>,
    /// Only machines carrying one of these tags, and memberships through them (repeatable).
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
    /// Same as `--format json`.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct MultiServiceArgs {
    /// The services file as JSON (`-` reads standard input).
    #[arg(
        value_name = "SERVICES.json",
        value_hint = clap::ValueHint::FilePath,
        required_unless_present_any = ["flake", "nix_file"],
        conflicts_with_all = ["flake", "nix_file"]
    )]
    pub file: Option<PathBuf>,
    /// The services file (`{ service; module; instances; }`) in Nix: --file FILE.nix [--attr
    /// PATH], or --flake REF#ATTR.
    #[command(flatten)]
    pub nix: NixArgs,
    /// Accepted for symmetry: the output is always JSON.
    #[arg(long)]
    pub json: bool,
}

impl ExplainArgs {
    /// The input and the machine, from the positional arguments: `INVENTORY.json MACHINE`,
    /// or `MACHINE` with --flake or --file.
    pub fn input_and_machine(&self) -> Result<(Option<PathBuf>, &str), String> {
        let nix = self.nix.flake.is_some() || self.nix.nix_file.is_some();
        match (nix, self.args.as_slice()) {
            (true, [m]) => Ok((None, m)),
            (false, [f, m]) => Ok((Some(PathBuf::from(f)), m)),
            (true, _) => Err("with --flake or --file, give only the machine: explain --flake REF MACHINE".into()),
            (false, _) => Err("give the inventory and the machine: explain INVENTORY.json MACHINE".into()),
        }
    }
}
