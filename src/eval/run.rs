//! Evaluating whole inputs: records stream in batches, are decided in parallel, and are
//! written in input order. Memory holds one batch, not the input.

use std::io::Write;

use rayon::prelude::*;

use super::census::{Census, CensusReport, CensusRun};
use super::{Decision, EvalError, Evaluator};
use crate::data::source::{Item, LoadError, RecordSource};
use crate::data::{LoadedRecord, RowError};
use crate::ir::LevelId;

/// Records per batch read from the source.
pub const BATCH: usize = 8192;
/// Records per unit of parallel work within a batch.
const CHUNK: usize = 256;

/// Records read = evaluated + failed + skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub records: usize,
    pub evaluated: usize,
    pub failed: usize,
    /// Rows that hold no record (blank, totals, items of a failed parent).
    pub skipped: usize,
}

/// An error shown in the output: a row that did not load, or a record whose evaluation
/// stopped at a level.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorEntry {
    pub error: RowError,
    pub level: Option<usize>,
}

/// How decisions are written. Implementations format into byte buffers from several
/// threads at once; the driver writes the buffers in input order.
pub trait OutputFormat: Sync {
    /// Written once, before anything else.
    fn begin(&self, _out: &mut Vec<u8>) {}
    /// Bytes every result starts with; the driver drops them before the very first result.
    fn separator(&self) -> &'static [u8] {
        b""
    }
    /// One record at one level.
    fn result(&self, out: &mut Vec<u8>, rec: &LoadedRecord, level: usize, decision: &Decision);
    /// An error, where the format shows errors among the results (starts with the separator too).
    fn inline_error(&self, _out: &mut Vec<u8>, _error: &ErrorEntry) {}
    /// Written once at the end, with every error in input order, the warnings, the counts
    /// and, when one was asked for, the census.
    fn end(
        &self,
        out: &mut Vec<u8>,
        errors: &[ErrorEntry],
        warnings: &[String],
        counts: &Counts,
        census: Option<&CensusReport>,
    );
}

#[derive(Debug)]
pub enum RunError {
    Load(LoadError),
    Io(std::io::Error),
}

impl From<std::io::Error> for RunError {
    fn from(e: std::io::Error) -> Self {
        RunError::Io(e)
    }
}

/// What a run does with each record it reads, and how it writes what it finds: deciding
/// ([`run`]) or auditing (`crate::audit`). The driver ([`stream`]) is the same for both.
pub trait Job: Sync {
    /// Per-chunk scratch space, reused from batch to batch so the steady state allocates
    /// nothing.
    type Scratch: Default + Send;
    /// Written once, before anything else.
    fn begin(&self, _out: &mut Vec<u8>) {}
    /// Bytes every result starts with; the driver drops them before the very first result.
    fn separator(&self) -> &'static [u8] {
        b""
    }
    /// One record: writes its results to `out` and pushes its errors; whether it succeeded.
    fn record(
        &self,
        scratch: &mut Self::Scratch,
        out: &mut Vec<u8>,
        errors: &mut Vec<ErrorEntry>,
        rec: &LoadedRecord,
    ) -> bool;
    /// A row that did not load, where the output shows errors among the results.
    fn inline_error(&self, _out: &mut Vec<u8>, _error: &ErrorEntry) {}
    /// Called with each chunk's scratch after its batch, in input order, on one thread:
    /// where a job gathers what its chunks counted.
    fn merge(&self, _scratch: &mut Self::Scratch) {}
    /// Written once at the end, with every error in input order, the warnings and the counts.
    fn end(&self, out: &mut Vec<u8>, errors: &[ErrorEntry], warnings: &[String], counts: &Counts);
}

/// Per-chunk state, reused from batch to batch.
struct ChunkState<S> {
    out: Vec<u8>,
    scratch: S,
    errors: Vec<ErrorEntry>,
    evaluated: usize,
    failed: usize,
    skipped: usize,
}

impl<S: Default> Default for ChunkState<S> {
    fn default() -> Self {
        ChunkState {
            out: Vec::new(),
            scratch: S::default(),
            errors: Vec::new(),
            evaluated: 0,
            failed: 0,
            skipped: 0,
        }
    }
}

/// The message of an evaluation error, naming the table cell or field in the policy's terms.
pub type EvalErrorText<'a> = dyn Fn(&LoadedRecord, &EvalError) -> String + Sync + 'a;

