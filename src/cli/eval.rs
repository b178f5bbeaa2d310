//! `policyc eval`: decisions for every record of the data files at the given levels.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use codespan_reporting::term::termcolor::StandardStream;

use super::{color_choice, compile, fail, FINDINGS, OK, USAGE};
use policyc::audit::{Auditor, FindingsFormat};
use policyc::data::{self, DataFormat, DataSpec, InputOptions};
use policyc::eval::census::CensusRun;
use policyc::eval::run::{self, OutputFormat, RunError};
use policyc::eval::Evaluator;
use policyc::ir::{LevelId, RuleSet, ValidRuleSet};
use policyc::messages::Lang;
use policyc::msg;
use policyc::publish::{PublicView, Publisher};
use policyc::report::findings::FindingsText;
use policyc::report::terminal::clean_lines;
use policyc::report::{self, decisions};

/// Where the data comes from and how to read it: shared by `eval` and `map`.
#[derive(Args)]
pub(crate) struct DataArgs {
    /// Data files, `[ENTITY=]PATH`; `-` reads standard input.
    #[arg(long, required = true, num_args = 1..)]
    data: Vec<String>,
    /// The format of the data files, when their names do not tell.
    #[arg(long, value_enum)]
    data_format: Option<InputKind>,
    /// The text encoding of CSV data (`utf-8`, `gb18030`); detected when absent.
    #[arg(long)]
    encoding: Option<String>,
    /// The row the header starts at (as the spreadsheet numbers it), instead of searching
    /// the first rows for it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    header_row: Option<u64>,
    /// A mapping file fixing columns and value spellings (see `policyc map`).
    #[arg(long, value_name = "FILE")]
    pub(crate) map: Option<PathBuf>,
    /// The language of messages: `zh` or `en` (default: Chinese for a plan written with
    /// Chinese keywords or a Chinese locale, else English).
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum LangArg {
    Zh,
    En,
}

impl LangArg {
    /// The language `--lang` names, else `default`.
    pub(crate) fn or_default(arg: Option<LangArg>, default: impl FnOnce() -> Lang) -> Lang {
        match arg {
            Some(LangArg::Zh) => Lang::Zh,
            Some(LangArg::En) => Lang::En,
            None => default(),
        }
    }
}

#[derive(Args)]
pub(crate) struct EvalArgs {
    /// The policy file.
    policy: PathBuf,
    #[command(flatten)]
    root: super::ImportRootArg,
    #[command(flatten)]
    input: DataArgs,
    /// A level's name, its alias, or `all`.
    #[arg(long)]
    level: String,
    /// The output format; without it, the extension of `-o` says (`.xlsx`, `.csv`, `.jsonl`,
    /// `.json`), else json.
    #[arg(long, value_enum)]
    format: Option<OutputKind>,
    /// Write the output to this file instead of standard output (required for xlsx).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// `skip` reports a bad record and goes on; `fail` stops at the first one.
    #[arg(long, value_enum, default_value_t = OnError::Skip)]
    on_error: OnError,
    /// For each measure, why it applies, is exempt or does not apply (json, jsonl, table).
    #[arg(long)]
    explain: bool,
    /// Also report what in the plan never fired over the data and levels (measures, table
    /// cells, exceptions, exemptions) and the records no measure concerns.
    #[arg(long)]
    census: bool,
    /// Output for the public, under the plan's disclosures (`公开`): only published records,
    /// their public fields and published items; no error rows (they go to standard error).
    #[arg(long, conflicts_with_all = ["explain", "census"])]
    public: bool,
    /// The text encoding of CSV output: `utf-8-bom` (default; Excel reads it), `utf-8`
    /// (no BOM) or `gb18030`.
    #[arg(long, value_parser = parse_output_encoding, default_value = "utf-8-bom")]
    output_encoding: decisions::OutputEncoding,
}

impl EvalArgs {
    /// `--format`, or what the output file's extension names: an officer who writes
    /// `-o 结果.xlsx` gets a workbook, not JSON in a file named like one.
    fn output_kind(&self) -> OutputKind {
        self.format.unwrap_or_else(|| {
            let ext = self
                .output
                .as_deref()
                .and_then(|p| p.extension())
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase);
            match ext.as_deref() {
                Some("xlsx") => OutputKind::Xlsx,
                Some("csv") => OutputKind::Csv,
                Some("jsonl") => OutputKind::Jsonl,
                _ => OutputKind::Json,
            }
        })
    }
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

fn levels_for(rules: &RuleSet, lang: Lang, level: &str) -> Result<Vec<usize>, miette::Report> {
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
            help = msg!(lang, LEVELS_HELP, names.join(", ")),
            "{}",
            msg!(lang, UNKNOWN_LEVEL, level)
        )
    })
}

