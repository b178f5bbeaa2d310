//! Every limit on what policyc accepts, in one place.
//!
//! Each input limit is checked by the stage that first sees the construct, with its own
//! diagnostic or message naming the limit; stages after it rely on the check instead of
//! repeating it. `docs/language.md` lists them for authors. The analysis budgets at the end
//! bound how long an analysis searches; past a budget an analysis answers "don't know"
//! instead of an error.

// ---- Policy text (syntax) ----

/// Deepest bracket nesting accepted; deeper input gets a diagnostic instead of a stack overflow.
pub const MAX_NESTING: usize = 64;
/// Most tests (comparisons, `属于`, `有值`, yes/no fields, quantifier bodies) one condition may
/// hold, bracketed parts included. With [`MAX_CONDITION_NESTING`] it bounds the depth of a
/// condition's tree, on which the type checker, lowering, the analyses, the evaluator and
/// explanations recurse (a chain of `且` is as deep as it is long).
pub const MAX_CONDITION_OPERANDS: usize = 128;
/// Deepest nesting of brackets, `非` (not) and `任一`/`所有` inside one condition.
pub const MAX_CONDITION_NESTING: usize = 32;
/// The deepest a condition's tree can be: what any recursion over conditions may rely on.
pub const MAX_CONDITION_DEPTH: usize = MAX_CONDITION_OPERANDS + MAX_CONDITION_NESTING;

// ---- Declarations (type checker) ----

/// Most nested scopes a condition may open (the subject, its item, and `任一`/`所有`).
pub const MAX_FRAMES: usize = 8;
/// Aggregates one list rule may compute: each is an accumulator per level and group, so
/// the bound keeps a list rule's memory a small multiple of its groups.
pub const MAX_AGGREGATES: usize = 64;
/// Enums and level sets are bit masks.
pub const MAX_VARIANTS: usize = 64;
/// The most restrictions an action can carry (one bit each).
pub const MAX_RESTRICTIONS: usize = 64;

// ---- Data ----

/// The most cells a row may have: past it the sheet is refused (a hostile dimension).
pub const MAX_COLUMNS: u32 = 16_384;

// ---- Analysis budgets ----

/// Search steps allowed per satisfiability question; beyond it the answer is "don't know".
pub const ANALYSIS_BUDGET: usize = 20_000;
/// Nested disjunctions followed at most; beyond it the answer is "don't know".
pub const ANALYSIS_MAX_DEPTH: usize = 256;
/// Combinations enumerated per lookup at most; larger lookups are not analysed.
pub const MAX_COMBINATIONS: usize = 1 << 22;
/// Satisfiability searches per lookup at most; beyond it the rest is left unreported.
pub const MAX_SEARCHES: usize = 50_000;
/// Tables larger than this are not analysed cell by cell.
pub const MAX_ANALYSED_CELLS: usize = 1 << 20;

// ---- Files read whole (loading) ----

/// The most bytes of policy text in one program: the entry file and all its imports
/// together, each file read against what is left. Checked when a file is read (before it
/// is read, from its size, and while it is read, so a file that grows cannot pass); a larger
/// entry file is refused with exit 2, a larger import is `E0109`.
pub const MAX_POLICY_BYTES: u64 = 32 << 20;
/// The most bytes of a compiled rule set file (`policyc compile -o rules.json`) read by
/// `eval` and `map`; a larger one is refused with exit 2.
pub const MAX_RULES_FILE_BYTES: u64 = 256 << 20;

// ---- Rule sets (validation) ----

/// The deepest a condition may nest (connectives, `非` and quantifiers, counted as the tree
/// the evaluator walks): deeper conditions are refused when a rule set is read or validated,
/// so evaluating, explaining or dropping one cannot overflow the stack.
pub const MAX_EXPR_DEPTH: usize = 512;

// ---- Tables (type checker, where the table is declared) ----

/// Most key dimensions a table may have (group keys, rows and columns together), and so the
/// most keys one lookup gives: the evaluator gathers a lookup's keys in a fixed buffer of this
/// many. Checked where a table is declared, and again when a rule set is validated.
pub const MAX_TABLE_DIMS: usize = 8;
/// Most cells a table may span: the product of the sizes of its dimensions (values of each
/// key enum, alert levels). Lowering allocates every cell of this product and the analyses
/// walk them; the national grading table spans 126 (7 industries × 6 grades × 3 levels).
pub const MAX_TABLE_CELLS: usize = 1 << 16;

// ---- Data: cells, records and files read whole (loading) ----
/// The most bytes one cell may hold (a CSV field, a JSON Lines value's text, a workbook
/// cell's text): past it the row is an error. Excel itself holds at most 32,767 characters.
pub const MAX_CELL_BYTES: usize = 1 << 20;
/// The most bytes one record may take in its file (a CSV record, a JSON Lines line): past
/// it the row is an error and the rest of it is read past without being kept, so a row
/// never holds more than this in memory.
pub const MAX_RECORD_BYTES: usize = 16 << 20;
/// The most cells a CSV record may have: past it the row is an error (as past
/// [`MAX_COLUMNS`] in a workbook, which refuses the sheet).
pub const MAX_CELLS_PER_ROW: usize = MAX_COLUMNS as usize;
/// The largest file read whole: a JSON document or a workbook (from a file, a pipe or
/// standard input). A larger one is refused before it is parsed.
pub const MAX_WHOLE_FILE_BYTES: u64 = 512 << 20;
/// The most rows a workbook sheet may have (Excel's own limit): a sheet that numbers a row
/// past it is refused.
pub const MAX_SHEET_ROWS: u64 = 1 << 20;
/// The most bytes one part of a workbook (a sheet, the shared strings) may decompress to,
/// and all parts together: past it the workbook is refused before its cells are read.
pub const MAX_PART_BYTES: u64 = 2 << 30;
/// The most a part of a workbook larger than 1 MiB may grow when decompressed (its declared
/// size over its compressed size): past it the part is a compression bomb.
pub const MAX_COMPRESSION_RATIO: u64 = 500;
/// How many characters of a cell an error message echoes; a longer text is cut, with an
/// ellipsis and its full length.
pub const ECHO_CHARS: usize = 80;
