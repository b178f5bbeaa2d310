//! The command line: arguments → library calls → exit code. Exit 0 clean, 1 findings
//! (policy errors, failed records), 2 usage or I/O.

mod audit;
mod check;
mod eval;
mod map;
mod output;
mod progress;
mod publish;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use codespan_reporting::term::termcolor::ColorChoice;

use policyc::compile::ImportRoot;
use policyc::compile::{compile_file_in, Compilation};
use policyc::diagnostics;
use policyc::messages::Lang;
use policyc::msg;
use policyc::source::{refusal, FileKind, Refusal};

#[derive(Parser)]
#[command(
    name = "policyc",
    version,
    about = "Compile and evaluate heavy-air-pollution emergency plans"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse, resolve and type-check policy files and report their diagnostics.
    Check {
        /// Policy files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
        format: CheckFormat,
        /// `--deny warnings` makes warnings fail the run.
        #[arg(long, value_name = "warnings")]
        deny: Option<Deny>,
        #[command(flatten)]
        root: ImportRootArg,
    },
    /// Decide which measures apply to each record at the given alert level(s).
    Eval(eval::EvalArgs),
    /// Check every record of the data against the plan's record rules (`规则`).
    Audit(audit::AuditArgs),
    /// Write the public lists the plan's disclosures (`公开`) allow: withheld records and
    /// fields that are not public never reach the file.
    Publish(publish::PublishArgs),
    /// Write the column mapping `eval` would use for the data files, for review; `eval
    /// --map` takes it back.
    Map(map::MapArgs),
    /// Compile a policy into a rule set file that `eval` accepts in place of the source.
    Compile {
        /// The policy file.
        policy: PathBuf,
        /// Where to write the rule set (JSON).
        #[arg(long, short)]
        output: PathBuf,
        #[command(flatten)]
        root: ImportRootArg,
    },
    /// Print the long explanation of a diagnostic code.
    Explain {
        /// A code such as E0101.
        code: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum CheckFormat {
    Human,
    Json,
    Sarif,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Deny {
    Warnings,
}

pub(crate) const OK: u8 = 0;
pub(crate) const FINDINGS: u8 = 1;
pub(crate) const USAGE: u8 = 2;

pub(crate) fn color_choice(stream_is_terminal: bool) -> ColorChoice {
    if stream_is_terminal && std::env::var_os("NO_COLOR").is_none() {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    }
}

/// Writes `text` to standard output. A reader that closed the pipe early (`| head`) ends the
/// command quietly with exit 2, as `eval` does; no panic.
pub(crate) fn print_out(text: &str) -> ExitCode {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::from(OK),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(USAGE),
        Err(e) => fail(miette::miette!("{e}")),
    }
}

/// An operational error (a file that cannot be read, a bad data file): printed with miette.
pub(crate) fn fail(report: miette::Report) -> ExitCode {
    eprintln!("{report:?}");
    ExitCode::from(USAGE)
}

fn display_name(path: &Path) -> String {
    path.display().to_string()
}

/// `--import-root DIR`, on every command that compiles a policy.
#[derive(clap::Args, Clone, Default)]
pub(crate) struct ImportRootArg {
    /// The directory every import must stay inside (default: the nearest directory above the
    /// policy that holds `policyc.toml`, else the policy's own directory).
    #[arg(long, value_name = "DIR")]
    import_root: Option<PathBuf>,
}

impl ImportRootArg {
    /// The root `--import-root` names (canonicalised), or `None` for each policy's default.
    pub(crate) fn resolve(&self, lang: Lang) -> Result<Option<ImportRoot>, miette::Report> {
        let Some(dir) = &self.import_root else {
            return Ok(None);
        };
        ImportRoot::new(dir).map(Some).map_err(|e| {
            miette::miette!(
                help = msg!(lang, IMPORT_ROOT_HELP),
                "{}",
                msg!(lang, IMPORT_ROOT_INVALID, dir.display(), e)
            )
        })
    }
}

/// What a file read whole was meant to be, for the messages of [`read_error`].
#[derive(Clone, Copy)]
pub(crate) enum WholeFile {
    Policy,
    Rules,
}

/// The message for a policy or rule set file that could not be read or was refused (not a
/// regular file, over its size limit): an operational error, exit 2.
pub(crate) fn read_error(
    path: &Path,
    e: &std::io::Error,
    lang: Lang,
    what: WholeFile,
) -> miette::Report {
    match refusal(e) {
        Some(Refusal::NotRegular(kind)) => {
            let kind = match kind {
                FileKind::Directory => msg!(lang, FILE_KIND_DIRECTORY),
                FileKind::Fifo => msg!(lang, FILE_KIND_FIFO),
                FileKind::Device => msg!(lang, FILE_KIND_DEVICE),
                FileKind::Socket => msg!(lang, FILE_KIND_SOCKET),
                FileKind::Other => msg!(lang, FILE_KIND_OTHER),
            };
            miette::miette!(
                help = msg!(lang, NOT_REGULAR_FILE_HELP),
                "{}",
                msg!(lang, NOT_REGULAR_FILE, path.display(), kind)
            )
        }
        Some(Refusal::TooLarge { limit }) => {
            let noun = match what {
                WholeFile::Policy => msg!(lang, LIMIT_POLICY_TEXT),
                WholeFile::Rules => msg!(lang, LIMIT_RULES_FILE),
            };
            miette::miette!(
                help = msg!(lang, FILE_TOO_LARGE_HELP),
                "{}",
                msg!(lang, FILE_TOO_LARGE, path.display(), limit, noun)
            )
        }
        None => match what {
            WholeFile::Policy => miette::miette!(
                help = msg!(lang, CANNOT_READ_POLICY_HELP),
                "{}",
                msg!(lang, CANNOT_READ_POLICY, path.display(), e)
            ),
            WholeFile::Rules => miette::miette!(
                help = msg!(lang, CHECK_THE_PATH),
                "{}",
                msg!(lang, CANNOT_READ_RULES, path.display(), e)
            ),
        },
    }
}

/// Compiles one policy file, its imports confined to `root` (else to its default root).
pub(crate) fn compile(
    path: &Path,
    root: Option<&ImportRoot>,
    lang: Lang,
) -> Result<Compilation, miette::Report> {
    compile_file_in(path, &display_name(path), root)
        .map_err(|e| read_error(path, &e, lang, WholeFile::Policy))
}

pub(crate) fn run() -> ExitCode {
    // Long messages are not wrapped: wrapping breaks Chinese text in the middle of words.
    let _ = miette::set_hook(Box::new(|_| {
        Box::new(miette::MietteHandlerOpts::new().wrap_lines(false).build())
    }));
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { USAGE } else { OK });
        }
    };
    match cli.command {
        Command::Check {
            files,
            format,
            deny,
            root,
        } => check::run(&files, format, deny.is_some(), &root),
        Command::Eval(args) => eval::run(&args),
        Command::Audit(args) => audit::run(&args),
        Command::Publish(args) => publish::run(&args),
        Command::Map(args) => map::run(&args),
        Command::Compile {
            policy,
            output,
            root,
        } => compile_to(&policy, &output, &root),
        Command::Explain { code } => explain(&code),
    }
}