impl DataArgs {
    /// The interface language: `--lang`, else from the plan and the locale.
    pub(crate) fn lang(&self, rules: &RuleSet) -> Lang {
        LangArg::or_default(self.lang, || Lang::default_for(rules.chinese))
    }

    /// How to read the data files.
    pub(crate) fn options(
        &self,
        rules: &RuleSet,
        lang: Lang,
    ) -> Result<InputOptions, miette::Report> {
        let mapping = match &self.map {
            None => data::mapping::Mapping::default(),
            Some(path) => {
                let name = path.display().to_string();
                let text = std::fs::read_to_string(path).map_err(|e| {
                    miette::miette!(
                        help = msg!(lang, CHECK_THE_PATH),
                        "{}",
                        msg!(lang, CANNOT_READ_MAP, name, e)
                    )
                })?;
                data::mapping::Mapping::parse(rules, lang, &name, &text).map_err(load_report)?
            }
        };
        Ok(InputOptions {
            format: self.data_format.map(|k| match k {
                InputKind::Json => DataFormat::Json,
                InputKind::Jsonl => DataFormat::Jsonl,
                InputKind::Csv => DataFormat::Csv,
                InputKind::Xlsx => DataFormat::Xlsx,
            }),
            encoding: self.encoding.clone(),
            stop_on_error: false,
            header_row: self.header_row.map(|n| n as usize),
            mapping,
            lang,
            layouts: data::Layouts::default(),
        })
    }

    pub(crate) fn lang_arg(&self) -> Option<LangArg> {
        self.lang
    }

    pub(crate) fn specs(&self) -> Vec<DataSpec> {
        self.data.iter().map(|d| DataSpec::parse(d)).collect()
    }
}

