//! Resolve: load the entry file and its imports, bind every declaration to its name,
//! and report duplicates, unreadable imports and import cycles.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::diagnostics::{Code, Diagnostic};
use crate::limits::MAX_POLICY_BYTES;
use crate::source::{read_regular, refusal, Refusal, SourceFile, SourceMap, Span};
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
    Rule,
    Public,
    Model,
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
            SymbolKind::Rule => "a rule (规则)",
            SymbolKind::Public => "a disclosure (公开)",
            SymbolKind::Model => "a reduction model (减排模型)",
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

/// The directory every import must stay inside. It is canonical, and each import is
/// canonicalised before it is compared with it, so a symbolic link cannot lead out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRoot {
    dir: PathBuf,
}

impl ImportRoot {
    /// The file whose presence marks a project's top directory: the default import root of
    /// every policy below it. policyc never reads it (its content is for people).
    pub const MARKER: &'static str = "policyc.toml";

    /// `dir`, canonicalised: an error when it does not exist or is not a directory.
    pub fn new(dir: &Path) -> std::io::Result<ImportRoot> {
        let dir = dir.canonicalize()?;
        if !dir.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotADirectory,
                "not a directory",
            ));
        }
        Ok(ImportRoot { dir })
    }

    /// The default root of an entry file: the nearest directory at or above the entry's own
    /// (links resolved) that holds a [`Self::MARKER`] file, else the entry's own directory.
    pub fn for_entry(entry: &Path) -> ImportRoot {
        let canonical = entry
            .canonicalize()
            .or_else(|_| std::path::absolute(entry))
            .unwrap_or_else(|_| entry.to_path_buf());
        let own = canonical
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let dir = own
            .ancestors()
            .find(|d| std::fs::metadata(d.join(Self::MARKER)).is_ok_and(|m| m.is_file()))
            .map(Path::to_path_buf)
            .unwrap_or(own);
        ImportRoot { dir }
    }

    /// The current directory, the root of policy text compiled from memory by
    /// [`crate::compile::compile_source`].
    pub fn current_dir() -> ImportRoot {
        ImportRoot::new(Path::new(".")).unwrap_or_else(|_| ImportRoot {
            dir: PathBuf::from("."),
        })
    }

    /// The directory, canonical.
    pub fn path(&self) -> &Path {
        &self.dir
    }
}

/// Why a file's bytes are not policy text. Its text is then never shown: a diagnostic names
/// the file and says what is wrong, without an excerpt (it may be a secret, such as the
/// process environment in `/proc/self/environ`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NotPolicy {
    NotUtf8 { at: usize, line: usize },
    Binary { line: usize },
    NoDeclaration,
}

/// The spellings of the declaration keywords a policy file starts with (after whitespace and
/// comments): the declarations of the keyword table.
fn declaration_keywords() -> impl Iterator<Item = &'static str> {
    crate::keywords::declarations().flat_map(|k| k.spellings())
}

/// Whether the first token after whitespace and comments is a declaration keyword; `None`
/// for a file of only whitespace and comments (the parser reports it as declaring nothing).
fn starts_with_declaration(text: &str) -> Option<bool> {
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches([' ', '\t', '\r', '\n', '\u{3000}', '\u{FEFF}']);
        if let Some(r) = rest.strip_prefix("//") {
            rest = r.find(['\n', '\r']).map_or("", |i| &r[i..]);
        } else if let Some(r) = rest.strip_prefix("/*") {
            match r.find("*/") {
                Some(i) => rest = &r[i + 2..],
                None => return Some(false),
            }
        } else {
            break;
        }
    }
    if rest.is_empty() {
        return None;
    }
    Some(declaration_keywords().any(|k| {
        rest.strip_prefix(k)
            .is_some_and(|after| !after.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
    }))
}

