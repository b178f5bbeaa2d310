//! The command line: arguments → library calls → exit code. Exit 0 clean, 1 findings
//! (policy errors, failed records), 2 usage or I/O.

mod check;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};

use crate::compile::{compile_file, Compilation};
use crate::data::{self, Dataset};
use crate::diagnostics;
use crate::eval::{run::evaluate_records, Evaluator};
use crate::ir::RuleSet;
use crate::report;

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
    Eval {
        /// The policy file.
        policy: PathBuf,
        /// Data files (JSON: an object with one array per entity).
        #[arg(long, required = true, num_args = 1..)]
        data: Vec<PathBuf>,
        /// A level's name, its alias, or `all`.
        #[arg(long)]
        level: String,
        #[arg(long, value_enum, default_value_t = EvalFormat::Json)]
        format: EvalFormat,
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
}

#[derive(Clone, Copy, ValueEnum)]
enum Deny {
    Warnings,
}

#[derive(Clone, Copy, ValueEnum)]
enum EvalFormat {
    Json,
    Table,
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
        Command::Eval {
            policy,
            data,
            level,
            format,
        } => eval(&policy, &data, &level, format),
        Command::Explain { code } => explain(&code),
    }
}

fn levels_for(rules: &RuleSet, level: &str) -> Result<Vec<usize>, miette::Report> {
    if level.eq_ignore_ascii_case("all") || level == "全部" {
        return Ok((0..rules.levels.len()).collect());
    }
    rules.level_index(level).map(|l| vec![l]).ok_or_else(|| {
        let names: Vec<String> = rules
            .levels
            .iter()
            .map(|l| match &l.alias {
                Some(a) => format!("{} ({a})", l.name),
                None => l.name.clone(),
            })
            .collect();
        miette::miette!(
            help = format!("levels: {}, or `all`", names.join(", ")),
            "unknown level `{level}`"
        )
    })
}

fn eval(policy: &Path, data_files: &[PathBuf], level: &str, format: EvalFormat) -> ExitCode {
    let c = match compile(policy) {
        Ok(c) => c,
        Err(r) => return fail(r),
    };
    if !c.diagnostics.is_empty() {
        let mut err = StandardStream::stderr(color_choice(std::io::stderr().is_terminal()));
        let _ = report::render_human(&mut err, &c.sources, &c.diagnostics);
    }
    let Some(rules) = c.rules else {
        eprintln!("policyc: the policy has errors; nothing was evaluated");
        return ExitCode::from(FINDINGS);
    };
    let levels = match levels_for(&rules, level) {
        Ok(l) => l,
        Err(r) => return fail(r),
    };
    let mut ds = Dataset::default();
    for f in data_files {
        let name = display_name(f);
        let text = match std::fs::read_to_string(f) {
            Ok(t) => t,
            Err(e) => {
                return fail(miette::miette!(
                    help = "check the path of the data file",
                    "cannot read data file `{name}`: {e}"
                ))
            }
        };
        if let Err(msg) = data::json::load(&rules, &name, &text, &mut ds) {
            return fail(miette::miette!(
                help = "see docs/cli.md for the data formats",
                "{msg}"
            ));
        }
    }
    for w in &ds.warnings {
        eprintln!("warning: {w}");
    }
    let ev = Evaluator::new(&rules);
    let outcomes = evaluate_records(&ev, &ds.records, &levels);
    let text = match format {
        EvalFormat::Json => {
            let doc = report::decisions::report_json(&rules, &ds, &outcomes);
            serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
        }
        EvalFormat::Table => report::decisions::report_table(&rules, &ds, &outcomes),
    };
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
        .is_err()
    {
        return ExitCode::from(USAGE);
    }
    let s = report::decisions::summary(&ds, &outcomes);
    ExitCode::from(if s.failed > 0 { FINDINGS } else { OK })
}

fn explain(code: &str) -> ExitCode {
    match diagnostics::explain(code) {
        Some(info) => {
            println!("{}: {}\n\n{}", info.code, info.summary, info.explanation);
            ExitCode::from(OK)
        }
        None => fail(miette::miette!(
            help = "codes look like E0101 or W0301; docs/diagnostics.md lists them all",
            "unknown diagnostic code `{code}`"
        )),
    }
}