pub(crate) fn run(args: &EvalArgs) -> ExitCode {
    let kind = args.output_kind();
    let rules = match load_rules(&args.policy, args.input.lang_arg(), &args.root) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let lang = args.input.lang(&rules);
    let levels = match levels_for(&rules, lang, &args.level) {
        Ok(l) => l,
        Err(r) => return fail(r),
    };
    if kind == OutputKind::Xlsx && args.output.is_none() {
        return fail(miette::miette!(
            help = msg!(lang, XLSX_NEEDS_FILE_HELP),
            "{}",
            msg!(lang, XLSX_NEEDS_FILE)
        ));
    }
    let specs = args.input.specs();
    // Writing the output over an input would destroy it while it is read.
    if let Some(out) = &args.output {
        if let Err(code) = refuse_input_as_output(lang, out, &args.policy, &args.input) {
            return code;
        }
    }
    let mut options = match args.input.options(&rules, lang) {
        Ok(o) => o,
        Err(r) => return fail(r),
    };
    options.stop_on_error = args.on_error == OnError::Fail;
    let mut files = Vec::new();
    let source = match data::open_inputs(&rules, &specs, &options, &mut files) {
        Ok(s) => s,
        Err(e) => return fail(load_report(e)),
    };
    let mut source = super::progress::Progress::wrap(source, lang);
    let ev = Evaluator::new(&rules);
    let level_ids: Vec<LevelId> = levels.iter().filter_map(|&l| rules.level_id(l)).collect();
    let explain = args.explain.then_some(&ev);
    // For the public, every format is built over the rule set that shows public fields only.
    let public_rules = args.public.then(|| policyc::publish::public_rules(&rules));
    let shown: &RuleSet = public_rules.as_ref().unwrap_or(&rules);
    let json =
        decisions::JsonDocument(decisions::json::JsonFormat::new(shown, explain).with_lang(lang));
    let jsonl =
        decisions::JsonLines(decisions::json::JsonFormat::new(shown, explain).with_lang(lang));
    let csv = decisions::Csv::new(shown, lang).with_encoding(args.output_encoding);
    let table = decisions::Table::new(shown, explain, lang);
    let xlsx = report::xlsx::XlsxFormat::new(shown, &levels, lang);
    let inner: &dyn OutputFormat = match kind {
        OutputKind::Json => &json,
        OutputKind::Jsonl => &jsonl,
        OutputKind::Csv => &csv,
        OutputKind::Xlsx => &xlsx,
        OutputKind::Table => &table,
    };
    let public = args
        .public
        .then(|| PublicView::new(Publisher::new(&rules), inner, &levels));
    let format: &dyn OutputFormat = match &public {
        Some(view) => view,
        None => inner,
    };
    let describe = |_: &data::LoadedRecord, e: &policyc::eval::EvalError| {
        decisions::eval_error_message(&rules, lang, e)
    };
    // Where the output goes: XLSX streams into a workbook written when the run succeeds, the
    // rest streams to the file or standard output.
    let mut workbook = match (&args.output, kind) {
        (Some(path), OutputKind::Xlsx) => {
            match report::xlsx::XlsxSink::create(path, shown, &levels, lang) {
                Ok(w) => Some(w),
                Err(e) => {
                    return fail(miette::miette!(
                        "{}",
                        msg!(lang, CANNOT_WRITE, path.display(), e)
                    ))
                }
            }
        }
        _ => None,
    };
    // A file output is written beside its path and renamed over it when the run succeeds:
    // a failed run leaves an existing output as it was.
    let mut file = match (&args.output, kind) {
        (
            Some(path),
            OutputKind::Json | OutputKind::Jsonl | OutputKind::Csv | OutputKind::Table,
        ) => match super::output::OutputFile::create(path) {
            Ok(f) => Some(f),
            Err(e) => {
                return fail(miette::miette!(
                    "{}",
                    msg!(lang, CANNOT_WRITE, path.display(), e)
                ))
            }
        },
        _ => None,
    };
    let mut stdout = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout());
    let out: &mut dyn Write = match (workbook.as_mut(), file.as_mut()) {
        (Some(w), _) => w,
        (None, Some(f)) => f,
        (None, None) => &mut stdout,
    };
    let hashes = (kind == OutputKind::Xlsx).then(|| InputHashes::start(&specs));
    let census = args.census.then(|| CensusRun::new(ev, &level_ids, &files));
    let mut result = run::run_with_census(
        &ev,
        source.as_mut(),
        &level_ids,
        format,
        &files,
        &describe,
        census.as_ref(),
        out,
    );
    if let (Ok((counts, _)), Some(w)) = (&result, workbook) {
        let mut info = workbook_info(&rules, lang, &files, hashes, &options);
        let mut counts = *counts;
        if let Some(view) = &public {
            // The input files' names and the mapping are the bureau's, not the public's.
            info.inputs.clear();
            info.mapping.clear();
            counts = view.public_counts();
        }
        if let Err(e) = w.finish(&info, &counts) {
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
        Ok((counts, warnings)) => {
            // Formats without a place for them get the notes and warnings on standard error;
            // the summary goes there at the end of every run.
            if matches!(kind, OutputKind::Csv | OutputKind::Xlsx)
                || args.output.is_some()
                || args.public
            {
                for w in &warnings {
                    eprintln!("{}", clean_lines(w));
                }
            }
            // CSV has no place for the census: it goes to standard error, in words.
            if let (Some(census), OutputKind::Csv) = (&census, kind) {
                let mut text = Vec::new();
                report::census::write_text(&mut text, &rules, &census.report(), lang);
                let _ = std::io::stderr().write_all(&text);
            }
            if let Some(view) = &public {
                let (published, kept_out) = view.counts();
                eprintln!("{}", msg!(lang, PUBLIC_EVAL_SUMMARY, published, kept_out));
            }
            eprintln!(
                "{}",
                msg!(
                    lang,
                    SUMMARY,
                    counts.records,
                    counts.evaluated,
                    counts.failed,
                    counts.skipped
                )
            );
            if let Some(view) = &public {
                // Kept out of the public output; told here only.
                let text = FindingsText::new(Auditor::new(&rules), &files, lang);
                let mut lines = Vec::new();
                for e in &view.take_errors() {
                    text.inline_error(&mut lines, e);
                }
                let _ = std::io::stderr().write_all(&lines);
            } else if counts.failed > 0 {
                let place = match (&args.output, kind) {
                    (Some(p), OutputKind::Xlsx) => msg!(lang, ERRORS_SHEET, p.display()),
                    (Some(p), _) => p.display().to_string(),
                    (None, _) => msg!(lang, STANDARD_OUTPUT),
                };
                eprintln!("{}", clean_lines(&msg!(lang, SUMMARY_ERRORS_IN, place)));
            }
            let _ = std::io::stderr().flush();
            ExitCode::from(if counts.failed > 0 { FINDINGS } else { OK })
        }
        Err(RunError::Load(e)) => fail(load_report(e)),
        Err(RunError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(USAGE),
        Err(RunError::Io(e)) => fail(miette::miette!("{}", msg!(lang, CANNOT_WRITE_OUTPUT, e))),
    }
}

/// The rule set to evaluate: a compiled one (`.json`, from `policyc compile`) or policy source,
/// validated either way. Messages before the plan is known are in `--lang`, else Chinese or
/// English by the locale.
pub(crate) fn load_rules(
    path: &std::path::Path,
    lang: Option<LangArg>,
    root: &super::ImportRootArg,
) -> Result<ValidRuleSet, ExitCode> {
    let lang = LangArg::or_default(lang, || Lang::default_for(false));
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        // A regular file only (a pipe or a device is refused before it is opened), read with
        // a bound.
        let read = policyc::source::read_regular(path, policyc::limits::MAX_RULES_FILE_BYTES)
            .map_err(|e| fail(super::read_error(path, &e, lang, super::WholeFile::Rules)))?;
        let text = String::from_utf8(read).map_err(|_| {
            fail(miette::miette!(
                help = msg!(lang, COMPILE_AGAIN_HELP),
                "{}",
                msg!(
                    lang,
                    CANNOT_READ_RULES,
                    path.display(),
                    msg!(lang, RULES_NOT_UTF8)
                )
            ))
        })?;
        return policyc::ir::compiled::from_json(&text).map_err(|e| match e {
            policyc::ir::compiled::LoadRulesError::Invalid(why) => fail(miette::miette!(
                help = msg!(lang, RULES_INVALID_HELP),
                "{}",
                msg!(lang, RULES_INVALID, path.display(), why.message(lang))
            )),
            e => fail(miette::miette!(
                help = msg!(lang, COMPILE_AGAIN_HELP),
                "{}",
                msg!(lang, CANNOT_USE_RULES, path.display(), e)
            )),
        });
    }
    let root = root.resolve(lang).map_err(fail)?;
    let c = compile(path, root.as_ref(), lang).map_err(fail)?;
    if !c.diagnostics.is_empty() {
        let mut err = StandardStream::stderr(color_choice(std::io::stderr().is_terminal()));
        let _ = report::render_human(&mut err, &c.sources, &c.diagnostics);
    }
    let chinese = c.rules.as_ref().is_some_and(|r| r.chinese);
    c.rules
        .ok_or_else(|| {
            let lang = if lang == Lang::En && chinese {
                Lang::Zh
            } else {
                lang
            };
            eprintln!("{}", msg!(lang, POLICY_HAS_ERRORS));
            ExitCode::from(FINDINGS)
        })?
        .validate()
        .map_err(|why| compiled_invalid(path, lang, &why))
}

