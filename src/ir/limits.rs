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

// ---- Declarations (type checker) ----

/// Most nested scopes a condition may open (the subject, its item, and `任一`/`所有`).
pub const MAX_FRAMES: usize = 8;
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

// ---- Tables (type checker, where the table is declared) ----

/// Most key dimensions a table may have (group keys, rows and columns together). The
/// evaluator gathers a lookup's keys in a fixed buffer of this many.
pub const MAX_TABLE_DIMS: usize = 8;
/// Most cells a table may span: the product of the sizes of its dimensions (values of each
/// key enum, alert levels). Lowering allocates every cell of this product and the analyses
/// walk them; the national grading table spans 126 (7 industries × 6 grades × 3 levels).
pub const MAX_TABLE_CELLS: usize = 1 << 16;