fn compile_to(policy: &Path, output: &Path, root: &ImportRootArg) -> ExitCode {
    let lang = Lang::default_for(false);
    let c = match root
        .resolve(lang)
        .and_then(|root| compile(policy, root.as_ref(), lang))
    {
        Ok(c) => c,
        Err(r) => return fail(r),
    };
    if !c.diagnostics.is_empty() {
        let mut err = codespan_reporting::term::termcolor::StandardStream::stderr(color_choice(
            std::io::stderr().is_terminal(),
        ));
        let _ = policyc::report::render_human(&mut err, &c.sources, &c.diagnostics);
    }
    let Some(rules) = c.rules else {
        eprintln!("policyc: the policy has errors; nothing was written");
        return ExitCode::from(FINDINGS);
    };
    // What `compile` writes is what `eval` will accept: validated like a loaded rule set.
    let lang = policyc::messages::Lang::default_for(rules.chinese);
    let rules = match rules.validate() {
        Ok(r) => r,
        Err(why) => {
            return eval::compiled_invalid(policy, lang, &why);
        }
    };
    // The rule set never replaces the policy or one of its imports.
    let sources: Vec<PathBuf> = c.sources.files().iter().map(|f| f.path.clone()).collect();
    let inputs = std::iter::once(policy).chain(sources.iter().map(PathBuf::as_path));
    if let Err(code) = eval::refuse_paths_as_output(lang, output, inputs) {
        return code;
    }
    match output::write_whole(output, policyc::ir::compiled::to_json(&rules).as_bytes()) {
        Ok(()) => ExitCode::from(OK),
        Err(e) => fail(miette::miette!("cannot write `{}`: {e}", output.display())),
    }
}

fn explain(code: &str) -> ExitCode {
    match diagnostics::explain(code) {
        Some(info) => print_out(&format!(
            "{}: {}\n\n{}\n",
            info.code, info.summary, info.explanation
        )),
        None => fail(miette::miette!(
            help = "codes look like E0101 or W0301; docs/diagnostics.md lists them all",
            "unknown diagnostic code `{code}`"
        )),
    }
}
