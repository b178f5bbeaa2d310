//! `policyc eval`: decisions for every record of the data files at the given levels.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use codespan_reporting::term::termcolor::StandardStream;

use super::{color_choice, compile, fail, FINDINGS, OK, USAGE};
use crate::data::{self, DataFormat, DataSpec, InputOptions};
use crate::eval::run::{self, OutputFormat, RunError};
use crate::eval::Evaluator;
use crate::ir::RuleSet;
use crate::report::{self, decisions};

#[derive(Args)]
pub(crate) struct EvalArgs {
    /// The policy file.
    policy: PathBuf,
    /// Data files, `[ENTITY=]PATH`; `-` reads standard input.
    #[arg(long, required = true, num_args = 1..)]
    data: Vec<String>,
    /// A level's name, its alias, or `all`.
    #[arg(long)]
    level: String,
    #[arg(long, value_enum, default_value_t = OutputKind::Json)]
    format: OutputKind,
    /// Write the output to this file instead of standard output (required for xlsx).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// The format of the data files, when their names do not tell.
    #[arg(long, value_enum)]
    data_format: Option<InputKind>,
    /// The text encoding of CSV data (`utf-8`, `gb18030`); detected when absent.
    #[arg(long)]
    encoding: Option<String>,
    /// `skip` reports a bad record and goes on; `fail` stops at the first one.
    #[arg(long, value_enum, default_value_t = OnError::Skip)]
    on_error: OnError,
    /// For each measure, why it applies, is exempt or does not apply (json, jsonl, table).
    #[arg(long)]
    explain: bool,
    /// The text encoding of CSV output: `utf-8-bom` (default; Excel reads it), `utf-8`
    /// (no BOM) or `gb18030`.
    #[arg(long, value_parser = parse_output_encoding, default_value = "utf-8-bom")]
    output_encoding: decisions::OutputEncoding,
}

