//! `policyc check`: diagnostics of policy files, for people and for review pipelines.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use codespan_reporting::term::termcolor::StandardStream;

use super::{color_choice, compile, fail, CheckFormat, FINDINGS, OK};
use crate::diagnostics::Severity;
use crate::report;

pub(crate) fn run(files: &[PathBuf], format: CheckFormat, deny_warnings: bool) -> ExitCode {
    let mut failed = false;
    let mut json_out = Vec::new();
    for f in files {
        let c = match compile(f) {
            Ok(c) => c,
            Err(r) => return fail(r),
        };
        failed |= c.diagnostics.iter().any(|d| {
            d.severity == Severity::Error || (deny_warnings && d.severity == Severity::Warning)
        });
        match format {
            CheckFormat::Human => {
                let mut out = StandardStream::stdout(color_choice(std::io::stdout().is_terminal()));
                if let Err(e) = report::render_human(&mut out, &c.sources, &c.diagnostics) {
                    return fail(miette::miette!("cannot write diagnostics: {e}"));
                }
            }
            CheckFormat::Json => json_out.extend(
                c.diagnostics
                    .iter()
                    .map(|d| report::diagnostics::diagnostic_json(&c.sources, d)),
            ),
        }
    }
    if let CheckFormat::Json = format {
        let errors = json_out.iter().filter(|d| d["severity"] == "error").count();
        let doc = serde_json::json!({
            "diagnostics": json_out,
            "summary": { "errors": errors, "warnings": json_out.len() - errors },
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    }
    ExitCode::from(if failed { FINDINGS } else { OK })
}
