//! Keys are unique in the input: a record whose key an earlier record of the same entity
//! has (in any file or sheet of the run) is a row error naming the earlier one's row, so a
//! record is decided once. ([`super::join::attach`] and the JSON reader keep item keys
//! unique within their parent.)
//!
//! The set of keys seen is the one structure of a run that grows with the list. It is kept
//! compact: each key's bytes once in one arena, a 24-byte slot (where it is, the row it came
//! from) and an entry of a hash table from a keyed 64-bit hash to the slot. Keys whose hashes
//! collide are chained and compared byte for byte, so the answer is exact.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::Arc;

use super::source::{Item, LoadError, RecordSource};
use super::{LoadedRecord, RowError};
use crate::ir::RuleSet;
use crate::messages::Lang;
use crate::msg;

/// A hasher for keys that are already hashes.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | b as u64;
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Where a key was first seen.
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// The key's bytes: `arena[at..at + len]`.
    at: u64,
    len: u32,
    row: u32,
    /// Index into [`SeenKeys::places`]: the file and sheet.
    place: u16,
    entity: u16,
    /// The next slot whose key has the same hash, or `u32::MAX`.
    next: u32,
}

const NONE: u32 = u32::MAX;

/// The first row of each key of each entity.
pub struct SeenKeys {
    /// A keyed hash, so that no input can be made to collide on purpose.
    state: std::collections::hash_map::RandomState,
    index: HashMap<u64, u32, BuildHasherDefault<Prehashed>>,
    slots: Vec<Slot>,
    arena: Vec<u8>,
    /// (file index, sheet) of the places keys came from.
    places: Vec<(usize, Option<Arc<str>>)>,
}

/// Where the first record with a key is: file index, sheet, row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstSeen {
    pub file: usize,
    pub sheet: Option<Arc<str>>,
    pub row: usize,
}

impl Default for SeenKeys {
    fn default() -> Self {
        SeenKeys::new()
    }
}

impl SeenKeys {
    pub fn new() -> SeenKeys {
        SeenKeys {
            state: Default::default(),
            index: HashMap::default(),
            slots: Vec::new(),
            arena: Vec::new(),
            places: Vec::new(),
        }
    }

    fn hash(&self, entity: usize, key: &str) -> u64 {
        let mut h = self.state.build_hasher();
        h.write_usize(entity);
        h.write(key.as_bytes());
        h.finish()
    }

    fn place(&mut self, file: usize, sheet: Option<&Arc<str>>) -> u16 {
        let found = self
            .places
            .iter()
            .rposition(|(f, s)| *f == file && s.as_deref() == sheet.map(|s| &**s));
        match found {
            Some(i) => i as u16,
            None => {
                self.places.push((file, sheet.cloned()));
                (self.places.len() - 1).min(u16::MAX as usize) as u16
            }
        }
    }

    /// Notes `key` of `entity` at (file, sheet, row): `None` the first time, else where it
    /// was first seen.
    pub fn insert(
        &mut self,
        entity: usize,
        key: &str,
        file: usize,
        sheet: Option<&Arc<str>>,
        row: usize,
    ) -> Option<FirstSeen> {
        let h = self.hash(entity, key);
        let head = self.index.get(&h).copied().unwrap_or(NONE);
        let mut at = head;
        while at != NONE {
            let s = self.slots[at as usize];
            let bytes = &self.arena[s.at as usize..s.at as usize + s.len as usize];
            if s.entity as usize == entity && bytes == key.as_bytes() {
                let (file, sheet) = self.places[s.place as usize].clone();
                return Some(FirstSeen {
                    file,
                    sheet,
                    row: s.row as usize,
                });
            }
            at = s.next;
        }
        let place = self.place(file, sheet);
        let slot = Slot {
            at: self.arena.len() as u64,
            len: key.len().min(u32::MAX as usize) as u32,
            row: row.min(u32::MAX as usize) as u32,
            place,
            entity: entity.min(u16::MAX as usize) as u16,
            next: head,
        };
        self.arena.extend_from_slice(key.as_bytes());
        self.slots.push(slot);
        self.index.insert(h, (self.slots.len() - 1) as u32);
        None
    }