/// The refusal of a rule set compiled from policy text that is not well formed (a limit the
/// earlier stages did not check): exit 2.
pub(crate) fn compiled_invalid(
    path: &std::path::Path,
    lang: Lang,
    why: &policyc::ir::InvalidRuleSet,
) -> ExitCode {
    fail(miette::miette!(
        help = msg!(lang, RULES_COMPILED_INVALID_HELP),
        "{}",
        msg!(
            lang,
            RULES_COMPILED_INVALID,
            path.display(),
            why.message(lang)
        )
    ))
}

/// Refuses an output that names one of the run's inputs — a data file, the plan or the
/// mapping file — (exit 2): writing it would destroy it while it is read.
pub(crate) fn refuse_input_as_output(
    lang: Lang,
    out: &std::path::Path,
    policy: &std::path::Path,
    input: &DataArgs,
) -> Result<(), ExitCode> {
    let specs = input.specs();
    let data = specs.iter().map(|s| std::path::Path::new(s.path.as_str()));
    refuse_paths_as_output(lang, out, data.chain([policy]).chain(input.map.as_deref()))
}

/// Refuses an output that names one of `inputs` (exit 2); standard input (`-`) is no file.
pub(crate) fn refuse_paths_as_output<'p>(
    lang: Lang,
    out: &std::path::Path,
    inputs: impl Iterator<Item = &'p std::path::Path>,
) -> Result<(), ExitCode> {
    let mut inputs = inputs.filter(|p| p.as_os_str() != "-");
    match inputs.find(|input| same_file(out, input)) {
        Some(input) => Err(fail(miette::miette!(
            help = msg!(lang, OUTPUT_IS_INPUT_HELP),
            "{}",
            msg!(lang, OUTPUT_IS_INPUT, out.display(), input.display())
        ))),
        None => Ok(()),
    }
}

