//! The library's front door: a policy file in, diagnostics and (when clean) a rule set out.

use std::path::Path;

use crate::analysis;
use crate::diagnostics::{self, Diagnostic};
use crate::ir::{self, RuleSet};
use crate::semantics::{self, Checked};
use crate::source::SourceMap;

/// Everything one compilation produced.
#[derive(Debug)]
pub struct Compilation {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
    pub checked: Option<Checked>,
    pub rules: Option<RuleSet>,
}

impl Compilation {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses, resolves, type-checks and analyses `path` with its imports; lowers it when no
/// error was found (warnings do not stop lowering).
/// `display_name` is how diagnostics name the entry file. An unreadable entry file is an
/// I/O error; every problem inside the policy is a diagnostic.
pub fn compile_file(path: &Path, display_name: &str) -> std::io::Result<Compilation> {
    let (program, diags) = semantics::load_program(path, display_name)?;
    Ok(compile_program(program, diags))
}

/// Compiles policy text held in memory; imports resolve relative to the current directory.
pub fn compile_source(display_name: &str, text: &str) -> Compilation {
    let path = Path::new(display_name);
    let (program, diags) =
        semantics::resolve::load_program_text(path, display_name, Ok(text.to_string()));
    compile_program(program, diags)
}

fn compile_program(program: semantics::Program, mut diags: Vec<Diagnostic>) -> Compilation {
    let syntax_failed = diags.iter().any(|d| {
        matches!(
            d.code,
            "E0001" | "E0002" | "E0003" | "E0004" | "E0005" | "E0103" | "E0104"
        )
    });
    // Every other syntax code (E00xx: refused characters, condition limits) stops there too.
    let syntax_failed = syntax_failed || diags.iter().any(|d| d.code.starts_with("E00"));
    let mut checked = None;
    // After a syntax or import error, declarations are missing: type errors would only echo it.
    if !syntax_failed {
        let (c, type_diags) = semantics::check(&program);
        diags.extend(type_diags);
        // The analyses assume a well-typed program: run them only when nothing failed so far.
        if !diags.iter().any(Diagnostic::is_error) {
            diags.extend(analysis::analyse(&c, &program));
        }
        checked = Some(c);
    }
    diagnostics::sort(&mut diags);
    diags.dedup();
    let failed = diags.iter().any(Diagnostic::is_error);
    let rules = match (&checked, failed) {
        (Some(c), false) => Some(ir::lower::lower(c)),
        _ => None,
    };
    Compilation {
        sources: program.sources,
        diagnostics: diags,
        checked,
        rules,
    }
}
