//! `policyc map`: the column mapping `eval` would use for the data files, written as a
//! mapping file for the officer to review, correct and pass back with `eval --map`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::eval::{load_report, load_rules, DataArgs};
use super::{fail, OK};
use crate::data::header::Target;
use crate::data::mapping::{write_mapping, UnknownValue};
use crate::data::source::Item;
use crate::data::{self, TableLayout};
use crate::ir::FieldType;
use crate::msg;

#[derive(Args)]
pub(crate) struct MapArgs {
    /// The policy file.
    policy: PathBuf,
    #[command(flatten)]
    input: DataArgs,
    /// Where to write the mapping (default: standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
}

/// The field a row error's column is, in the table it came from.
fn field_of(
    layouts: &[TableLayout],
    file: &str,
    sheet: Option<&str>,
    column: &str,
) -> Option<(usize, usize)> {
    layouts
        .iter()
        .filter(|l| l.file == file && l.sheet.as_deref() == sheet)
        .find_map(|l| {
            l.columns.iter().find_map(|c| match c.target {
                Target::Field(f) if c.header == column => Some((l.entity, f)),
                _ => None,
            })
        })
}

pub(crate) fn run(args: &MapArgs) -> ExitCode {
    let rules = match load_rules(&args.policy, args.input_lang()) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let lang = args.input.lang(&rules);
    let options = match args.input.options(&rules, lang) {
        Ok(o) => o,
        Err(r) => return fail(r),
    };
    let mut files = Vec::new();
    let mut source = match data::open_inputs(&rules, &args.input.specs(), &options, &mut files) {
        Ok(s) => s,
        Err(e) => return fail(load_report(e)),
    };
    // Every row is read, so that the values the plan does not know can be listed.
    let mut unknown: BTreeMap<(usize, usize, String), usize> = BTreeMap::new();
    let mut errors = Vec::new();
    let mut batch = Vec::new();
    loop {
        batch.clear();
        let more = match source.next_batch(4096, &mut batch) {
            Ok(m) => m,
            Err(e) => return fail(load_report(e)),
        };
        for item in batch.drain(..) {
            if let Item::Error(e) = item {
                errors.push(e);
            }
        }
        if !more {
            break;
        }
    }
    for w in source.take_warnings() {
        eprintln!("{w}");
    }
    let layouts = options.layouts.get();
    for e in &errors {
        let (Some(column), Some(value)) = (&e.column, &e.value) else {
            continue;
        };
        let Some((entity, field)) = field_of(&layouts, &e.file, e.sheet.as_deref(), column) else {
            continue;
        };
        let ty = rules.entities[entity].fields[field].ty;
        if matches!(
            ty,
            FieldType::Enum(_) | FieldType::Set(_) | FieldType::Level | FieldType::Bool
        ) {
            *unknown.entry((entity, field, value.clone())).or_default() += 1;
        }
    }
    let unknown: Vec<UnknownValue> = unknown
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
        None => {
            print!("{text}");
            ExitCode::from(OK)
        }
        Some(path) => match std::fs::write(path, text) {
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

impl MapArgs {
    fn input_lang(&self) -> Option<super::eval::LangArg> {
        self.input.lang_arg()
    }
}
