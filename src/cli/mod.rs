//! The command line: arguments → library calls → exit code. Exit 0 clean, 1 findings
//! (policy errors, failed records), 2 usage or I/O.

mod check;
mod eval;
mod map;
mod output;
mod progress;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use codespan_reporting::term::termcolor::ColorChoice;

use crate::compile::{compile_file, Compilation};
use crate::diagnostics;

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
    },
    /// Decide which measures apply to each record at the given alert level(s).
    Eval(eval::EvalArgs),
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
enum Deny {
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

pub(crate) fn compile(path: &Path) -> Result<Compilation, miette::Report> {
    compile_file(path, &display_name(path)).map_err(|e| {
        miette::miette!(
            help = "check the path; policy files are UTF-8 text files",
            "cannot read policy file `{}`: {e}",
            path.display()
        )
    })
}

pub fn run() -> ExitCode {
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
        } => check::run(&files, format, deny.is_some()),
        Command::Eval(args) => eval::run(&args),
        Command::Map(args) => map::run(&args),
        Command::Compile { policy, output } => compile_to(&policy, &output),
        Command::Explain { code } => explain(&code),
    }
}

fn compile_to(policy: &Path, output: &Path) -> ExitCode {
    let c = match compile(policy) {
        Ok(c) => c,
        Err(r) => return fail(r),
    };
    if !c.diagnostics.is_empty() {
        let mut err = codespan_reporting::term::termcolor::StandardStream::stderr(color_choice(
            std::io::stderr().is_terminal(),
        ));
        let _ = crate::report::render_human(&mut err, &c.sources, &c.diagnostics);
    }
    let Some(rules) = c.rules else {
        eprintln!("policyc: the policy has errors; nothing was written");
        return ExitCode::from(FINDINGS);
    };
    // The rule set never replaces the policy or one of its imports.
    let lang = crate::messages::Lang::default_for(rules.chinese);
    let sources: Vec<PathBuf> = c.sources.files().iter().map(|f| f.path.clone()).collect();
    let inputs = std::iter::once(policy).chain(sources.iter().map(PathBuf::as_path));
    if let Err(code) = eval::refuse_input_as_output(lang, output, inputs) {
        return code;
    }
    match output::write_whole(output, crate::ir::compiled::to_json(&rules).as_bytes()) {
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
