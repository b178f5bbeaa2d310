//! Diagnostics as SARIF 2.1.0, for code-scanning tools in review pipelines: one run, a rule
//! per stable code (descriptions from `codes.in`), a result per diagnostic with its
//! primary location and secondary labels as related locations. Columns count Unicode code
//! points (`columnKind: unicodeCodePoints`), lines and columns are 1-based, end columns
//! exclusive.

use serde_json::{json, Value as Json};

use crate::diagnostics::{Diagnostic, Severity, CODES};
use crate::source::{SourceMap, Span};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// A file name as a relative URI reference: `/` separators, no leading `./`, and bytes
/// outside the unreserved set percent-encoded.
fn uri(name: &str) -> String {
    let mut path = name.replace('\\', "/");
    if let Ok(cwd) = std::env::current_dir() {
        let cwd = cwd.to_string_lossy().replace('\\', "/");
        if let Some(rest) = path.strip_prefix(&format!("{cwd}/")) {
            path = rest.to_string();
        }
    }
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.to_string();
    }
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn location(sources: &SourceMap, span: Span, message: Option<&str>) -> Json {
    let file = sources.get(span.file);
    let (start_line, start_column) = file.line_col(span.start);
    let (end_line, end_column) = file.line_col(span.end);
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(&file.name) },
            "region": {
                "startLine": start_line,
                "startColumn": start_column,
                "endLine": end_line,
                "endColumn": end_column,
            }
        }
    });
    if let Some(m) = message.filter(|m| !m.is_empty()) {
        loc["message"] = json!({ "text": m });
    }
    loc
}

fn rules() -> Vec<Json> {
    CODES
        .iter()
        .map(|c| {
            let level = c.code.severity().as_str();
            json!({
                "id": c.code,
                "shortDescription": { "text": c.summary },
                "fullDescription": { "text": c.explanation },
                "help": { "text": format!("{}. Run `policyc explain {}` for the explanation; docs/diagnostics.md has an example and the fix.", c.summary, c.code) },
                "defaultConfiguration": { "level": level },
            })
        })
        .collect()
}

fn result(sources: &SourceMap, d: &Diagnostic) -> Json {
    let mut text = d.message.clone();
    for n in &d.notes {
        text.push_str("\nnote: ");
        text.push_str(n);
    }
    if let Some(h) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(h);
    }
    let mut r = json!({
        "ruleId": d.code,
        "level": match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
        "message": { "text": text },
    });
    if let Some(i) = CODES.iter().position(|c| c.code == d.code) {
        r["ruleIndex"] = json!(i);
    }
    let primary = d.labels.iter().find(|l| l.primary);
    if let Some(p) = primary {
        r["locations"] = json!([location(sources, p.span, Some(&p.message))]);
    }
    let related: Vec<Json> = d
        .labels
        .iter()
        .filter(|l| !l.primary)
        .enumerate()
        .map(|(i, l)| {
            let mut loc = location(sources, l.span, Some(&l.message));
            loc["id"] = json!(i);
            loc
        })
        .collect();
    if !related.is_empty() {
        r["relatedLocations"] = json!(related);
    }
    r
}

/// One SARIF log for the diagnostics of several compilations (one per checked file).
pub fn render_sarif(compilations: &[(&SourceMap, &[Diagnostic])]) -> Json {
    let results: Vec<Json> = compilations
        .iter()
        .flat_map(|(sources, diags)| diags.iter().map(|d| result(sources, d)))
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "policyc",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules(),
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}