/// A batch read ahead by the reader thread: items, warnings so far, and whether more follow.
type Batch = Result<(Vec<Item>, Vec<String>, bool), LoadError>;

/// Deciding each record at each of the levels, written by an output format.
struct Decide<'a> {
    ev: &'a Evaluator<'a>,
    levels: &'a [LevelId],
    format: &'a dyn OutputFormat,
    files: &'a [String],
    describe: &'a EvalErrorText<'a>,
    census: Option<&'a CensusRun<'a>>,
}

/// A chunk's scratch when deciding: the decision, and the chunk's census when one is taken.
#[derive(Default)]
pub struct DecideScratch {
    decision: Decision,
    census: Option<Census>,
}

/// Reads every item of `source`, decides each record at each of `levels`, and writes the
/// output to `sink`.
pub fn run(
    ev: &Evaluator<'_>,
    source: &mut dyn RecordSource,
    levels: &[LevelId],
    format: &dyn OutputFormat,
    files: &[String],
    describe: &EvalErrorText<'_>,
    sink: &mut dyn Write,
) -> Result<(Counts, Vec<String>), RunError> {
    run_with_census(ev, source, levels, format, files, describe, None, sink)
}

/// [`run`], taking `census` of the run as well when given (its levels are `levels`): the
/// format's end gets its report.
#[allow(clippy::too_many_arguments)]
pub fn run_with_census(
    ev: &Evaluator<'_>,
    source: &mut dyn RecordSource,
    levels: &[LevelId],
    format: &dyn OutputFormat,
    files: &[String],
    describe: &EvalErrorText<'_>,
    census: Option<&CensusRun<'_>>,
    sink: &mut dyn Write,
) -> Result<(Counts, Vec<String>), RunError> {
    let job = Decide {
        ev,
        levels,
        format,
        files,
        describe,
        census,
    };
    stream(&job, source, sink)
}

impl Decide<'_> {
    /// Writes one level's decision, or its error; whether it was decided.
    #[inline(always)]
    fn level(
        &self,
        out: &mut Vec<u8>,
        errors: &mut Vec<ErrorEntry>,
        rec: &LoadedRecord,
        level: LevelId,
        decision: &Decision,
        decided: Result<(), EvalError>,
    ) -> bool {
        let (ev, format) = (self.ev, self.format);
        let level = level.index();
        match decided {
            Ok(()) => {
                format.result(out, rec, level, decision);
                true
            }
            Err(err) => {
                let entry = ErrorEntry {
                    error: RowError {
                        file: self.files.get(rec.file).cloned().unwrap_or_default(),
                        sheet: None,
                        value: None,
                        entity: ev
                            .rules()
                            .entities
                            .get(rec.entity)
                            .map(|e| e.name.clone())
                            .unwrap_or_default(),
                        row: rec.row,
                        column: None,
                        key: Some(rec.key.clone()),
                        message: (self.describe)(rec, &err),
                    },
                    level: Some(level),
                };
                format.inline_error(out, &entry);
                errors.push(entry);
                false
            }
        }
    }
}

impl Job for Decide<'_> {
    type Scratch = DecideScratch;

    fn begin(&self, out: &mut Vec<u8>) {
        self.format.begin(out)
    }

    fn separator(&self) -> &'static [u8] {
        self.format.separator()
    }

    fn record(
        &self,
        scratch: &mut DecideScratch,
        out: &mut Vec<u8>,
        errors: &mut Vec<ErrorEntry>,
        rec: &LoadedRecord,
    ) -> bool {
        let mut ok = true;
        let decision = &mut scratch.decision;
        if let Some(census) = self.census {
            census.record(&mut scratch.census, rec, decision, |level, d, decided| {
                ok &= self.level(out, errors, rec, level, d, decided);
            });
            return ok;
        }
        let ev = self.ev;
        // Loading makes records of the rule set's entities only; any other concerns nothing.
        let entity = ev.rules().entity_id(rec.entity);
        for &level in self.levels {
            let decided = match entity {
                Some(entity) => ev.evaluate(entity, &rec.record, level, decision),
                None => {
                    decision.clear();
                    Ok(())
                }
            };
            ok &= self.level(out, errors, rec, level, decision, decided);
        }
        ok
    }

    fn inline_error(&self, out: &mut Vec<u8>, error: &ErrorEntry) {
        self.format.inline_error(out, error)
    }

    fn merge(&self, scratch: &mut DecideScratch) {
        if let Some(census) = self.census {
            census.merge(&mut scratch.census);
        }
    }

    fn end(&self, out: &mut Vec<u8>, errors: &[ErrorEntry], warnings: &[String], counts: &Counts) {
        let report = self.census.map(CensusRun::report);
        self.format
            .end(out, errors, warnings, counts, report.as_ref())
    }
}

