//! Resolve: load the entry file and its imports, bind every declaration to its name,
//! and report duplicates, unreadable imports and import cycles.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostics::Diagnostic;
use crate::source::{SourceFile, SourceMap, Span};
use crate::syntax::{self, ast::*};

/// What a top-level name refers to: the module and the declaration's index in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    Enum,
    Entity,
    Restriction,
    Measure,
    Exemption,
    Table,
}

impl SymbolKind {
    pub fn describe(self) -> &'static str {
        match self {
            SymbolKind::Enum => "an enum (枚举)",
            SymbolKind::Entity => "an entity (实体)",
            SymbolKind::Restriction => "a restriction (限制)",
            SymbolKind::Measure => "a measure (措施)",
            SymbolKind::Exemption => "an exemption (豁免)",
            SymbolKind::Table => "a table (表)",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Symbol {
    pub kind: SymbolKind,
    pub module: usize,
    pub index: usize,
    pub span: Span,
}

/// Every file of a policy and the names its declarations bind.
#[derive(Debug, Default)]
pub struct Program {
    pub sources: SourceMap,
    pub modules: Vec<Module>,
    pub symbols: HashMap<String, Symbol>,
    /// Declaration order of symbols, for deterministic iteration.
    pub order: Vec<String>,
    /// The one `预警级别` declaration: (module, index).
    pub levels: Option<(usize, usize)>,
}

impl Program {
    pub fn decl(&self, sym: &Symbol) -> &Decl {
        &self.modules[sym.module].decls[sym.index]
    }

    /// The module of the file that was compiled (its imports come before it).
    pub fn entry(&self) -> Option<&Module> {
        self.modules.iter().find(|m| m.file == 0)
    }

    pub fn levels_decl(&self) -> Option<&LevelsDecl> {
        self.levels
            .and_then(|(m, i)| match &self.modules[m].decls[i] {
                Decl::Levels(l) => Some(l),
                _ => None,
            })
    }

    pub fn lookup(&self, name: &str) -> Option<&Symbol> {
        self.symbols.get(name)
    }
}

/// Reads a policy file as UTF-8; invalid encodings become a diagnostic on the file.
pub fn read_policy_text(path: &Path) -> std::io::Result<Result<String, (usize, String)>> {
    let bytes = std::fs::read(path)?;
    Ok(String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        (
            at,
            String::from_utf8_lossy(&e.into_bytes()[..at]).into_owned(),
        )
    }))
}

fn not_utf8(
    sources: &mut SourceMap,
    name: &str,
    path: &Path,
    valid_prefix: String,
    at: usize,
) -> Diagnostic {
    let id = sources.add(SourceFile::new(name, path, valid_prefix));
    Diagnostic::new("E0003", "the policy file is not valid UTF-8 text")
        .primary(Span::new(id, at, at), format!("invalid UTF-8 at byte {at}"))
        .help("save the policy as UTF-8; policy files are text, not binary or GB18030")
}

/// Loads `entry` and, transitively, its imports. Errors reading the entry itself are I/O
/// errors (the caller exits 2); everything else becomes diagnostics.
pub fn load_program(
    entry: &Path,
    display_name: &str,
) -> std::io::Result<(Program, Vec<Diagnostic>)> {
    let text = read_policy_text(entry)?;
    Ok(load_program_text(entry, display_name, text))
}

/// As [`load_program`], for text already read (`Err` holds the valid UTF-8 prefix of text
/// that is not UTF-8, and the offset of the first bad byte). Imports resolve relative to `entry`.
pub fn load_program_text(
    entry: &Path,
    display_name: &str,
    text: Result<String, (usize, String)>,
) -> (Program, Vec<Diagnostic>) {
    let mut prog = Program::default();
    let mut diags = Vec::new();
    let canonical = entry.canonicalize().unwrap_or_else(|_| entry.to_path_buf());
    match text {
        Ok(text) => {
            let id = prog
                .sources
                .add(SourceFile::new(display_name, &canonical, text));
            let mut stack = vec![canonical];
            load_module(&mut prog, id, &mut stack, &mut diags);
        }
        Err((at, prefix)) => diags.push(not_utf8(
            &mut prog.sources,
            display_name,
            &canonical,
            prefix,
            at,
        )),
    }
    bind_symbols(&mut prog, &mut diags);
    (prog, diags)
}

/// Parses the text held in `sources` for one file, then follows its imports depth first.
fn load_module(
    prog: &mut Program,
    file: usize,
    stack: &mut Vec<PathBuf>,
    diags: &mut Vec<Diagnostic>,
) {
    let module = match syntax::parse_module(file, &prog.sources.get(file).text) {
        Ok(m) => m,
        Err(ds) => {
            diags.extend(ds);
            return;
        }
    };
    let imports: Vec<ImportDecl> = module
        .decls
        .iter()
        .filter_map(|d| match d {
            Decl::Import(i) => Some(i.clone()),
            _ => None,
        })
        .collect();
    let dir = prog
        .sources
        .get(file)
        .path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let importer_name = prog.sources.get(file).name.clone();
    for import in imports {
        let target = dir.join(&import.path.value);
        let canonical = match target.canonicalize() {
            Ok(c) => c,
            Err(e) => {
                diags.push(
                    Diagnostic::new(
                        "E0103",
                        format!("cannot read the imported file `{}`", import.path.value),
                    )
                    .primary(import.path.span, e.to_string())
                    .help(format!(
                        "import paths are relative to the importing file ({importer_name})"
                    )),
                );
                continue;
            }
        };
        if stack.contains(&canonical) {
            diags.push(
                Diagnostic::new(
                    "E0104",
                    format!(
                        "import cycle: `{}` imports a file that imports it",
                        import.path.value
                    ),
                )
                .primary(import.span, "this import closes a cycle")
                .help("move the shared declarations into a file that both import"),
            );
            continue;
        }
        if prog.sources.find_path(&canonical).is_some() {
            continue; // already loaded through another import
        }
        let shown = Path::new(&importer_name)
            .parent()
            .map(|p| normalize(&p.join(&import.path.value)))
            .unwrap_or_else(|| import.path.value.clone());
        match read_policy_text(&canonical) {
            Ok(Ok(text)) => {
                let id = prog.sources.add(SourceFile::new(shown, &canonical, text));
                stack.push(canonical);
                load_module(prog, id, stack, diags);
                stack.pop();
            }
            Ok(Err((at, prefix))) => {
                diags.push(not_utf8(&mut prog.sources, &shown, &canonical, prefix, at))
            }
            Err(e) => diags.push(
                Diagnostic::new(
                    "E0103",
                    format!("cannot read the imported file `{}`", import.path.value),
                )
                .primary(import.path.span, e.to_string())
                .help("check that the path names a readable policy file"),
            ),
        }
    }
    // Imports come before their importer, so a name declared in both is reported on the importer.
    prog.modules.push(module);
}