/// A file's bytes as policy text, or why they are not.
fn policy_text(bytes: Vec<u8>) -> Result<String, NotPolicy> {
    let line_of = |b: &[u8], at: usize| b[..at].iter().filter(|&&c| c == b'\n').count() + 1;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        NotPolicy::NotUtf8 {
            at,
            line: line_of(e.as_bytes(), at),
        }
    })?;
    if let Some(at) = memchr::memchr(0, text.as_bytes()) {
        return Err(NotPolicy::Binary {
            line: line_of(text.as_bytes(), at),
        });
    }
    if starts_with_declaration(&text) == Some(false) {
        return Err(NotPolicy::NoDeclaration);
    }
    Ok(text)
}

const NOT_POLICY_HELP: &str = "a policy file is UTF-8 text starting with a declaration (`预案`, `导入`, `预警级别`, `枚举`, `实体`, `限制`, `措施`, `豁免`, `规则`, `公开`, `减排模型`, `表`); the text of a file that is not is never shown";

/// The diagnostic for an entry file that is not policy text. The file is registered without
/// its text, so no renderer can show an excerpt of it.
fn not_policy_entry(
    sources: &mut SourceMap,
    name: &str,
    path: &Path,
    why: NotPolicy,
) -> Diagnostic {
    // Blank lines up to the line at fault keep its line number right (for editors and SARIF)
    // while nothing of the file can be shown.
    let line = match why {
        NotPolicy::NotUtf8 { line, .. } | NotPolicy::Binary { line } => line,
        NotPolicy::NoDeclaration => 1,
    };
    let blank = "\n".repeat(line - 1);
    let end = blank.len();
    let id = sources.add(SourceFile::new(name, path, blank));
    let at = Span::new(id, end, end);
    match why {
        NotPolicy::NotUtf8 { at: byte, line } => {
            Diagnostic::new(Code::E0003, "the policy file is not valid UTF-8 text")
                .primary(
                    at,
                    format!("invalid UTF-8 at byte {byte} (line {line}); the text is not shown"),
                )
                .help("save the policy as UTF-8; policy files are text, not binary or GB18030")
        }
        NotPolicy::Binary { line } => Diagnostic::new(
            Code::E0110,
            format!("`{name}` is not policy text: it holds binary data"),
        )
        .primary(
            at,
            format!("a NUL byte on line {line}; the text is not shown"),
        )
        .help(NOT_POLICY_HELP),
        NotPolicy::NoDeclaration => Diagnostic::new(
            Code::E0110,
            format!("`{name}` is not policy text: it does not start with a declaration"),
        )
        .primary(at, "no declaration at the start; the text is not shown")
        .help(NOT_POLICY_HELP),
    }
}

/// The diagnostic for an import that is not policy text: on the import, in the importer.
fn not_policy_import(import: &ImportDecl, shown: &str, why: NotPolicy) -> Diagnostic {
    match why {
        NotPolicy::NotUtf8 { at, line } => Diagnostic::new(
            Code::E0003,
            format!("the imported file `{shown}` is not valid UTF-8 text"),
        )
        .primary(
            import.path.span,
            format!("invalid UTF-8 at byte {at} (line {line}) of that file; its text is not shown"),
        )
        .help("save the policy as UTF-8; policy files are text, not binary or GB18030"),
        NotPolicy::Binary { line } => Diagnostic::new(
            Code::E0110,
            format!("the imported file `{shown}` is not policy text: it holds binary data"),
        )
        .primary(
            import.path.span,
            format!("a NUL byte on line {line} of that file; its text is not shown"),
        )
        .help(NOT_POLICY_HELP),
        NotPolicy::NoDeclaration => Diagnostic::new(
            Code::E0110,
            format!(
                "the imported file `{shown}` is not policy text: it does not start with a declaration"
            ),
        )
        .primary(import.path.span, "imported here; its text is not shown")
        .help(NOT_POLICY_HELP),
    }
}

