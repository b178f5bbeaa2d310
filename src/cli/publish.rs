//! `policyc publish`: the public lists under the plan's disclosures (`公开`).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::eval::{load_report, load_rules, refuse_input_as_output, DataArgs};
use super::{fail, FINDINGS, OK, USAGE};
use policyc::audit::{Auditor, FindingsFormat};
use policyc::data;
use policyc::eval::run::RunError;
use policyc::msg;
use policyc::publish::{self, PublicFormat, Publisher};
use policyc::report::findings::FindingsText;
use policyc::report::public::{PublicCsv, PublicJson, PublicXlsx};
use policyc::report::terminal::clean_lines;
use policyc::report::xlsx::{WorkbookInfo, XlsxSink};

#[derive(Args)]
pub(crate) struct PublishArgs {
    /// The policy file (or a compiled rule set).
    policy: PathBuf,
    #[command(flatten)]
    root: super::ImportRootArg,
    #[command(flatten)]
    input: DataArgs,
    /// The output format. Default: from the extension of `-o` (`.xlsx`, `.csv`, `.json`).
    #[arg(long, value_enum)]
    format: Option<PublishFormat>,
    /// The public file to write.
    #[arg(long, short, required = true)]
    output: PathBuf,
    /// The list (disclosure name) a CSV holds, when the plan declares more than one.
    #[arg(long)]
    list: Option<String>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum PublishFormat {
    Xlsx,
    Csv,
    Json,
}

impl PublishArgs {
    fn format(&self) -> Option<PublishFormat> {
        let ext = self
            .output
            .extension()?
            .to_string_lossy()
            .to_ascii_lowercase();
        self.format.or(match ext.as_str() {
            "xlsx" => Some(PublishFormat::Xlsx),
            "csv" => Some(PublishFormat::Csv),
            "json" => Some(PublishFormat::Json),
            _ => None,
        })
    }
}

pub(crate) fn run(args: &PublishArgs) -> ExitCode {
    let rules = match load_rules(&args.policy, args.input.lang_arg(), &args.root) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let lang = args.input.lang(&rules);
    let usage = |what: String, help: String| fail(miette::miette!(help = help, "{what}"));
    if rules.disclosures.is_empty() {
        return usage(
            msg!(lang, PUBLISH_NO_DISCLOSURE),
            msg!(lang, PUBLISH_NO_DISCLOSURE_HELP),
        );
    }
    let Some(kind) = args.format.or(args.format()) else {
        return usage(msg!(lang, PUBLISH_FORMAT), msg!(lang, PUBLISH_FORMAT_HELP));
    };
    let names: Vec<&str> = rules.disclosures.iter().map(|d| d.name.as_str()).collect();
    let list = match (&args.list, names.as_slice()) {
        (Some(l), _) => match names.iter().position(|n| n == l) {
            Some(i) => i,
            None => {
                return usage(
                    msg!(lang, PUBLISH_UNKNOWN_LIST, l),
                    msg!(lang, PUBLISH_LISTS, names.join("、")),
                )
            }
        },
        (None, [_]) => 0,
        (None, _) if kind == PublishFormat::Csv => {
            return usage(
                msg!(lang, PUBLISH_CSV_ONE_LIST),
                msg!(lang, PUBLISH_LISTS, names.join("、")),
            )
        }
        (None, _) => 0,
    };
    let specs = args.input.specs();
    let out = &args.output;
    if let Err(code) = refuse_input_as_output(lang, out, &args.policy, &args.input) {
        return code;
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
    let publisher = Publisher::new(&rules);
    let csv = PublicCsv::new(&rules, list, lang);
    let json = PublicJson::new(&rules, lang);
    let xlsx = PublicXlsx::new(&rules, lang);
    let format: &dyn PublicFormat = match kind {
        PublishFormat::Csv => &csv,
        PublishFormat::Json => &json,
        PublishFormat::Xlsx => &xlsx,
    };
    let cannot_write = |e: &dyn std::fmt::Display| {
        fail(miette::miette!(
            "{}",
            msg!(lang, CANNOT_WRITE, out.display(), e)
        ))
    };
    let (mut workbook, mut file) = match kind {
        PublishFormat::Xlsx => match XlsxSink::for_public(out, &rules, lang, xlsx.sheets()) {
            Ok(w) => (Some(w), None),
            Err(e) => return cannot_write(&e),
        },
        _ => match super::output::OutputFile::create(out) {
            Ok(f) => (None, Some(f)),
            Err(e) => return cannot_write(&e),
        },
    };
    let sink: &mut dyn Write = match (workbook.as_mut(), file.as_mut()) {
        (Some(w), _) => w,
        (None, Some(f)) => f,
        (None, None) => return cannot_write(&"no output"),
    };
    let mut result = publish::run(publisher, source.as_mut(), format, sink);
    if let (Ok(outcome), Some(w)) = (&result, workbook) {
        let mut rows = vec![0usize; rules.disclosures.len()];
        for (i, n) in outcome.rows_per_list.iter().enumerate() {
            rows[i] = *n;
        }
        let info = WorkbookInfo {
            title: rules
                .plan
                .as_ref()
                .map(|p| p.title.clone())
                .unwrap_or_default(),
            rules_hash: policyc::ir::compiled::content_hash(&rules),
            lang,
            public: Some(names.iter().map(|n| n.to_string()).zip(rows).collect()),
            ..WorkbookInfo::default()
        };
        if let Err(e) = w.finish(&info, &outcome.counts) {
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
        Ok(outcome) => {
            // Everything kept out of the public file is told here, on standard error.
            let text = FindingsText::new(Auditor::new(&rules), &files, lang);
            let mut lines = Vec::new();
            for e in &outcome.errors {
                text.inline_error(&mut lines, e);
            }
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(&lines);
            for w in &outcome.warnings {
                let _ = writeln!(err, "{}", clean_lines(w));
            }
            let (c, t) = (outcome.counts, outcome.tally);
            let _ = writeln!(
                err,
                "{}",
                msg!(
                    lang,
                    PUBLISH_SUMMARY,
                    c.records,
                    t.published,
                    t.rows,
                    t.withheld,
                    t.unreadable,
                    t.not_listed,
                    c.failed,
                    c.skipped
                )
            );
            if t.unreadable > 0 {
                let _ = writeln!(
                    err,
                    "{}",
                    msg!(lang, NOTE, msg!(lang, PUBLISH_UNREADABLE_NOTE))
                );
            }
            let _ = err.flush();
            ExitCode::from(if c.failed > 0 { FINDINGS } else { OK })
        }
        Err(RunError::Load(e)) => fail(load_report(e)),
        Err(RunError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(USAGE),
        Err(RunError::Io(e)) => fail(miette::miette!("{}", msg!(lang, CANNOT_WRITE_OUTPUT, e))),
    }
}
