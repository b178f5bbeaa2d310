//! Diagnostics as text (codespan-reporting) and as JSON.

use codespan_reporting::diagnostic::{
    Diagnostic as CsDiagnostic, Label as CsLabel, Severity as CsSeverity,
};
use codespan_reporting::term::{self, termcolor::WriteColor, Config};
use serde_json::{json, Value as Json};

use crate::diagnostics::{Diagnostic, Severity};
use crate::source::SourceMap;

fn to_codespan(d: &Diagnostic) -> CsDiagnostic<usize> {
    let severity = match d.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
    };
    let labels = d
        .labels
        .iter()
        .map(|l| {
            let label = if l.primary {
                CsLabel::primary(l.span.file, l.span.start..l.span.end)
            } else {
                CsLabel::secondary(l.span.file, l.span.start..l.span.end)
            };
            label.with_message(&l.message)
        })
        .collect();
    let mut notes = d.notes.clone();
    if let Some(h) = &d.help {
        notes.push(format!("help: {h}"));
    }
    CsDiagnostic::new(severity)
        .with_code(d.code)
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// Renders diagnostics as text, with colour when `out` supports it.
pub fn render_human(
    out: &mut dyn WriteColor,
    sources: &SourceMap,
    diags: &[Diagnostic],
) -> std::io::Result<()> {
    let config = Config::default();
    let styles = term::Styles::default();
    for d in diags {
        let cs = to_codespan(d);
        let mut writer = term::StylesWriter::new(&mut *out, &styles);
        // Keep the I/O error as it is, so a closed pipe stays recognisable to the caller.
        term::emit_to_write_style(&mut writer, &config, sources, &cs).map_err(|e| match e {
            codespan_reporting::files::Error::Io(io) => io,
            other => std::io::Error::other(other),
        })?;
    }
    Ok(())
}

/// Renders diagnostics to a plain string (no colour), as tests and snapshots see them.
pub fn render_plain(sources: &SourceMap, diags: &[Diagnostic]) -> String {
    let mut buf = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
    let _ = render_human(&mut buf, sources, diags);
    String::from_utf8_lossy(&buf.into_inner()).into_owned()
}

fn position(sources: &SourceMap, file: usize, byte: usize) -> (usize, usize) {
    sources.get(file).line_col(byte)
}

/// One JSON object per diagnostic: lines and columns are 1-based, columns in characters.
pub fn diagnostic_json(sources: &SourceMap, d: &Diagnostic) -> Json {
    let primary = d.primary_span();
    let labels: Vec<Json> = d
        .labels
        .iter()
        .map(|l| {
            let (line, column) = position(sources, l.span.file, l.span.start);
            let (end_line, end_column) = position(sources, l.span.file, l.span.end);
            json!({
                "file": sources.get(l.span.file).name,
                "line": line,
                "column": column,
                "end_line": end_line,
                "end_column": end_column,
                "primary": l.primary,
                "message": l.message,
            })
        })
        .collect();
    let mut obj = json!({
        "file": null,
        "line": null,
        "column": null,
        "end_line": null,
        "end_column": null,
        "code": d.code,
        "severity": d.severity.as_str(),
        "message": d.message,
        "labels": labels,
        "notes": d.notes,
        "help": d.help,
    });
    if let Some(span) = primary {
        let (line, column) = position(sources, span.file, span.start);
        let (end_line, end_column) = position(sources, span.file, span.end);
        obj["file"] = json!(sources.get(span.file).name);
        obj["line"] = json!(line);
        obj["column"] = json!(column);
        obj["end_line"] = json!(end_line);
        obj["end_column"] = json!(end_column);
    }
    obj
}

pub fn render_json(sources: &SourceMap, diags: &[Diagnostic]) -> Json {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    json!({
        "diagnostics": diags.iter().map(|d| diagnostic_json(sources, d)).collect::<Vec<_>>(),
        "summary": { "errors": errors, "warnings": diags.len() - errors },
    })
}