/// Why an import could not be loaded, as an [`ImportLoader`] reports it. Each becomes a
/// diagnostic on the import, in the importing file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    /// The path is absolute; imports are written relative to the importing file.
    Absolute,
    /// The path leads outside what the loader serves (its import root); `through_link` when
    /// only a symbolic link on the path leads out.
    OutsideRoot {
        /// The path is inside lexically; a symbolic link on it leads out.
        through_link: bool,
    },
    /// No file at that path (the reason, in words).
    NotFound(String),
    /// The file is there but cannot be read (the reason, in words).
    Unreadable(String),
    /// Refused before reading: not a regular file but what `kind` says (`a directory`, …).
    NotRegular {
        /// What the file is, in words.
        kind: &'static str,
    },
    /// Larger than the `limit` bytes of policy text left for the policy and its imports.
    TooLarge {
        /// The bytes that were left.
        limit: u64,
    },
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::Absolute => f.write_str("the import path is absolute"),
            ImportError::OutsideRoot { .. } => f.write_str("the import is outside the import root"),
            ImportError::NotFound(why) | ImportError::Unreadable(why) => f.write_str(why),
            ImportError::NotRegular { kind } => write!(f, "not a regular file but {kind}"),
            ImportError::TooLarge { limit } => {
                write!(f, "larger than the {limit} bytes of policy text left")
            }
        }
    }
}

impl std::error::Error for ImportError {}

/// Where a policy's imports come from: the file an import names, and its text.
///
/// Files are named by paths: the entry file's path is the name it is compiled under, an
/// import's is what [`resolve`](Self::resolve) returns. Two imports of one file must resolve
/// to the same path (it is how a file imported twice is loaded once and a cycle is found);
/// nothing is read for an import that closes a cycle or was loaded before.
pub trait ImportLoader {
    /// The file the import `import` (as written) of the file `importer` names.
    fn resolve(&self, importer: &Path, import: &str) -> Result<PathBuf, ImportError>;

    /// The bytes of `file` (a path [`resolve`](Self::resolve) returned, or the entry's),
    /// at most `limit` of them: more is [`ImportError::TooLarge`]. The compiler checks that
    /// they are UTF-8 policy text.
    fn read(&self, file: &Path, limit: u64) -> Result<Vec<u8>, ImportError>;
}

/// Imports read from disk, relative to the importing file and confined to an
/// [`ImportRoot`]: absolute paths, `..` leading out and symbolic links leading out are
/// refused; only regular files are read, with a bound.
#[derive(Debug, Clone)]
pub struct DiskLoader {
    root: ImportRoot,
}

impl DiskLoader {
    /// Imports confined to `root`.
    pub fn new(root: ImportRoot) -> DiskLoader {
        DiskLoader { root }
    }

    /// The import root.
    pub fn root(&self) -> &ImportRoot {
        &self.root
    }
}

impl ImportLoader for DiskLoader {
    fn resolve(&self, importer: &Path, import: &str) -> Result<PathBuf, ImportError> {
        let written = Path::new(import);
        if written.has_root() || written.is_absolute() {
            return Err(ImportError::Absolute);
        }
        let dir = importer.parent().map(Path::to_path_buf).unwrap_or_default();
        let target = dir.join(written);
        // Lexically first, so that nothing outside the root is even looked at.
        if !Path::new(&normalize(&target)).starts_with(self.root.path()) {
            return Err(ImportError::OutsideRoot {
                through_link: false,
            });
        }
        let canonical = target
            .canonicalize()
            .map_err(|e| ImportError::NotFound(e.to_string()))?;
        if !canonical.starts_with(self.root.path()) {
            return Err(ImportError::OutsideRoot { through_link: true });
        }
        Ok(canonical)
    }

    fn read(&self, file: &Path, limit: u64) -> Result<Vec<u8>, ImportError> {
        read_regular(file, limit).map_err(|e| match refusal(&e) {
            Some(Refusal::NotRegular(kind)) => ImportError::NotRegular {
                kind: kind.describe(),
            },
            Some(Refusal::TooLarge { limit }) => ImportError::TooLarge { limit },
            None => ImportError::Unreadable(e.to_string()),
        })
    }
}