/// True when `a` and `b` name the same existing file (through links and relative paths).
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The SHA-256 of a regular file's bytes, in hex; `None` for standard input or a file that
/// cannot be read again.
/// The SHA-256 of each input file, computed on a thread beside the run: the workbook's 说明
/// sheet names each input with it.
pub(crate) struct InputHashes(std::thread::JoinHandle<Vec<Option<String>>>);

impl InputHashes {
    pub(crate) fn start(specs: &[DataSpec]) -> InputHashes {
        let paths: Vec<String> = specs.iter().map(|s| s.path.clone()).collect();
        InputHashes(std::thread::spawn(move || {
            paths.iter().map(|p| file_hash(p)).collect()
        }))
    }
}

/// What a workbook's 说明 sheet says: the plan, the rule set's hash, the inputs with their
/// hashes, and the column mapping the run used.
pub(crate) fn workbook_info(
    rules: &RuleSet,
    lang: Lang,
    files: &[String],
    hashes: Option<InputHashes>,
    options: &InputOptions,
) -> report::xlsx::WorkbookInfo {
    let hashes = hashes.and_then(|h| h.0.join().ok()).unwrap_or_default();
    report::xlsx::WorkbookInfo {
        title: rules
            .plan
            .as_ref()
            .map(|p| p.title.clone())
            .unwrap_or_default(),
        rules_hash: policyc::ir::compiled::content_hash(rules),
        inputs: files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.clone(), hashes.get(i).cloned().flatten()))
            .collect(),
        mapping: data::mapping::mapping_lines(rules, lang, &options.layouts.get()),
        lang,
        findings: None,
        public: None,
    }
}

fn file_hash(path: &str) -> Option<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    if path == "-" {
        return None;
    }
    // Looked at before it is opened: opening a FIFO again would wait for a writer forever,
    // and a pipe's bytes belong to the one reader of the run.
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let mut f = std::fs::File::open(path).ok()?;
    if !f.metadata().ok()?.is_file() {
        return None;
    }
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Some(
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

/// A load error for the terminal: what it echoes of the data (file names, cells) is shown,
/// not obeyed (see [`report::terminal`]).
pub(crate) fn load_report(e: data::source::LoadError) -> miette::Report {
    let message = clean_lines(&e.message).into_owned();
    match e.help {
        Some(h) => miette::miette!(help = clean_lines(&h).into_owned(), "{}", message),
        None => miette::miette!("{}", message),
    }
}