    /// The keys noted.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The heap bytes the set holds (its capacity, not only what is used): the cost of the
    /// keys that `docs/performance.md` gives per key.
    pub fn heap_bytes(&self) -> usize {
        // A hash table entry is its (hash, slot) pair and one control byte.
        let entry = std::mem::size_of::<(u64, u32)>() + 1;
        self.index.capacity() * entry
            + self.slots.capacity() * std::mem::size_of::<Slot>()
            + self.arena.capacity()
    }
}

/// Where a row error is: its file, sheet and row, as the officer names them.
type ErrorAt = (String, Option<String>, usize);

/// A source whose records have unique keys: the second record with a key becomes a row
/// error naming the first one's row. Row errors are bounded on the way (see
/// [`super::bound_error`]).
pub struct UniqueKeys<'a> {
    inner: Box<dyn RecordSource + 'a>,
    seen: SeenKeys,
    /// Keys of top-level records that failed to load, with where their error is: a later
    /// record with one of them is a repeat too. Grows with the errors, not the list.
    failed: std::collections::HashMap<(usize, Box<str>), ErrorAt>,
    /// Entities that are items of another (their keys are unique within a parent only).
    is_item: Vec<bool>,
    rules: &'a RuleSet,
    lang: Lang,
    files: Vec<String>,
}

impl<'a> UniqueKeys<'a> {
    pub fn new(
        rules: &'a RuleSet,
        lang: Lang,
        files: Vec<String>,
        inner: Box<dyn RecordSource + 'a>,
    ) -> UniqueKeys<'a> {
        let is_item = (0..rules.entities.len())
            .map(|e| super::table::parent_of(rules, e).is_some())
            .collect();
        UniqueKeys {
            inner,
            seen: SeenKeys::new(),
            failed: std::collections::HashMap::new(),
            is_item,
            rules,
            lang,
            files,
        }
    }

    /// The error for `rec`, whose key `first` has already.
    fn duplicate(&self, rec: &LoadedRecord, first: &FirstSeen) -> RowError {
        let file = self.files.get(first.file).cloned().unwrap_or_default();
        self.repeated(
            rec,
            &file,
            first.sheet.as_deref(),
            first.row,
            crate::messages::m::DUPLICATE_KEY,
        )
    }

    /// The row error for `rec`, whose key was seen before at `file`, `sheet`, `row`: a
    /// record there (`DUPLICATE_KEY`) or the error of one that failed (`DUPLICATE_KEY_OF_FAILED`).
    fn repeated(
        &self,
        rec: &LoadedRecord,
        file: &str,
        sheet: Option<&str>,
        row: usize,
        message: crate::messages::Msg,
    ) -> RowError {
        let lang = self.lang;
        let info = &self.rules.entities[rec.entity];
        let place = match sheet {
            Some(sheet) => msg!(lang, PLACE_IN_SHEET, file, sheet),
            None => file.to_string(),
        };
        let key = super::echo(lang, &rec.key);
        RowError {
            file: self.files.get(rec.file).cloned().unwrap_or_default(),
            sheet: rec.sheet.as_deref().map(str::to_string),
            entity: info.name.clone(),
            row: rec.row,
            column: info.fields.get(info.key).map(|f| f.name.clone()),
            value: None,
            key: Some(key.clone()),
            message: message.fmt(lang, &[&info.name, &key, &place, &row]),
        }
    }
}

impl UniqueKeys<'_> {
    /// Remembers the key of a top-level record that failed, when its error quotes it whole.
    fn note_failed(&mut self, e: &super::RowError) {
        let Some(key) = e.key.as_deref().filter(|k| !k.is_empty()) else {
            return;
        };
        if key.chars().count() > crate::limits::ECHO_CHARS {
            return; // echoed as a prefix: not the key itself
        }
        let Some(entity) = self.rules.entities.iter().position(|x| x.name == e.entity) else {
            return;
        };
        if self.is_item[entity] {
            return;
        }
        self.failed
            .entry((entity, key.into()))
            .or_insert_with(|| (e.file.clone(), e.sheet.clone(), e.row));
    }

    /// The error for `rec`, whose key a record that failed to load had first.
    fn repeats_failed(&self, rec: &LoadedRecord, (file, sheet, row): &ErrorAt) -> RowError {
        self.repeated(
            rec,
            file,
            sheet.as_deref(),
            *row,
            crate::messages::m::DUPLICATE_KEY_OF_FAILED,
        )
    }
}