/// Policy text held in memory, by file name (`plan/main.policy`, `national/grading.policy`):
/// an import names the file at its path relative to the importing file's directory (`..`
/// within the names, never above them); nothing is read from disk.
#[derive(Debug, Clone, Default)]
pub struct MapLoader {
    files: HashMap<PathBuf, String>,
}

impl MapLoader {
    /// No files.
    pub fn new() -> MapLoader {
        MapLoader::default()
    }

    /// Adds (or replaces) the file `name` with its text; returns the loader, for chaining.
    pub fn with(mut self, name: &str, text: impl Into<String>) -> MapLoader {
        self.insert(name, text);
        self
    }

    /// Adds (or replaces) the file `name` with its text.
    pub fn insert(&mut self, name: &str, text: impl Into<String>) {
        self.files
            .insert(PathBuf::from(normalize(Path::new(name))), text.into());
    }

    /// The text of the file `name`, if the loader holds it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.files
            .get(Path::new(&normalize(Path::new(name))))
            .map(String::as_str)
    }
}

impl ImportLoader for MapLoader {
    fn resolve(&self, importer: &Path, import: &str) -> Result<PathBuf, ImportError> {
        let written = Path::new(import);
        if written.has_root() || written.is_absolute() {
            return Err(ImportError::Absolute);
        }
        let dir = importer.parent().map(Path::to_path_buf).unwrap_or_default();
        let target = PathBuf::from(normalize(&dir.join(written)));
        if target
            .components()
            .next()
            .is_some_and(|c| c == std::path::Component::ParentDir)
        {
            return Err(ImportError::OutsideRoot {
                through_link: false,
            });
        }
        if !self.files.contains_key(&target) {
            return Err(ImportError::NotFound(format!(
                "no file `{}` among the sources given",
                target.display()
            )));
        }
        Ok(target)
    }

    fn read(&self, file: &Path, limit: u64) -> Result<Vec<u8>, ImportError> {
        let text = self
            .files
            .get(file)
            .ok_or_else(|| ImportError::NotFound(format!("no file `{}`", file.display())))?;
        if text.len() as u64 > limit {
            return Err(ImportError::TooLarge { limit });
        }
        Ok(text.as_bytes().to_vec())
    }
}

/// Loads `entry` and, transitively, its imports, confined to the default import root of
/// `entry` ([`ImportRoot::for_entry`]). Errors reading the entry itself are I/O errors (the
/// caller exits 2; a refused file carries a [`crate::source::Refusal`]); everything else
/// becomes diagnostics.
#[cfg(test)]
pub fn load_program(
    entry: &Path,
    display_name: &str,
) -> std::io::Result<(Program, Vec<Diagnostic>)> {
    load_program_in(entry, display_name, None)
}

/// As [`load_program`], with imports confined to `root` when given.
pub fn load_program_in(
    entry: &Path,
    display_name: &str,
    root: Option<&ImportRoot>,
) -> std::io::Result<(Program, Vec<Diagnostic>)> {
    let bytes = read_regular(entry, MAX_POLICY_BYTES)?;
    let loader = DiskLoader::new(
        root.cloned()
            .unwrap_or_else(|| ImportRoot::for_entry(entry)),
    );
    let budget = MAX_POLICY_BYTES - bytes.len() as u64;
    let canonical = entry.canonicalize().unwrap_or_else(|_| entry.to_path_buf());
    Ok(load_from(
        &canonical,
        display_name,
        policy_text(bytes),
        &loader,
        budget,
    ))
}

/// As [`load_program`], for text already read. Imports resolve relative to `entry`, confined
/// to its default import root.
#[cfg(test)]
pub fn load_program_text(
    entry: &Path,
    display_name: &str,
    text: String,
) -> (Program, Vec<Diagnostic>) {
    load_program_text_in(entry, display_name, text, &ImportRoot::for_entry(entry))
}

/// As [`load_program_text`], with imports confined to `root`.
pub fn load_program_text_in(
    entry: &Path,
    display_name: &str,
    text: String,
    root: &ImportRoot,
) -> (Program, Vec<Diagnostic>) {
    let canonical = entry.canonicalize().unwrap_or_else(|_| entry.to_path_buf());
    load_program_with(
        &canonical,
        display_name,
        text,
        &DiskLoader::new(root.clone()),
    )
}