fn bind_symbols(prog: &mut Program, diags: &mut Vec<Diagnostic>) {
    let mut first_plan: Option<Span> = None;
    for (m, module) in prog.modules.iter().enumerate() {
        for (i, decl) in module.decls.iter().enumerate() {
            let (kind, name) = match decl {
                Decl::Enum(d) => (SymbolKind::Enum, &d.name),
                Decl::Entity(d) => (SymbolKind::Entity, &d.name),
                Decl::Restriction(d) => (SymbolKind::Restriction, &d.name),
                Decl::Measure(d) => (SymbolKind::Measure, &d.name),
                Decl::Exemption(d) => (SymbolKind::Exemption, &d.name),
                Decl::Table(d) => (SymbolKind::Table, &d.name),
                Decl::Levels(l) => {
                    match prog.levels {
                        None => prog.levels = Some((m, i)),
                        Some((pm, pi)) => {
                            let first = match &prog.modules[pm].decls[pi] {
                                Decl::Levels(f) => f.span,
                                _ => l.span,
                            };
                            diags.push(
                                Diagnostic::new("E0102", "alert levels are declared twice")
                                    .primary(l.span, "second `预警级别` declaration")
                                    .secondary(first, "first declared here")
                                    .help("a policy has one ordered set of alert levels; remove one declaration"),
                            );
                        }
                    }
                    continue;
                }
                Decl::Plan(p) => {
                    if module.file == 0 {
                        if let Some(first) = first_plan {
                            diags.push(
                                Diagnostic::new("E0102", "the plan header is declared twice")
                                    .primary(p.span, "second `预案` header")
                                    .secondary(first, "first declared here")
                                    .help("a policy file has one `预案` header"),
                            );
                        }
                        first_plan.get_or_insert(p.span);
                    }
                    continue;
                }
                Decl::Import(_) => continue,
            };
            if let Some(prev) = prog.symbols.get(&name.text) {
                diags.push(
                    Diagnostic::new("E0102", format!("`{}` is defined more than once", name.text))
                        .primary(name.span, format!("defined again here as {}", kind.describe()))
                        .secondary(prev.span, format!("first defined here as {}", prev.kind.describe()))
                        .help("each enum, entity, restriction, measure, exemption and table needs its own name"),
                );
                continue;
            }
            prog.order.push(name.text.clone());
            prog.symbols.insert(
                name.text.clone(),
                Symbol {
                    kind,
                    module: m,
                    index: i,
                    span: name.span,
                },
            );
        }
    }
    diags.extend(super::names::look_alike_names(prog));
}

/// `a/b/../c` → `a/c`, lexically: how an imported file is named in diagnostics.
fn normalize(path: &Path) -> String {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.iter().collect::<PathBuf>().display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("policyc-resolve-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn binds_names_and_reports_duplicates_with_the_first_definition() {
        let (prog, diags) = load_program_text(
            Path::new("a.policy"),
            "a.policy",
            Ok("枚举 甲 { x }\n实体 甲 键 k { k: 文本 }".into()),
        );
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "E0102");
        assert_eq!(
            diags[0].labels.len(),
            2,
            "primary on the second, secondary on the first"
        );
        assert_eq!(prog.lookup("甲").unwrap().kind, SymbolKind::Enum);
    }

    #[test]
    fn follows_imports_once_and_refuses_cycles() {
        let dir = scratch("cycle");
        std::fs::write(
            dir.join("a.policy"),
            "导入 \"b.policy\"\n导入 \"c.policy\"\n枚举 A { x }",
        )
        .unwrap();
        std::fs::write(dir.join("b.policy"), "导入 \"c.policy\"\n枚举 B { x }").unwrap();
        std::fs::write(dir.join("c.policy"), "导入 \"a.policy\"\n枚举 C { x }").unwrap();
        let (prog, diags) = load_program(&dir.join("a.policy"), "a.policy").unwrap();
        assert_eq!(
            prog.sources.files().len(),
            3,
            "c is loaded once though imported twice"
        );
        assert_eq!(diags.iter().map(|d| d.code).collect::<Vec<_>>(), ["E0104"]);
        // imports come before their importer
        assert_eq!(prog.entry().unwrap().file, 0);
        assert_eq!(prog.modules.last().unwrap().file, 0);
    }

    #[test]
    fn normalizes_displayed_import_paths() {
        assert_eq!(normalize(Path::new("a/b/../c/./d.policy")), "a/c/d.policy");
        assert_eq!(normalize(Path::new("../x.policy")), "../x.policy");
    }
}