impl RecordSource for UniqueKeys<'_> {
    fn next_batch(&mut self, max: usize, out: &mut Vec<Item>) -> Result<bool, LoadError> {
        let start = out.len();
        let more = self.inner.next_batch(max, out)?;
        for item in &mut out[start..] {
            match item {
                Item::Record(rec) if !rec.key.is_empty() => {
                    let first = self.seen.insert(
                        rec.entity,
                        &rec.key,
                        rec.file,
                        rec.sheet.as_ref(),
                        rec.row,
                    );
                    if let Some(first) = first {
                        *item = Item::Error(self.duplicate(rec, &first));
                    } else if let Some(at) = self.failed.get(&(rec.entity, rec.key.as_str().into()))
                    {
                        *item = Item::Error(self.repeats_failed(rec, at));
                    }
                }
                Item::Error(e) => {
                    super::bound_error(self.lang, e);
                    self.note_failed(e);
                }
                _ => {}
            }
        }
        Ok(more)
    }

    fn take_warnings(&mut self) -> Vec<String> {
        self.inner.take_warnings()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_row_of_a_key_is_found_exactly() {
        let mut s = SeenKeys::new();
        let sheet: Arc<str> = Arc::from("企业");
        assert_eq!(s.insert(0, "A", 0, None, 2), None);
        assert_eq!(s.insert(0, "B", 1, Some(&sheet), 5), None);
        assert_eq!(s.insert(1, "A", 0, None, 3), None, "another entity");
        assert_eq!(
            s.insert(0, "A", 1, Some(&sheet), 9),
            Some(FirstSeen {
                file: 0,
                sheet: None,
                row: 2
            })
        );
        assert_eq!(
            s.insert(0, "B", 0, None, 10).map(|f| (f.file, f.row)),
            Some((1, 5))
        );
        assert_eq!(s.insert(0, "AB", 0, None, 11), None, "not a prefix match");
        assert_eq!(s.len(), 4);
    }

    #[test]
    fn colliding_hashes_are_told_apart_by_their_bytes() {
        // Every key lands in one chain: the comparison, not the hash, decides.
        let mut s = SeenKeys::new();
        for (i, k) in ["x", "y", "z"].iter().enumerate() {
            let place = s.place(0, None);
            let slot = Slot {
                at: s.arena.len() as u64,
                len: 1,
                row: i as u32 + 1,
                place,
                entity: 0,
                next: s.index.get(&7).copied().unwrap_or(NONE),
            };
            s.arena.extend_from_slice(k.as_bytes());
            s.slots.push(slot);
            s.index.insert(7, (s.slots.len() - 1) as u32);
        }
        let walk = |s: &SeenKeys, key: &str| {
            let mut at = s.index[&7];
            while at != NONE {
                let slot = s.slots[at as usize];
                if &s.arena[slot.at as usize..][..slot.len as usize] == key.as_bytes() {
                    return Some(slot.row);
                }
                at = slot.next;
            }
            None
        };
        assert_eq!(walk(&s, "x"), Some(1));
        assert_eq!(walk(&s, "z"), Some(3));
        assert_eq!(walk(&s, "w"), None);
    }

    /// The cost per key of 18-character credit codes: the figure of `docs/performance.md`
    /// (`cargo test --release --lib data::keys -- --nocapture`).
    #[test]
    fn a_key_costs_less_than_96_bytes() {
        let mut s = SeenKeys::new();
        let n = 200_000;
        let started = std::time::Instant::now();
        for i in 0..n {
            let key = format!("9111000{i:011}");
            assert_eq!(s.insert(0, &key, 0, None, i + 2), None);
        }
        let per_key = s.heap_bytes() as f64 / n as f64;
        let ns = started.elapsed().as_nanos() as f64 / n as f64;
        println!(
            "{n} keys: {} bytes, {per_key:.1} bytes per key, {ns:.0} ns per key (formatting it included)",
            s.heap_bytes()
        );
        assert!(per_key < 96.0, "{per_key} bytes per key");
    }
}