/// Loads the entry file `entry` (its text already read) and, transitively, its imports
/// through `loader`: `entry` is the path the loader resolves the entry's imports from.
pub fn load_program_with(
    entry: &Path,
    display_name: &str,
    text: String,
    loader: &dyn ImportLoader,
) -> (Program, Vec<Diagnostic>) {
    let budget = MAX_POLICY_BYTES.saturating_sub(text.len() as u64);
    load_from(
        entry,
        display_name,
        policy_text(text.into_bytes()),
        loader,
        budget,
    )
}

fn load_from(
    entry: &Path,
    display_name: &str,
    text: Result<String, NotPolicy>,
    loader: &dyn ImportLoader,
    budget: u64,
) -> (Program, Vec<Diagnostic>) {
    let mut prog = Program::default();
    let mut diags = Vec::new();
    match text {
        Ok(text) => {
            let id = prog.sources.add(SourceFile::new(display_name, entry, text));
            let mut loader = Loader {
                prog: &mut prog,
                diags: &mut diags,
                files: loader,
                budget,
                loaded: HashSet::new(),
                open: HashSet::new(),
            };
            loader.load_tree(id);
        }
        Err(why) => diags.push(not_policy_entry(
            &mut prog.sources,
            display_name,
            entry,
            why,
        )),
    }
    bind_symbols(&mut prog, &mut diags);
    (prog, diags)
}

/// A file being loaded: its parsed module and the imports still to follow.
struct Pending {
    file: usize,
    module: Module,
    imports: Vec<ImportDecl>,
    next: usize,
}

/// Follows imports depth first with an explicit stack (a long chain of imports cannot
/// overflow the call stack), through the import loader and within the policy-text budget.
struct Loader<'a> {
    prog: &'a mut Program,
    diags: &'a mut Vec<Diagnostic>,
    files: &'a dyn ImportLoader,
    /// Bytes of policy text still allowed ([`MAX_POLICY_BYTES`] for all files together).
    budget: u64,
    /// Paths of the files loaded so far, as the loader names them.
    loaded: HashSet<PathBuf>,
    /// Paths of the files on the way from the entry to the current importer.
    open: HashSet<PathBuf>,
}