/// Reads every item of `source`, does `job` on each record, and writes the output to
/// `sink` in input order. A reader thread parses the next batch while this one is worked
/// on (in parallel chunks) and written, so parsing overlaps the work; memory holds a batch.
pub fn stream<J: Job>(
    job: &J,
    source: &mut dyn RecordSource,
    sink: &mut dyn Write,
) -> Result<(Counts, Vec<String>), RunError> {
    std::thread::scope(|scope| {
        let (batches, received) = std::sync::mpsc::sync_channel::<Batch>(1);
        let (recycle, recycled) = std::sync::mpsc::channel::<Vec<Item>>();
        scope.spawn(move || loop {
            let mut batch = recycled
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(BATCH));
            batch.clear();
            let read = source
                .next_batch(BATCH, &mut batch)
                .map(|more| (batch, source.take_warnings(), more));
            let last = !matches!(read, Ok((_, _, true)));
            // A closed channel means the writer stopped (an output error): stop reading.
            if batches.send(read).is_err() || last {
                break;
            }
        });
        let result = write_batches(job, received.iter(), &recycle, sink);
        // Dropping the receiver ends the reader thread if it is still running.
        drop(received);
        result
    })
}

fn write_batches<J: Job>(
    job: &J,
    batches: impl Iterator<Item = Batch>,
    recycle: &std::sync::mpsc::Sender<Vec<Item>>,
    sink: &mut dyn Write,
) -> Result<(Counts, Vec<String>), RunError> {
    let mut counts = Counts::default();
    let mut errors: Vec<ErrorEntry> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    let mut head = Vec::new();
    job.begin(&mut head);
    sink.write_all(&head)?;
    let separator = job.separator();
    let mut wrote_result = false;
    let mut chunks: Vec<ChunkState<J::Scratch>> = Vec::new();
    for received in batches {
        let (batch, new_warnings, _) = received.map_err(RunError::Load)?;
        warnings.extend(new_warnings);
        let n_chunks = batch.len().div_ceil(CHUNK);
        if chunks.len() < n_chunks {
            chunks.resize_with(n_chunks, ChunkState::default);
        }
        chunks[..n_chunks]
            .par_iter_mut()
            .zip(batch.par_chunks(CHUNK))
            .for_each(|(state, items)| work_chunk(job, state, items));
        counts.records += batch.len();
        for state in &mut chunks[..n_chunks] {
            job.merge(&mut state.scratch);
            counts.evaluated += state.evaluated;
            counts.failed += state.failed;
            counts.skipped += state.skipped;
            errors.append(&mut state.errors);
            let mut bytes: &[u8] = &state.out;
            if !wrote_result && !bytes.is_empty() {
                bytes = bytes.strip_prefix(separator).unwrap_or(bytes);
                wrote_result = true;
            }
            sink.write_all(bytes)?;
        }
        // Dropping the records here keeps that work off the reader thread, which bounds the
        // run; the reader reuses the emptied allocation.
        let mut batch = batch;
        batch.clear();
        let _ = recycle.send(batch);
    }
    let mut tail = Vec::new();
    job.end(&mut tail, &errors, &warnings, &counts);
    sink.write_all(&tail)?;
    sink.flush()?;
    Ok((counts, warnings))
}

/// Works one chunk of a batch into the chunk's reused buffers.
fn work_chunk<J: Job>(job: &J, state: &mut ChunkState<J::Scratch>, items: &[Item]) {
    state.out.clear();
    state.errors.clear();
    state.evaluated = 0;
    state.failed = 0;
    state.skipped = 0;
    for item in items {
        match item {
            Item::Skipped(_) => state.skipped += 1,
            Item::Error(e) => {
                let entry = ErrorEntry {
                    error: e.clone(),
                    level: None,
                };
                job.inline_error(&mut state.out, &entry);
                state.errors.push(entry);
                state.failed += 1;
            }
            Item::Record(rec) => {
                if job.record(&mut state.scratch, &mut state.out, &mut state.errors, rec) {
                    state.evaluated += 1;
                } else {
                    state.failed += 1;
                }
            }
        }
    }
}
