//! `policyc audit`: the plan's record rules (`规则`) checked on every record of the data.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::eval::{load_report, load_rules, refuse_input_as_output, DataArgs};
use super::{fail, Deny, FINDINGS, OK, USAGE};
use policyc::audit::{self, Auditor, FindingsFormat};
use policyc::data;
use policyc::eval::run::RunError;
use policyc::msg;
use policyc::report::findings::{FindingsJson, FindingsText};
use policyc::report::terminal::clean_lines;

#[derive(Args)]
pub(crate) struct AuditArgs {
    /// The policy file (or a compiled rule set).
    policy: PathBuf,
    #[command(flatten)]
    root: super::ImportRootArg,
    #[command(flatten)]
    input: DataArgs,
    /// The output format.
    #[arg(long, value_enum, default_value_t = AuditFormat::Human)]
    format: AuditFormat,
    /// Write the findings to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// `--deny warnings` makes findings of warning rules fail the run too.
    #[arg(long, value_name = "warnings")]
    deny: Option<Deny>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum AuditFormat {
    Human,
    Json,
}

pub(crate) fn run(args: &AuditArgs) -> ExitCode {
    let rules = match load_rules(&args.policy, args.input.lang_arg(), &args.root) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let lang = args.input.lang(&rules);
    let specs = args.input.specs();
    if let Some(out) = &args.output {
        let inputs = specs
            .iter()
            .map(|s| s.path.as_str())
            .filter(|p| *p != "-")
            .map(std::path::Path::new)
            .chain([args.policy.as_path()]);
        if let Err(code) = refuse_input_as_output(lang, out, inputs) {
            return code;
        }
    }
    if rules.record_rules.is_empty() {
        eprintln!("{}", msg!(lang, NOTE, msg!(lang, AUDIT_NO_RULES)));
    }
    let options = match args.input.options(&rules, lang) {
        Ok(o) => o,
        Err(r) => return fail(r),
    };
    let mut files = Vec::new();
    let source = match data::open_inputs(&rules, &specs, &options, &mut files) {
        Ok(s) => s,
        Err(e) => return fail(load_report(e)),
    };
    let mut source = super::progress::Progress::wrap(source, lang);
    let auditor = Auditor::new(&rules);
    let text = FindingsText::new(auditor, &files, lang);
    let json = FindingsJson::new(auditor, &files);
    let format: &dyn FindingsFormat = match args.format {
        AuditFormat::Human => &text,
        AuditFormat::Json => &json,
    };
    let mut file = match &args.output {
        Some(path) => match super::output::OutputFile::create(path) {
            Ok(f) => Some(f),
            Err(e) => {
                return fail(miette::miette!(
                    "{}",
                    msg!(lang, CANNOT_WRITE, path.display(), e)
                ))
            }
        },
        None => None,
    };
    let mut stdout = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout());
    let out: &mut dyn Write = match file.as_mut() {
        Some(f) => f,
        None => &mut stdout,
    };
    let mut result = audit::run(auditor, source.as_mut(), format, out);
    if let (Ok(_), Some(f)) = (&result, file) {
        if let Err(e) = f.commit() {
            result = Err(RunError::Io(e));
        }
    }
    source.finish();
    match result {
        Ok((counts, tally, warnings)) => {
            if args.output.is_some() {
                for w in &warnings {
                    eprintln!("{}", clean_lines(w));
                }
            }
            eprintln!(
                "{}",
                msg!(
                    lang,
                    AUDIT_SUMMARY,
                    counts.records,
                    counts.evaluated,
                    counts.failed,
                    counts.skipped,
                    tally.errors,
                    tally.warnings
                )
            );
            let _ = std::io::stderr().flush();
            let denied = args.deny.is_some() && tally.warnings > 0;
            ExitCode::from(if counts.failed > 0 || tally.errors > 0 || denied {
                FINDINGS
            } else {
                OK
            })
        }
        Err(RunError::Load(e)) => fail(load_report(e)),
        Err(RunError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(USAGE),
        Err(RunError::Io(e)) => fail(miette::miette!("{}", msg!(lang, CANNOT_WRITE_OUTPUT, e))),
    }
}