impl Loader<'_> {
    fn load_tree(&mut self, entry: usize) {
        self.loaded
            .insert(self.prog.sources.get(entry).path.clone());
        let mut stack: Vec<Pending> = Vec::new();
        self.push(&mut stack, entry);
        while let Some(top) = stack.last_mut() {
            let Some(import) = top.imports.get(top.next).cloned() else {
                // Imports come before their importer, so a name declared in both is
                // reported on the importer.
                let done = stack.pop().expect("the stack is not empty");
                self.open.remove(&self.prog.sources.get(done.file).path);
                self.prog.modules.push(done.module);
                continue;
            };
            top.next += 1;
            let importer = top.file;
            if let Some(id) = self.import(importer, &import) {
                self.push(&mut stack, id);
            }
        }
    }

    /// Parses a loaded file and, when it parsed, puts it on the stack to follow its imports.
    fn push(&mut self, stack: &mut Vec<Pending>, file: usize) {
        if let Some(p) = self.parse(file) {
            self.open.insert(self.prog.sources.get(file).path.clone());
            stack.push(p);
        }
    }

    /// Parses one loaded file; its syntax errors become diagnostics.
    fn parse(&mut self, file: usize) -> Option<Pending> {
        match syntax::parse_module(file, &self.prog.sources.get(file).text) {
            Ok(module) => {
                let imports = module
                    .decls
                    .iter()
                    .filter_map(|d| match d {
                        Decl::Import(i) => Some(i.clone()),
                        _ => None,
                    })
                    .collect();
                Some(Pending {
                    file,
                    module,
                    imports,
                    next: 0,
                })
            }
            Err(ds) => {
                self.diags.extend(ds);
                None
            }
        }
    }

    /// Finds, checks and reads one import of `importer`; the new file's id when it is to be
    /// parsed (not when it failed, closes a cycle or was loaded before).
    fn import(&mut self, importer: usize, import: &ImportDecl) -> Option<usize> {
        let value = &import.path.value;
        let importer_file = self.prog.sources.get(importer);
        let importer_name = importer_file.name.clone();
        let file = match self.files.resolve(&importer_file.path, value) {
            Ok(file) => file,
            Err(e) => {
                self.diags.push(import_error(import, &importer_name, e));
                return None;
            }
        };
        if self.open.contains(&file) {
            self.diags.push(
                Diagnostic::new(
                    Code::E0104,
                    format!("import cycle: `{value}` imports a file that imports it"),
                )
                .primary(import.span, "this import closes a cycle")
                .help("move the shared declarations into a file that both import"),
            );
            return None;
        }
        if self.loaded.contains(&file) {
            return None; // already loaded through another import
        }
        let shown = Path::new(&importer_name)
            .parent()
            .map(|p| normalize(&p.join(value)))
            .unwrap_or_else(|| value.clone());
        let bytes = match self.files.read(&file, self.budget) {
            // The bound holds whatever the loader does.
            Ok(b) if b.len() as u64 > self.budget => {
                let limit = self.budget;
                self.diags.push(import_error(
                    import,
                    &importer_name,
                    ImportError::TooLarge { limit },
                ));
                return None;
            }
            Ok(b) => b,
            Err(e) => {
                self.diags.push(import_error(import, &importer_name, e));
                return None;
            }
        };
        self.budget -= bytes.len() as u64;
        match policy_text(bytes) {
            Ok(text) => {
                self.loaded.insert(file.clone());
                Some(self.prog.sources.add(SourceFile::new(shown, &file, text)))
            }
            Err(why) => {
                self.diags.push(not_policy_import(import, &shown, why));
                None
            }
        }
    }
}

/// The diagnostic for an import its loader could not resolve or read.
fn import_error(import: &ImportDecl, importer_name: &str, e: ImportError) -> Diagnostic {
    let value = &import.path.value;
    match e {
        ImportError::Absolute => {
            Diagnostic::new(Code::E0107, format!("the import path `{value}` is absolute"))
                .primary(import.path.span, "an absolute path")
                .help(format!(
                    "write the path relative to the importing file ({importer_name}); imports stay inside the project's import root"
                ))
        }
        ImportError::OutsideRoot { through_link } => outside_root(
            import,
            if through_link {
                "a symbolic link on this path leads outside the import root"
            } else {
                "this path leads outside the import root"
            },
        ),
        ImportError::NotFound(why) => Diagnostic::new(
            Code::E0103,
            format!("cannot read the imported file `{value}`"),
        )
        .primary(import.path.span, why)
        .help(format!(
            "import paths are relative to the importing file ({importer_name})"
        )),
        ImportError::Unreadable(why) => Diagnostic::new(
            Code::E0103,
            format!("cannot read the imported file `{value}`"),
        )
        .primary(import.path.span, why)
        .help("check that the path names a readable policy file"),
        ImportError::NotRegular { kind } => refused_import(value)
            .primary(import.path.span, format!("not a regular file but {kind}"))
            .help("import a policy file; a pipe, a device or a directory is never read"),
        ImportError::TooLarge { limit } => refused_import(value)
            .primary(
                import.path.span,
                format!("larger than the {limit} bytes of policy text left"),
            )
            .help(format!(
                "a policy and its imports hold at most {MAX_POLICY_BYTES} bytes of text together; check that the path names a policy file"
            )),
    }
}

fn outside_root(import: &ImportDecl, label: &str) -> Diagnostic {
    Diagnostic::new(
        Code::E0108,
        format!(
            "the import `{}` is outside the import root",
            import.path.value
        ),
    )
    .primary(import.path.span, label)
    .help(format!(
        "imports stay inside the import root: the nearest directory above the policy that holds `{}`, else the policy's own directory; `--import-root DIR` sets another",
        ImportRoot::MARKER
    ))
}