fn parse_output_encoding(label: &str) -> Result<decisions::OutputEncoding, String> {
    decisions::OutputEncoding::parse(label).ok_or_else(|| {
        format!("unknown output encoding `{label}` (use utf-8-bom, utf-8 or gb18030)")
    })
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum OutputKind {
    Json,
    Jsonl,
    Csv,
    Xlsx,
    Table,
}

#[derive(Clone, Copy, ValueEnum)]
enum InputKind {
    Json,
    Jsonl,
    Csv,
    Xlsx,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum OnError {
    Skip,
    Fail,
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

pub(crate) fn run(args: &EvalArgs) -> ExitCode {
    let rules = match load_rules(&args.policy) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let levels = match levels_for(&rules, &args.level) {
        Ok(l) => l,
        Err(r) => return fail(r),
    };
    if args.format == OutputKind::Xlsx && args.output.is_none() {
        return fail(miette::miette!(
            help = "add `-o decisions.xlsx`",
            "xlsx output needs a file"
        ));
    }
    let specs: Vec<DataSpec> = args.data.iter().map(|d| DataSpec::parse(d)).collect();
    let options = InputOptions {
        format: args.data_format.map(|k| match k {
            InputKind::Json => DataFormat::Json,
            InputKind::Jsonl => DataFormat::Jsonl,
            InputKind::Csv => DataFormat::Csv,
            InputKind::Xlsx => DataFormat::Xlsx,
        }),
        encoding: args.encoding.clone(),
        stop_on_error: args.on_error == OnError::Fail,
    };
    let mut files = Vec::new();
    let mut source = match data::open_inputs(&rules, &specs, &options, &mut files) {
        Ok(s) => s,
        Err(e) => return fail(load_report(e)),
    };
    let ev = Evaluator::new(&rules);
    let explain = args.explain.then_some(&ev);
    let json = decisions::JsonDocument(decisions::json::JsonFormat::new(&rules, explain));
    let jsonl = decisions::JsonLines(decisions::json::JsonFormat::new(&rules, explain));
    // The interface language follows the policy's keywords until `--lang` exists.
    let lang = if rules.chinese {
        crate::messages::Lang::Zh
    } else {
        crate::messages::Lang::En
    };
    let csv = decisions::Csv::new(&rules, lang).with_encoding(args.output_encoding);
    let table = decisions::Table::new(&rules, explain, lang);
    let xlsx = report::xlsx::XlsxFormat::new(&rules, &levels, lang);
    let format: &dyn OutputFormat = match args.format {
        OutputKind::Json => &json,
        OutputKind::Jsonl => &jsonl,
        OutputKind::Csv => &csv,
        OutputKind::Xlsx => &xlsx,
        OutputKind::Table => &table,
    };
    let describe = |rec: &data::LoadedRecord, e: &crate::eval::EvalError| {
        decisions::eval_error_message(&rules, rec, e)
    };
    // Where the output goes: XLSX streams into a workbook written when the run succeeds, the
    // rest streams to the file or standard output.
    let mut workbook = match (&args.output, args.format) {
        (Some(path), OutputKind::Xlsx) => {
            match report::xlsx::XlsxSink::create(path, &rules, &levels, lang) {
                Ok(w) => Some(w),
                Err(e) => return fail(miette::miette!("cannot write `{}`: {e}", path.display())),
            }
        }
        _ => None,
    };
    let mut sink: Box<dyn Write> = match (&args.output, args.format) {
        (_, OutputKind::Xlsx) => Box::new(std::io::sink()),
        (Some(path), _) => match std::fs::File::create(path) {
            Ok(f) => Box::new(std::io::BufWriter::with_capacity(1 << 20, f)),
            Err(e) => return fail(miette::miette!("cannot write `{}`: {e}", path.display())),
        },
        (None, _) => Box::new(std::io::BufWriter::with_capacity(
            1 << 20,
            std::io::stdout(),
        )),
    };
    let out: &mut dyn Write = match workbook.as_mut() {
        Some(w) => w,
        None => sink.as_mut(),
    };
    let mut result = run::run(
        &ev,
        source.as_mut(),
        &levels,
        format,
        &files,
        &describe,
        out,
    );
    if let (Ok((counts, _)), Some(w)) = (&result, workbook) {
        let info = report::xlsx::WorkbookInfo {
            title: rules
                .plan
                .as_ref()
                .map(|p| p.title.clone())
                .unwrap_or_default(),
            rules_hash: crate::ir::compiled::content_hash(&rules),
            inputs: files.iter().map(|f| (f.clone(), None)).collect(),
            mapping: Vec::new(),
            lang,
        };
        if let Err(e) = w.finish(&info, counts) {
            result = Err(RunError::Io(std::io::Error::other(e.to_string())));
        }
    }
    match result {
        Ok((counts, warnings)) => {
            // Formats without a place for them get warnings and the summary on standard error.
            if matches!(args.format, OutputKind::Csv | OutputKind::Xlsx) || args.output.is_some() {
                for w in &warnings {
                    eprintln!("warning: {w}");
                }
                eprintln!(
                    "records {}, evaluated {}, failed {}",
                    counts.records, counts.evaluated, counts.failed
                );
            }
            let _ = std::io::stderr().flush();
            ExitCode::from(if counts.failed > 0 { FINDINGS } else { OK })
        }
        Err(RunError::Load(e)) => fail(load_report(e)),
        Err(RunError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(USAGE),
        Err(RunError::Io(e)) => fail(miette::miette!("cannot write the output: {e}")),
    }
}

/// The rule set to evaluate: a compiled one (`.json`, from `policyc compile`) or policy source.
fn load_rules(path: &std::path::Path) -> Result<RuleSet, ExitCode> {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        let text = std::fs::read_to_string(path).map_err(|e| {
            fail(miette::miette!(
                help = "check the path",
                "cannot read rule set `{}`: {e}",
                path.display()
            ))
        })?;
        return crate::ir::compiled::from_json(&text).map_err(|e| {
            fail(miette::miette!(
                help = "compile the policy again with this policyc: `policyc compile POLICY -o rules.json`",
                "cannot use rule set `{}`: {e}",
                path.display()
            ))
        });
    }
    let c = compile(path).map_err(fail)?;
    if !c.diagnostics.is_empty() {
        let mut err = StandardStream::stderr(color_choice(std::io::stderr().is_terminal()));
        let _ = report::render_human(&mut err, &c.sources, &c.diagnostics);
    }
    c.rules.ok_or_else(|| {
        eprintln!("policyc: the policy has errors; nothing was evaluated");
        ExitCode::from(FINDINGS)
    })
}

fn load_report(e: data::source::LoadError) -> miette::Report {
    match e.help {
        Some(h) => miette::miette!(help = h, "{}", e.message),
        None => miette::miette!("{}", e.message),
    }
}
