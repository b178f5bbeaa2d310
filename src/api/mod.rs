//! The library's public surface: compile a policy (from memory, through an import loader,
//! or from disk), build records by field name, decide, and read the entries by name.

mod decide;
mod policy;
mod record;

pub use decide::{
    AllDecided, DecideError, DecideErrorKind, Decided, Decision, Decisions, EntryStatus, EntryView,
    Subject,
};
pub use policy::{Diagnostics, Policy};
pub use record::{
    Entity, ErrorKind, Field, FieldKey, FieldValue, ItemBuilder, Level, RecordBuilder, RecordError,
    Schema, Variant, Words,
};