fn refused_import(value: &str) -> Diagnostic {
    Diagnostic::new(
        Code::E0109,
        format!("the imported file `{value}` is refused before reading"),
    )
}

#[cfg(test)]
mod loading_tests {
    use super::*;

    /// A fresh directory outside any project (no `policyc.toml` above it).
    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("policyc-loading-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.canonicalize().unwrap()
    }

    fn codes(diags: &[Diagnostic]) -> Vec<Code> {
        diags.iter().map(|d| d.code).collect()
    }

    #[test]
    fn the_root_is_the_nearest_marker_else_the_entry_directory() {
        let top = scratch("marker");
        std::fs::create_dir_all(top.join("a/b")).unwrap();
        std::fs::write(top.join("a/b/p.policy"), "枚举 甲 { x }").unwrap();
        assert_eq!(
            ImportRoot::for_entry(&top.join("a/b/p.policy")).path(),
            top.join("a/b")
        );
        std::fs::write(top.join(ImportRoot::MARKER), "# marker").unwrap();
        assert_eq!(ImportRoot::for_entry(&top.join("a/b/p.policy")).path(), top);
        // A directory of the marker's name is no marker.
        std::fs::create_dir_all(top.join("a").join(ImportRoot::MARKER)).unwrap();
        assert_eq!(ImportRoot::for_entry(&top.join("a/b/p.policy")).path(), top);
        assert!(ImportRoot::new(&top.join("a/b/p.policy")).is_err());
        assert!(ImportRoot::new(&top.join("no-such-dir")).is_err());
    }

