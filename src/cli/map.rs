//! `policyc map`: the column mapping `eval` would use for the data files, written as a
//! mapping file for the officer to review, correct and pass back with `eval --map`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::eval::{load_report, load_rules, DataArgs};
use super::{fail, OK};
use policyc::data;
use policyc::data::mapping::{write_mapping, UnknownValue};
use policyc::msg;

#[derive(Args)]
pub(crate) struct MapArgs {
    /// The policy file.
    policy: PathBuf,
    #[command(flatten)]
    root: super::ImportRootArg,
    #[command(flatten)]
    input: DataArgs,
    /// Where to write the mapping (default: standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub(crate) fn run(args: &MapArgs) -> ExitCode {
    let rules = match load_rules(&args.policy, args.input.lang_arg(), &args.root) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let lang = args.input.lang(&rules);
    // The mapping never replaces a data file or the plan (a `--map` file may be rewritten:
    // it is read whole before anything is written).
    if let Some(out) = &args.output {
        let specs = args.input.specs();
        let data = specs.iter().map(|s| std::path::Path::new(s.path.as_str()));
        let inputs = data.chain([args.policy.as_path()]);
        if let Err(code) = super::eval::refuse_paths_as_output(lang, out, inputs) {
            return code;
        }
    }
    let mut options = match args.input.options(&rules, lang) {
        Ok(o) => o,
        Err(r) => return fail(r),
    };
    options.layouts = data::Layouts::with_unknown_values();
    let mut files = Vec::new();
    let mut source = match data::open_inputs(&rules, &args.input.specs(), &options, &mut files) {
        Ok(s) => s,
        Err(e) => return fail(load_report(e)),
    };
    // Every row is read, so that the values the plan does not know can be listed.
    let mut batch = Vec::new();
    loop {
        batch.clear();
        match source.next_batch(4096, &mut batch) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return fail(load_report(e)),
        }
    }
    for w in source.take_warnings() {
        eprintln!("{}", policyc::report::terminal::clean_lines(&w));
    }
    let layouts = options.layouts.get();
    let unknown: Vec<UnknownValue> = options
        .layouts
        .unknown_values()
        .into_iter()
        .map(|((entity, field, text), rows)| UnknownValue {
            entity,
            field,
            text,
            rows,
        })
        .collect();
    let text = write_mapping(&rules, lang, &layouts, &unknown);
    match &args.output {
        None => super::print_out(&text),
        Some(path) => match super::output::write_whole(path, text.as_bytes()) {
            Ok(()) => {
                eprintln!("{}", msg!(lang, MAP_WRITTEN, path.display()));
                ExitCode::from(OK)
            }
            Err(e) => fail(miette::miette!(
                "{}",
                msg!(lang, CANNOT_WRITE, path.display(), e)
            )),
        },
    }
}
