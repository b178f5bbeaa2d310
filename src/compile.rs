//! The library's front door: a policy file in, diagnostics and (when clean) a rule set out.

use std::path::Path;

use crate::analysis;
use crate::diagnostics::{self, Code, Diagnostic};
use crate::ir::{self, RuleSet};
use crate::semantics;
pub use crate::semantics::resolve::{DiskLoader, ImportError, ImportLoader, ImportRoot, MapLoader};
use crate::source::SourceMap;

/// Everything one compilation produced.
#[derive(Debug)]
pub struct Compilation {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
    pub rules: Option<RuleSet>,
}

impl Compilation {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses, resolves, type-checks and analyses `path` with its imports; lowers it when no
/// error was found (warnings do not stop lowering).
/// `display_name` is how diagnostics name the entry file. Imports stay inside the default
/// import root of `path` (the nearest directory above it holding `policyc.toml`, else its
/// own directory). An unreadable or refused entry file (not a regular file, over
/// [`crate::limits::MAX_POLICY_BYTES`]) is an I/O error, carrying a
/// [`crate::source::Refusal`] when refused; every problem inside the policy is a diagnostic.
pub fn compile_file(path: &Path, display_name: &str) -> std::io::Result<Compilation> {
    compile_file_in(path, display_name, None)
}

/// As [`compile_file`], with imports confined to `root` when given (`--import-root`).
pub fn compile_file_in(
    path: &Path,
    display_name: &str,
    root: Option<&ImportRoot>,
) -> std::io::Result<Compilation> {
    let (program, diags) = semantics::resolve::load_program_in(path, display_name, root)?;
    Ok(compile_program(program, diags))
}

/// Compiles policy text held in memory, with the current directory as its import root:
/// the same as [`compile_source_in`] with `ImportRoot::current_dir()`.
pub fn compile_source(display_name: &str, text: &str) -> Compilation {
    compile_source_in(display_name, text, &ImportRoot::current_dir())
}

/// Compiles policy text held in memory as if it were the file `display_name` inside `root`:
/// its imports resolve relative to that file's directory and must stay inside `root`
/// (absolute paths, `..` leading out and symbolic links leading out are refused).
pub fn compile_source_in(display_name: &str, text: &str, root: &ImportRoot) -> Compilation {
    let path = root.path().join(display_name);
    let (program, diags) =
        semantics::resolve::load_program_text_in(&path, display_name, text.to_string(), root);
    compile_program(program, diags)
}

/// Compiles policy text held in memory as the file `name`, its imports resolved from that
/// name and read by `loader` (a [`MapLoader`] of sources in memory, a [`DiskLoader`], or
/// the caller's own).
pub fn compile_source_with(name: &str, text: &str, loader: &dyn ImportLoader) -> Compilation {
    let (program, diags) = semantics::resolve::load_program_with(
        std::path::Path::new(name),
        name,
        text.to_string(),
        loader,
    );
    compile_program(program, diags)
}

/// Imports refused by the loader (absolute, outside the root, not a regular file or too
/// large, not policy text): like an unreadable import, the program lacks their declarations.
const IMPORT_REFUSED: &[Code] = &[Code::E0107, Code::E0108, Code::E0109, Code::E0110];

fn compile_program(program: semantics::Program, mut diags: Vec<Diagnostic>) -> Compilation {
    // Syntax codes (E00xx), unreadable or refused imports and import cycles stop here.
    let syntax_failed = diags.iter().any(|d| {
        d.code.is_syntax()
            || matches!(d.code, Code::E0103 | Code::E0104)
            || IMPORT_REFUSED.contains(&d.code)
    });
    let mut checked = None;
    // After a syntax or import error, declarations are missing: type errors would only echo it.
    if !syntax_failed {
        let (c, type_diags) = semantics::check(&program);
        diags.extend(type_diags);
        // The analyses assume a well-typed program: run them only when nothing failed so far.
        if !diags.iter().any(Diagnostic::is_error) {
            diags.extend(analysis::analyse(&c));
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
        rules,
    }
}