    #[test]
    fn imports_outside_the_root_are_refused_without_reading() {
        let top = scratch("outside");
        std::fs::create_dir_all(top.join("plan")).unwrap();
        std::fs::write(top.join("secret.policy"), "枚举 秘密 { x }").unwrap();
        let entry = top.join("plan/p.policy");
        for (import, code) in [
            ("../secret.policy", Code::E0108),
            ("sub/../../secret.policy", Code::E0108),
            ("/etc/passwd", Code::E0107),
            ("../no-such.policy", Code::E0108), // refused before it is looked for
        ] {
            std::fs::write(&entry, format!("导入 \"{import}\"")).unwrap();
            let (prog, diags) = load_program(&entry, "p.policy").unwrap();
            assert_eq!(codes(&diags), [code], "{import}");
            assert_eq!(
                prog.sources.files().len(),
                1,
                "{import}: nothing else loaded"
            );
        }
        // The same import from a root that holds both is followed.
        std::fs::write(&entry, "导入 \"../secret.policy\"").unwrap();
        let root = ImportRoot::new(&top).unwrap();
        let (prog, diags) = load_program_in(&entry, "p.policy", Some(&root)).unwrap();
        assert!(diags.is_empty(), "{diags:?}");
        assert!(prog.lookup("秘密").is_some());
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_cannot_lead_out_of_the_root() {
        let top = scratch("link");
        std::fs::create_dir_all(top.join("plan")).unwrap();
        std::fs::write(top.join("secret.policy"), "枚举 秘密 { x }").unwrap();
        std::os::unix::fs::symlink(top.join("secret.policy"), top.join("plan/s.policy")).unwrap();
        std::os::unix::fs::symlink(&top, top.join("plan/up")).unwrap();
        let entry = top.join("plan/p.policy");
        for import in ["s.policy", "up/secret.policy"] {
            std::fs::write(&entry, format!("导入 \"{import}\"")).unwrap();
            let (_, diags) = load_program(&entry, "p.policy").unwrap();
            assert_eq!(codes(&diags), [Code::E0108], "{import}");
        }
    }

    #[test]
    fn text_that_is_not_policy_text_is_never_kept() {
        assert_eq!(
            starts_with_declaration("  // c\n/* d */ 措施 甲"),
            Some(true)
        );
        assert_eq!(starts_with_declaration("\u{FEFF}import \"x\""), Some(true));
        assert_eq!(starts_with_declaration("表格 x"), Some(false));
        assert_eq!(starts_with_declaration("PATH=/usr/bin"), Some(false));
        assert_eq!(starts_with_declaration("/* never closed 措施"), Some(false));
        assert_eq!(starts_with_declaration(" // only a comment"), None);
        assert_eq!(
            policy_text(b"A=1\0B=2".to_vec()),
            Err(NotPolicy::Binary { line: 1 })
        );
        assert_eq!(
            policy_text(b"\xe9t\xe9".to_vec()),
            Err(NotPolicy::NotUtf8 { at: 0, line: 1 })
        );
        // The entry's text is not registered: nothing can be echoed.
        let (prog, diags) =
            load_program_text(Path::new("env"), "env", "SECRET=do-not-print\n".into());
        assert_eq!(codes(&diags), [Code::E0110]);
        assert!(prog
            .sources
            .files()
            .iter()
            .all(|f| !f.text.contains("SECRET")));
    }

    #[test]
    fn a_long_chain_of_imports_does_not_exhaust_the_stack() {
        let top = scratch("chain");
        let n = 3000;
        for i in 0..n {
            let text = if i + 1 < n {
                format!("导入 \"f{}.policy\"\n枚举 E{i} {{ x }}", i + 1)
            } else {
                format!("枚举 E{i} {{ x }}")
            };
            std::fs::write(top.join(format!("f{i}.policy")), text).unwrap();
        }
        // A test thread's stack is 2 MiB: recursion per import would overflow it.
        let (prog, diags) = load_program(&top.join("f0.policy"), "f0.policy").unwrap();
        assert!(diags.is_empty(), "{:?}", codes(&diags));
        assert_eq!(prog.modules.len(), n);
        assert_eq!(prog.modules.last().unwrap().file, 0, "importers come last");
    }
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
                Decl::Rule(d) => (SymbolKind::Rule, &d.name),
                Decl::Public(d) => (SymbolKind::Public, &d.name),
                Decl::Model(d) => (SymbolKind::Model, &d.name),
                Decl::Levels(l) => {
                    match prog.levels {
                        None => prog.levels = Some((m, i)),
                        Some((pm, pi)) => {
                            let first = match &prog.modules[pm].decls[pi] {
                                Decl::Levels(f) => f.span,
                                _ => l.span,
                            };
                            diags.push(
                                Diagnostic::new(Code::E0102, "alert levels are declared twice")
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
                                Diagnostic::new(Code::E0102, "the plan header is declared twice")
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
                    Diagnostic::new(Code::E0102, format!("`{}` is defined more than once", name.text))
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
            "枚举 甲 { x }\n实体 甲 键 k { k: 文本 }".into(),
        );
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, Code::E0102);
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
        assert_eq!(
            diags.iter().map(|d| d.code).collect::<Vec<_>>(),
            [Code::E0104]
        );
        // imports come before their importer
        assert_eq!(prog.entry().unwrap().file, 0);
        assert_eq!(prog.modules.last().unwrap().file, 0);
    }

    #[test]
    fn normalizes_displayed_import_paths() {
        assert_eq!(normalize(Path::new("a/b/../c/./d.policy")), "a/c/d.policy");
        assert_eq!(normalize(Path::new("../x.policy")), "../x.policy");
    }

    #[test]
    fn the_not_policy_help_names_the_declaration_keywords() {
        let listed = format!("({})", crate::keywords::declaration_list(", "));
        assert!(NOT_POLICY_HELP.contains(&listed), "{NOT_POLICY_HELP}");
        for text in ["预警级别 { 黄 }", "plan \"x\" {}", "/* c */ 表 t (级别) {}"] {
            assert_eq!(starts_with_declaration(text), Some(true), "{text}");
        }
        for text in ["预案甲", "tables", "级别", "cite \"x\""] {
            assert_eq!(starts_with_declaration(text), Some(false), "{text}");
        }
    }
}
