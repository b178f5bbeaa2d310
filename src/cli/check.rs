//! `policyc check`: diagnostics of policy files, for people and for review pipelines.
//! Exit 0 when clean, 1 when an error was found (or a warning, with `--deny warnings`).

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use codespan_reporting::term::termcolor::StandardStream;

use super::{color_choice, compile, fail, CheckFormat, ImportRootArg, FINDINGS, OK, USAGE};
use policyc::compile::Compilation;
use policyc::diagnostics::{Diagnostic, Severity};
use policyc::messages::Lang;
use policyc::report;

/// Identifies a diagnostic across compilations: a file checked on its own and again as
/// an import of another checked file reports its findings once.
fn identity(c: &Compilation, d: &Diagnostic) -> (String, usize, usize, &'static str, String) {
    let (file, start, end) = match d.primary_span() {
        Some(s) => (
            c.sources.get(s.file).path.display().to_string(),
            s.start,
            s.end,
        ),
        None => (String::new(), 0, 0),
    };
    (file, start, end, d.code.as_str(), d.message.clone())
}

/// Writes a JSON document to stdout; a closed pipe ends the run instead of panicking.
fn print(doc: &serde_json::Value) -> Result<(), ExitCode> {
    let mut text = serde_json::to_string_pretty(doc).unwrap_or_default();
    text.push('\n');
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|_| ExitCode::from(USAGE))
}

pub(crate) fn run(
    files: &[PathBuf],
    format: CheckFormat,
    deny_warnings: bool,
    root: &ImportRootArg,
) -> ExitCode {
    let lang = Lang::default_for(false);
    let root = match root.resolve(lang) {
        Ok(r) => r,
        Err(r) => return fail(r),
    };
    let mut compilations = Vec::new();
    let mut seen = HashSet::new();
    for f in files {
        let mut c = match compile(f, root.as_ref(), lang) {
            Ok(c) => c,
            Err(r) => return fail(r),
        };
        let diags = std::mem::take(&mut c.diagnostics);
        c.diagnostics = diags
            .into_iter()
            .filter(|d| seen.insert(identity(&c, d)))
            .collect();
        compilations.push(c);
    }
    let failed = compilations.iter().flat_map(|c| &c.diagnostics).any(|d| {
        d.severity == Severity::Error || (deny_warnings && d.severity == Severity::Warning)
    });
    match format {
        CheckFormat::Human => {
            let mut out = StandardStream::stdout(color_choice(std::io::stdout().is_terminal()));
            for c in &compilations {
                match report::render_human(&mut out, &c.sources, &c.diagnostics) {
                    Ok(()) => {}
                    // A reader that closed the pipe early ends the command quietly, as `eval`.
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                        return ExitCode::from(USAGE)
                    }
                    Err(e) => return fail(miette::miette!("cannot write diagnostics: {e}")),
                }
            }
        }
        CheckFormat::Json => {
            let json_out: Vec<serde_json::Value> = compilations
                .iter()
                .flat_map(|c| {
                    c.diagnostics
                        .iter()
                        .map(|d| report::diagnostics::diagnostic_json(&c.sources, d))
                })
                .collect();
            let errors = json_out.iter().filter(|d| d["severity"] == "error").count();
            let doc = serde_json::json!({
                "diagnostics": json_out,
                "summary": { "errors": errors, "warnings": json_out.len() - errors },
            });
            if let Err(code) = print(&doc) {
                return code;
            }
        }
        CheckFormat::Sarif => {
            let parts: Vec<_> = compilations
                .iter()
                .map(|c| (&c.sources, c.diagnostics.as_slice()))
                .collect();
            let doc = report::sarif::render_sarif(&parts);
            if let Err(code) = print(&doc) {
                return code;
            }
        }
    }
    ExitCode::from(if failed { FINDINGS } else { OK })
}
