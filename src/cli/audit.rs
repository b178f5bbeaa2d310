//! `policyc audit`: the plan's record rules (`规则`) checked on every record of the data.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::eval::{
    load_report, load_rules, refuse_input_as_output, workbook_info, DataArgs, InputHashes,
};
use super::{fail, Deny, FINDINGS, OK, USAGE};
use policyc::audit::{self, Auditor, FindingsFormat};
use policyc::data;
use policyc::eval::census::CensusRun;
use policyc::eval::run::RunError;
use policyc::eval::Evaluator;
use policyc::ir::LevelId;
use policyc::msg;
use policyc::report::findings::{FindingsJson, FindingsText, FindingsXlsx};
use policyc::report::terminal::clean_lines;
use policyc::report::xlsx::XlsxSink;

#[derive(Args)]
pub(crate) struct AuditArgs {
    /// The policy file (or a compiled rule set).
    policy: PathBuf,
    #[command(flatten)]
    root: super::ImportRootArg,
    #[command(flatten)]
    input: DataArgs,
    /// The output format (`xlsx`: a workbook with a 发现 sheet, one row per finding; needs
    /// `-o`). Default: human, or xlsx for an output named `*.xlsx`.
    #[arg(long, value_enum)]
    format: Option<AuditFormat>,
    /// Write the findings to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// `--deny warnings` makes findings of warning rules fail the run too.
    #[arg(long, value_name = "warnings")]
    deny: Option<Deny>,
    /// Also decide every record at every level and report what in the plan never fired
    /// (measures, table cells, exceptions, exemptions) and the records no measure concerns.
    #[arg(long)]
    census: bool,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum AuditFormat {
    Human,
    Json,
    Xlsx,
}

impl AuditArgs {
    fn format(&self) -> AuditFormat {
        match (self.format, &self.output) {
            (Some(f), _) => f,
            (None, Some(path))
                if path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) =>
            {
                AuditFormat::Xlsx
            }
            (None, _) => AuditFormat::Human,
        }
    }
}

pub(crate) fn run(args: &AuditArgs) -> ExitCode {
    let rules = match load_rules(&args.policy, args.input.lang_arg(), &args.root) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let lang = args.input.lang(&rules);
    let kind = args.format();
    if kind == AuditFormat::Xlsx && args.output.is_none() {
        return fail(miette::miette!(
            help = msg!(lang, XLSX_NEEDS_FILE_HELP),
            "{}",
            msg!(lang, XLSX_NEEDS_FILE)
        ));
    }
    let specs = args.input.specs();
    if let Some(out) = &args.output {
        if let Err(code) = refuse_input_as_output(lang, out, &args.policy, &args.input) {
            return code;
        }
    }
    if rules.record_rules.is_empty() && rules.list_rules.is_empty() {
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
    let xlsx = FindingsXlsx::new(auditor, &files, lang);
    let format: &dyn FindingsFormat = match kind {
        AuditFormat::Human => &text,
        AuditFormat::Json => &json,
        AuditFormat::Xlsx => &xlsx,
    };
    let mut workbook = match (&args.output, kind) {
        (Some(path), AuditFormat::Xlsx) => match XlsxSink::for_findings(path, &rules, lang) {
            Ok(w) => Some(w),
            Err(e) => {
                return fail(miette::miette!(
                    "{}",
                    msg!(lang, CANNOT_WRITE, path.display(), e)
                ))
            }
        },
        _ => None,
    };
    let mut file = match (&args.output, kind) {
        (Some(_), AuditFormat::Xlsx) => None,
        (Some(path), _) => match super::output::OutputFile::create(path) {
            Ok(f) => Some(f),
            Err(e) => {
                return fail(miette::miette!(
                    "{}",
                    msg!(lang, CANNOT_WRITE, path.display(), e)
                ))
            }
        },
        (None, _) => None,
    };
    let mut stdout = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout());
    let out: &mut dyn Write = match (workbook.as_mut(), file.as_mut()) {
        (Some(w), _) => w,
        (None, Some(f)) => f,
        (None, None) => &mut stdout,
    };
    let hashes = (kind == AuditFormat::Xlsx).then(|| InputHashes::start(&specs));
    let levels: Vec<LevelId> = rules.level_ids().collect();
    let census = args
        .census
        .then(|| CensusRun::new(Evaluator::new(&rules), &levels, &files));
    let mut result = audit::run(auditor, source.as_mut(), format, census.as_ref(), out);
    if let (Ok((counts, tally, _)), Some(w)) = (&result, workbook) {
        let mut info = workbook_info(&rules, lang, &files, hashes, &options);
        info.findings = Some((tally.errors, tally.warnings));
        if let Err(e) = w.finish(&info, counts) {
            result = Err(RunError::Io(std::io::Error::other(e.to_string())));
        }
    }
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
            if let (Some(path), true) = (&args.output, tally.errors + tally.warnings > 0) {
                let place = path.display().to_string();
                eprintln!("{}", clean_lines(&msg!(lang, AUDIT_FINDINGS_IN, place)));
            }
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
