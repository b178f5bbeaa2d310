//! Records built by field name: the schema of a policy, handles resolved once, and a record
//! builder reused across records.

use std::fmt;

use crate::data::{credit_code, echo, normalize, values};
use crate::dates;
use crate::ir::{FieldType, LevelId, Record, RuleSet, ValidRuleSet, Value};
use crate::messages::{list_sep, quoted, Lang};
use crate::msg;

/// The record types (entities) of a policy, their fields and the values the fields take:
/// a view of a [`Policy`](crate::Policy) that resolves names to handles and starts records.
#[derive(Clone, Copy)]
pub struct Schema<'p> {
    pub(crate) rules: &'p ValidRuleSet,
    /// Per entity, per field: what building a record needs to know of it.
    pub(crate) fields: &'p [Box<[FieldFlags]>],
    /// The policy's identity, carried by the handles it resolves.
    pub(crate) id: u64,
    pub(crate) variants: &'p VariantIndex,
    pub(crate) lang: Lang,
}

/// The names and aliases of every level and enum value, indexed: a value named by its exact
/// text is found without scanning names. Other spellings (spaces around, another case of
/// an English alias, `橙色预警`) take the scan, as data loading reads them.
#[derive(Debug, Default)]
pub(crate) struct VariantIndex {
    /// `[0]`: the levels; `[e + 1]`: enum `e`.
    maps: Box<[NameMap]>,
}

/// Names to values: an open-addressed table hashed on a name's length and first sixteen
/// bytes (two words, one multiply), a name compared by those words and by the rest of a
/// longer name only when they agree.
#[derive(Debug)]
struct NameMap {
    /// Per slot, the index of a name in `names`, or [`EMPTY`].
    slots: Box<[u32]>,
    names: Box<[Name]>,
    /// `64 - log2(slots.len())`: the hash's top bits pick a slot.
    shift: u32,
}

/// A slot holding no name.
const EMPTY: u32 = u32::MAX;

/// A name, with the words it is compared by first.
#[derive(Debug)]
struct Name {
    len: usize,
    /// The first sixteen bytes, zero-padded.
    head: [u64; 2],
    /// The bytes after the first sixteen.
    tail: Box<[u8]>,
    value: u16,
}

/// The first eight bytes of `b`, zero-padded, as one word: a shorter `b` is read as two
/// overlapping halves (the bytes they share are the same in both).
#[inline]
fn word(b: &[u8]) -> u64 {
    let n = b.len();
    if let Some(w) = b.first_chunk::<8>() {
        return u64::from_le_bytes(*w);
    }
    let four = |i: usize| {
        b.get(i..i + 4).map_or(0, |w| {
            u64::from(u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
        })
    };
    let two = |i: usize| {
        b.get(i..i + 2)
            .map_or(0, |w| u64::from(u16::from_le_bytes([w[0], w[1]])))
    };
    match n {
        4..=7 => four(0) | four(n - 4) << (8 * (n - 4)),
        2..=3 => two(0) | two(n - 2) << (8 * (n - 2)),
        1 => u64::from(b[0]),
        _ => 0,
    }
}

/// The first sixteen bytes of `b`, zero-padded, as two words.
#[inline]
fn head_words(b: &[u8]) -> [u64; 2] {
    [word(b), word(b.get(8..).unwrap_or_default())]
}

impl NameMap {
    fn new(names: Vec<(&str, u16)>) -> NameMap {
        let size = (names.len() * 2).next_power_of_two().max(4);
        let mut map = NameMap {
            slots: vec![EMPTY; size].into_boxed_slice(),
            names: Box::default(),
            shift: 64 - size.trailing_zeros(),
        };
        let mut kept: Vec<Name> = Vec::with_capacity(names.len());
        for (t, value) in names {
            let b = t.as_bytes();
            let name = Name {
                len: b.len(),
                head: head_words(b),
                tail: b.get(16..).unwrap_or_default().into(),
                value,
            };
            let mut i = map.slot(name.len, name.head);
            loop {
                match map.slots[i] {
                    EMPTY => break,
                    // A name given twice has the same value both times (each is the
                    // scan's answer): the first is kept.
                    k if kept[k as usize].is(b, name.head) => break,
                    _ => i = (i + 1) & (size - 1),
                }
            }
            if map.slots[i] == EMPTY {
                map.slots[i] = kept.len() as u32;
                kept.push(name);
            }
        }
        map.names = kept.into_boxed_slice();
        map
    }

    /// The first slot to look in for a name of `len` bytes starting with `head`.
    #[inline]
    fn slot(&self, len: usize, head: [u64; 2]) -> usize {
        const K: u64 = 0x9e37_79b9_7f4a_7c15;
        let h = (head[0] ^ head[1].rotate_left(29) ^ len as u64).wrapping_mul(K);
        (h >> self.shift) as usize
    }

    #[inline]
    fn get(&self, text: &str) -> Option<u16> {
        let b = text.as_bytes();
        let head = head_words(b);
        let mask = self.slots.len() - 1;
        let mut i = self.slot(b.len(), head);
        loop {
            let k = *self.slots.get(i)?;
            let name = self.names.get(k as usize)?;
            if name.is(b, head) {
                return Some(name.value);
            }
            i = (i + 1) & mask;
        }
    }
}

impl Name {
    /// Whether the name is `b`, whose first sixteen bytes are `head`.
    #[inline]
    fn is(&self, b: &[u8], head: [u64; 2]) -> bool {
        self.len == b.len() && self.head == head && (b.len() <= 16 || *self.tail == b[16..])
    }
}

impl VariantIndex {
    pub(crate) fn new(rules: &RuleSet) -> VariantIndex {
        let mut maps = Vec::with_capacity(rules.enums.len() + 1);
        let levels = rules.levels.iter().enumerate().flat_map(|(i, l)| {
            std::iter::once(l.name.as_str())
                .chain(l.alias.as_deref())
                .map(move |t| (t, i as u16))
        });
        maps.push(NameMap::new(
            levels
                .filter(|&(t, v)| values::level(rules, t) == Some(v))
                .collect(),
        ));
        for (e, info) in rules.enums.iter().enumerate() {
            let names = info.variants.iter().enumerate().map(|(i, n)| (n, i));
            let aliases = info
                .aliases
                .iter()
                .enumerate()
                .flat_map(|(i, a)| a.iter().map(move |n| (n, i)));
            maps.push(NameMap::new(
                names
                    .chain(aliases)
                    .map(|(t, v)| (t.as_str(), v as u16))
                    // Only where the scan gives the same answer: the index changes no result.
                    .filter(|&(t, v)| values::enum_variant(rules, e, t) == Some(v))
                    .collect(),
            ));
        }
        VariantIndex {
            maps: maps.into_boxed_slice(),
        }
    }

    #[inline]
    fn get(&self, domain: Option<usize>, text: &str) -> Option<u16> {
        self.maps.get(domain.map_or(0, |e| e + 1))?.get(text)
    }
}

/// What building a record needs to know of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldFlags {
    /// Some rule reads it, or it is a key or a list of items: its value is kept.
    pub(crate) read: bool,
    /// It must have a value (it is not optional, nor a list of items).
    pub(crate) required: bool,
}

/// An entity (a record type such as `企业`) of one policy, resolved once by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Entity {
    pub(crate) schema: u64,
    pub(crate) index: u32,
}

/// A field of one entity, resolved once by name: setting a value by handle looks nothing up.
/// A handle belongs to the policy (and its clones) that resolved it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub(crate) schema: u64,
    pub(crate) entity: u32,
    pub(crate) index: u32,
    pub(crate) ty: FieldType,
    /// What building a record needs to know of it, carried so that setting it by handle
    /// reads nothing else.
    pub(crate) flags: FieldFlags,
}

/// An alert level of a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Level {
    pub(crate) schema: u64,
    pub(crate) id: LevelId,
}

/// A value of an enum (or an alert level), resolved once for the field it is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Variant {
    pub(crate) schema: u64,
    /// The enum's index, or `None` for an alert level.
    pub(crate) domain: Option<u32>,
    pub(crate) value: u16,
}

impl From<Level> for Variant {
    fn from(level: Level) -> Variant {
        Variant {
            schema: level.schema,
            domain: None,
            value: level.id.index() as u16,
        }
    }
}

/// A value to set in a field. Text is read as the field's type reads it (an enum value by
/// its name or an alias, a set as names separated by `,` or `、`, a date as `YYYY-MM-DD`, a
/// credit code checked); booleans, numbers and [`Variant`]s are taken as they are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue<'a> {
    /// Text, read as the field's type reads it.
    Text(&'a str),
    /// Yes or no.
    Bool(bool),
    /// An integer (also for decimal and percentage fields).
    Int(i64),
    /// A decimal number (a percentage is its number: 20% is 20.0).
    Num(f64),
    /// A value of an enum or a level (for a set field: the set of that one value).
    Variant(Variant),
    /// The values of a set field.
    Variants(&'a [Variant]),
    /// No value (for optional fields).
    Missing,
}

impl<'a> From<&'a str> for FieldValue<'a> {
    fn from(t: &'a str) -> Self {
        FieldValue::Text(t)
    }
}

impl<'a> From<&'a String> for FieldValue<'a> {
    fn from(t: &'a String) -> Self {
        FieldValue::Text(t)
    }
}

/// `From` conversions of owned values into a [`FieldValue`].
macro_rules! field_values {
    ($($t:ty => |$v:ident| $e:expr;)*) => {
        $(impl From<$t> for FieldValue<'_> {
            fn from($v: $t) -> Self {
                $e
            }
        })*
    };
}

field_values! {
    bool => |b| FieldValue::Bool(b);
    i64 => |n| FieldValue::Int(n);
    i32 => |n| FieldValue::Int(n.into());
    u32 => |n| FieldValue::Int(n.into());
    f64 => |n| FieldValue::Num(n);
    Variant => |v| FieldValue::Variant(v);
    Level => |l| FieldValue::Variant(l.into());
}

impl<'a> From<&'a [Variant]> for FieldValue<'a> {
    fn from(v: &'a [Variant]) -> Self {
        FieldValue::Variants(v)
    }
}

impl<T: Into<FieldValue<'static>>> From<Option<T>> for FieldValue<'static> {
    fn from(v: Option<T>) -> Self {
        v.map_or(FieldValue::Missing, Into::into)
    }
}

/// What names a field: its name (looked up in the record's entity) or a [`Field`] handle.
pub trait FieldKey: sealed::Sealed {
    /// The field of `entity` this key names.
    #[doc(hidden)]
    fn field_of(self, schema: &Schema<'_>, entity: u32) -> Result<Field, RecordError>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for &str {}
    impl Sealed for &String {}
    impl Sealed for super::Field {}
}

impl FieldKey for &str {
    fn field_of(self, schema: &Schema<'_>, entity: u32) -> Result<Field, RecordError> {
        let info = &schema.rules.entities[entity as usize];
        match info.fields.iter().position(|f| f.name == self) {
            Some(i) => Ok(Field {
                schema: schema.id,
                entity,
                index: i as u32,
                ty: info.fields[i].ty,
                flags: schema.fields[entity as usize][i],
            }),
            None => Err(schema.error(ErrorKind::UnknownField {
                entity: info.name.clone(),
                field: self.to_string(),
            })),
        }
    }
}

impl FieldKey for &String {
    fn field_of(self, schema: &Schema<'_>, entity: u32) -> Result<Field, RecordError> {
        self.as_str().field_of(schema, entity)
    }
}

impl FieldKey for Field {
    #[inline]
    fn field_of(self, schema: &Schema<'_>, entity: u32) -> Result<Field, RecordError> {
        if self.schema == schema.id && self.entity == entity {
            return Ok(self);
        }
        Err(self.foreign(schema, entity))
    }
}

impl Field {
    #[cold]
    fn foreign(self, schema: &Schema<'_>, entity: u32) -> RecordError {
        let entities = &schema.rules.entities;
        let name = |e: u32| {
            entities
                .get(e as usize)
                .map_or_else(|| "?".to_string(), |e| e.name.clone())
        };
        schema.error(ErrorKind::ForeignField {
            field_entity: if self.schema == schema.id {
                name(self.entity)
            } else {
                "?".to_string()
            },
            entity: name(entity),
        })
    }
}

/// A phrase in both languages of the interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    zh: String,
    en: String,
}

impl Words {
    fn of(text: impl Fn(Lang) -> String) -> Words {
        Words {
            zh: text(Lang::Zh),
            en: text(Lang::En),
        }
    }

    /// The phrase in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// Why a record could not be built as asked.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordError(Box<(ErrorKind, Lang)>);

/// What went wrong building a record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The policy declares no entity of that name.
    UnknownEntity {
        /// The name asked for.
        entity: String,
    },
    /// The entity has no field of that name.
    UnknownField {
        /// The entity.
        entity: String,
        /// The name asked for.
        field: String,
    },
    /// The text names no value of the field's enum (or no alert level).
    NotAVariant {
        /// The field.
        field: String,
        /// The text given (a bounded prefix of it).
        value: String,
        /// The values the field takes.
        expected: Vec<String>,
    },
    /// The value is of a kind the field does not take (a number for a text field, a variant
    /// of another enum, …).
    WrongType {
        /// The field.
        field: String,
        /// What the field takes, in words.
        expected: Words,
    },
    /// The text is not a valid value of the field's type (a date, a credit code, a number).
    InvalidValue {
        /// The field.
        field: String,
        /// The text given (a bounded prefix of it).
        value: String,
        /// Why, in words.
        reason: Words,
    },
    /// Items were added to a field that is not a list of items.
    NotAList {
        /// The field.
        field: String,
    },
    /// A field that is not optional has no value.
    MissingField {
        /// The entity.
        entity: String,
        /// The field.
        field: String,
    },
    /// A field handle of another entity (or another policy) was used; the entity is `?`
    /// when it is another policy's.
    ForeignField {
        /// The entity the handle was resolved for.
        field_entity: String,
        /// The entity of the record.
        entity: String,
    },
}

impl RecordError {
    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0 .0
    }

    /// The message in `lang` (`Display` writes it in the policy's language).
    pub fn message(&self, lang: Lang) -> String {
        let q = |name: &str| quoted(lang, name);
        match &self.0 .0 {
            ErrorKind::UnknownEntity { entity } => msg!(lang, API_UNKNOWN_ENTITY, q(entity)),
            ErrorKind::UnknownField { entity, field } => {
                msg!(lang, API_UNKNOWN_FIELD, q(entity), q(field))
            }
            ErrorKind::NotAVariant {
                field,
                value,
                expected,
            } => msg!(
                lang,
                API_NOT_A_VARIANT,
                q(field),
                q(value),
                expected.join(list_sep(lang))
            ),
            ErrorKind::WrongType { field, expected } => {
                msg!(lang, API_WRONG_TYPE, q(field), expected.get(lang))
            }
            ErrorKind::InvalidValue {
                field,
                value,
                reason,
            } => msg!(
                lang,
                API_INVALID_VALUE,
                q(field),
                q(value),
                reason.get(lang)
            ),
            ErrorKind::NotAList { field } => msg!(lang, API_NOT_A_LIST, q(field)),
            ErrorKind::MissingField { entity, field } => {
                msg!(lang, API_MISSING_FIELD, q(entity), q(field))
            }
            ErrorKind::ForeignField {
                field_entity,
                entity,
            } => msg!(lang, API_FOREIGN_FIELD, q(field_entity), q(entity)),
        }
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(self.0 .1))
    }
}

impl std::error::Error for RecordError {}

impl<'p> Schema<'p> {
    fn error(&self, kind: ErrorKind) -> RecordError {
        RecordError(Box::new((kind, self.lang)))
    }

    /// The entity named `name`.
    pub fn entity(&self, name: &str) -> Result<Entity, RecordError> {
        self.rules
            .entity_index(name)
            .map(|e| Entity {
                schema: self.id,
                index: e as u32,
            })
            .ok_or_else(|| {
                self.error(ErrorKind::UnknownEntity {
                    entity: name.to_string(),
                })
            })
    }

    /// The names of the entities, in declaration order.
    pub fn entities(&self) -> impl Iterator<Item = &'p str> + 'p {
        self.rules.entities.iter().map(|e| e.name.as_str())
    }

    /// The names of the fields of `entity`, in declaration order.
    pub fn fields(&self, entity: Entity) -> impl Iterator<Item = &'p str> + 'p {
        let rules: &'p RuleSet = self.rules;
        rules
            .entities
            .get(entity.index as usize)
            .filter(|_| entity.schema == self.id)
            .into_iter()
            .flat_map(|e| e.fields.iter().map(|f| f.name.as_str()))
    }

    /// The field `field` of the entity `entity`, by their names.
    pub fn field(&self, entity: &str, field: &str) -> Result<Field, RecordError> {
        let e = self.entity(entity)?;
        field.field_of(self, e.index)
    }

    /// The value `text` names in `field`: a variant of its enum (by name or alias), or an
    /// alert level for a level field; for a set field, a value of its elements.
    pub fn variant(&self, field: Field, text: &str) -> Result<Variant, RecordError> {
        let field = field.field_of(self, field.entity)?;
        let domain = match field.ty {
            FieldType::Enum(e) | FieldType::Set(Some(e)) => Some(e),
            FieldType::Level | FieldType::Set(None) => None,
            _ => return Err(self.wrong_type(field)),
        };
        self.variant_in(field, domain, text)
    }

    /// The alert level named `name` (or with that alias).
    pub fn level(&self, name: &str) -> Option<Level> {
        self.rules.level(name).map(|id| Level {
            schema: self.id,
            id,
        })
    }

    /// The name of a level.
    pub fn level_name(&self, level: Level) -> &'p str {
        let rules: &'p RuleSet = self.rules;
        rules
            .levels
            .get(level.id.index())
            .filter(|_| level.schema == self.id)
            .map_or("?", |l| l.name.as_str())
    }

    /// Every alert level, lowest first.
    pub fn levels(&self) -> impl Iterator<Item = Level> + 'p {
        let schema = self.id;
        self.rules.level_ids().map(move |id| Level { schema, id })
    }

    /// A new, empty record of the entity `entity`.
    pub fn record(&self, entity: &str) -> Result<RecordBuilder<'p>, RecordError> {
        self.record_of(self.entity(entity)?)
    }

    /// A new, empty record of `entity` (an error for an entity of another policy).
    pub fn record_of(&self, entity: Entity) -> Result<RecordBuilder<'p>, RecordError> {
        if entity.schema != self.id || entity.index as usize >= self.rules.entities.len() {
            return Err(self.error(ErrorKind::UnknownEntity {
                entity: "?".to_string(),
            }));
        }
        let e = entity.index;
        let n = self.rules.entities[e as usize].fields.len();
        Ok(RecordBuilder {
            schema: *self,
            entity: e,
            record: Record {
                values: (0..n).map(|i| self.empty(e, i)).collect(),
            },
            spare: self.rules.entities[e as usize]
                .fields
                .iter()
                .map(|f| Spare {
                    items: Vec::new(),
                    required: match f.ty {
                        FieldType::List(item) => self.required(item as u32),
                        _ => 0,
                    },
                })
                .collect(),
            required: self.required(e),
            missing: self.required(e),
            texts: Vec::new(),
        })
    }

    /// How many fields of `entity` must have a value.
    fn required(&self, entity: u32) -> u32 {
        self.fields[entity as usize]
            .iter()
            .filter(|f| f.required)
            .count() as u32
    }

    fn field_name(&self, field: Field) -> String {
        self.rules.entities[field.entity as usize].fields[field.index as usize]
            .name
            .clone()
    }

    fn wrong_type(&self, field: Field) -> RecordError {
        self.error(ErrorKind::WrongType {
            field: self.field_name(field),
            expected: Words::of(|lang| values::expected(self.rules, lang, field.ty)),
        })
    }

    #[inline]
    fn variant_in(
        &self,
        field: Field,
        domain: Option<usize>,
        text: &str,
    ) -> Result<Variant, RecordError> {
        match self
            .variants
            .get(domain, text)
            .or_else(|| self.scan(domain, text))
        {
            Some(value) => Ok(Variant {
                schema: self.id,
                domain: domain.map(|e| e as u32),
                value,
            }),
            None => Err(self.not_a_variant(field, domain, text)),
        }
    }

    /// The value `text` names in `domain`, spelled otherwise than the index holds it.
    #[inline(never)]
    fn scan(&self, domain: Option<usize>, text: &str) -> Option<u16> {
        match domain {
            Some(e) => values::enum_variant(self.rules, e, text),
            None => values::level(self.rules, text),
        }
    }

    #[cold]
    fn not_a_variant(&self, field: Field, domain: Option<usize>, text: &str) -> RecordError {
        let expected = match domain {
            Some(e) => self.rules.enums[e].variants.clone(),
            None => self.rules.levels.iter().map(|l| l.name.clone()).collect(),
        };
        self.error(ErrorKind::NotAVariant {
            field: self.field_name(field),
            value: echo(self.lang, text),
            expected,
        })
    }

    /// Whether `v` is a value of this policy's enum `domain` (`None`: of its levels).
    fn holds(&self, domain: Option<usize>, v: Variant) -> bool {
        v.schema == self.id && v.domain == domain.map(|e| e as u32)
    }

    /// The value of a field no value was set in: nothing, or no items for a list.
    fn empty(&self, entity: u32, field: usize) -> Value {
        match self.rules.entities[entity as usize].fields[field].ty {
            FieldType::List(_) => Value::List(Vec::new()),
            _ => Value::Missing,
        }
    }

    /// Sets `slot`, the value of `field`, to `value`, keeping the count of required fields
    /// without a value. The value is made in place (the conversion inlined here), not
    /// returned through memory and copied.
    fn put(
        &self,
        field: Field,
        value: FieldValue<'_>,
        slot: &mut Value,
        missing: &mut u32,
        texts: &mut Vec<Box<str>>,
    ) -> Result<(), RecordError> {
        let v = self.convert(field, value, texts)?;
        if let Value::Int(n) = v {
            // `范围`: read only for integers, so other values pay nothing.
            let info = &self.rules.entities[field.entity as usize].fields[field.index as usize];
            if values::outside_range(self.lang, info, &v).is_some() {
                let words = |lang| values::outside_range(lang, info, &v).unwrap_or_default();
                return Err(self.error(ErrorKind::InvalidValue {
                    field: self.field_name(field),
                    value: echo(self.lang, &n.to_string()),
                    reason: Words::of(words),
                }));
            }
        }
        store(slot, v, field.flags.required, missing);
        Ok(())
    }

    /// `value` as field `field` holds it.
    #[inline(always)]
    fn convert(
        &self,
        field: Field,
        value: FieldValue<'_>,
        texts: &mut Vec<Box<str>>,
    ) -> Result<Value, RecordError> {
        let invalid = |text: &str, reason: Words| {
            self.error(ErrorKind::InvalidValue {
                field: self.field_name(field),
                value: echo(self.lang, text),
                reason,
            })
        };
        let expected =
            || Words::of(|lang| msg!(lang, EXPECTED, values::expected(self.rules, lang, field.ty)));
        let read = field.flags.read;
        Ok(match (field.ty, value) {
            // Items are added with `item`, and dropped only by `clear`.
            (FieldType::List(_), _) => return Err(self.wrong_type(field)),
            (_, FieldValue::Missing) => Value::Missing,
            // Kept only when a rule reads it (or it is a key), as data loading keeps it.
            (FieldType::Text, FieldValue::Text(_)) if !read => Value::Elided,
            (FieldType::Text, FieldValue::Text(t)) => Value::Text(text(texts, t)),
            (FieldType::CreditCode, FieldValue::Text(t)) => {
                if credit_code::validate(self.lang, t).is_err() {
                    let why = |lang| credit_code::validate(lang, t).err().unwrap_or_default();
                    return Err(invalid(t, Words::of(why)));
                }
                if read {
                    Value::Text(text(texts, t))
                } else {
                    Value::Elided
                }
            }
            (FieldType::Bool, FieldValue::Bool(b)) => Value::Bool(b),
            (FieldType::Bool, FieldValue::Text(t)) => {
                Value::Bool(normalize::parse_bool(t).ok_or_else(|| invalid(t, expected()))?)
            }
            (FieldType::Integer, FieldValue::Int(n)) => Value::Int(n),
            (FieldType::Integer, FieldValue::Text(t)) => {
                Value::Int(t.trim().parse().map_err(|_| invalid(t, expected()))?)
            }
            (FieldType::Decimal | FieldType::Percent, FieldValue::Int(n)) => Value::Num(n as f64),
            (FieldType::Decimal | FieldType::Percent, FieldValue::Num(n)) if n.is_finite() => {
                Value::Num(n)
            }
            (FieldType::Decimal | FieldType::Percent, FieldValue::Num(n)) => {
                return Err(invalid(&n.to_string(), expected()))
            }
            (FieldType::Decimal | FieldType::Percent, FieldValue::Text(t)) => {
                let number = if field.ty == FieldType::Percent {
                    t.trim().trim_end_matches(['%', '％']).trim()
                } else {
                    t.trim()
                };
                match number.parse::<f64>() {
                    Ok(n) if n.is_finite() => Value::Num(n),
                    _ => return Err(invalid(t, expected())),
                }
            }
            (FieldType::Date, FieldValue::Text(t)) => {
                Value::Date(dates::parse(t.trim()).ok_or_else(|| invalid(t, expected()))?)
            }
            (FieldType::Level, FieldValue::Variant(v)) if self.holds(None, v) => {
                Value::Enum(v.value)
            }
            (FieldType::Level, FieldValue::Text(t)) => {
                Value::Enum(self.variant_in(field, None, t)?.value)
            }
            (FieldType::Enum(e), FieldValue::Variant(v)) if self.holds(Some(e), v) => {
                Value::Enum(v.value)
            }
            (FieldType::Enum(e), FieldValue::Text(t)) => {
                Value::Enum(self.variant_in(field, Some(e), t)?.value)
            }
            (FieldType::Set(d), FieldValue::Variant(v)) if self.holds(d, v) => {
                Value::Set(1u64 << (v.value & 63))
            }
            (FieldType::Set(d), FieldValue::Variants(vs)) => {
                let mut bits = 0u64;
                for v in vs {
                    if !self.holds(d, *v) {
                        return Err(self.wrong_type(field));
                    }
                    bits |= 1u64 << (v.value & 63);
                }
                Value::Set(bits)
            }
            (FieldType::Set(d), FieldValue::Text(t)) => {
                let mut bits = 0u64;
                for part in values::set_parts(t)
                    .map(values::trim_part)
                    .filter(|p| !p.is_empty())
                {
                    bits |= 1u64 << (self.variant_in(field, d, part)?.value & 63);
                }
                Value::Set(bits)
            }
            // An action as a cell gives it (the same at every level of a per-level field);
            // prose is kept, for an audit to report.
            (FieldType::Action { .. }, FieldValue::Text(t)) => {
                let folded = normalize::fold(t);
                crate::data::actions::action_cell(self.rules, &folded, t.trim())
            }
            _ => return Err(self.wrong_type(field)),
        })
    }
}

/// A record being built, field by field; reused across records ([`clear`](Self::clear) and
/// fill again: its buffers, and the items', are kept).
///
/// ```
/// # let policy = policyc::Policy::compile("p.policy", r#"
/// # 预警级别 { 黄色 < 橙色 }
/// # 实体 企业 键 名称 { 名称: 文本  保障: 布尔 }
/// # 措施 停工 强制性 自 橙色 { 对象 企业  要求 停产 }
/// # "#, &policyc::MapLoader::new()).unwrap();
/// let schema = policy.schema();
/// let mut firm = schema.record("企业")?;
/// firm.set("名称", "甲厂")?.set("保障", true)?;
/// firm.clear().set("名称", "乙厂")?.set("保障", false)?;
/// # Ok::<(), policyc::RecordError>(())
/// ```
pub struct RecordBuilder<'p> {
    schema: Schema<'p>,
    entity: u32,
    record: Record,
    /// Per field: for a list, its item records kept for reuse after [`Self::clear`].
    spare: Vec<Spare>,
    /// How many fields of the entity must have a value.
    required: u32,
    /// The buffers of texts dropped by [`Self::clear`], for texts of their length.
    texts: Vec<Box<str>>,
    /// How many fields that must have a value have none, in the record and its items: kept
    /// as values are set, so that checking a record before deciding costs nothing.
    missing: u32,
}

/// The item records of a list field kept for reuse, and how many fields of an item must
/// have a value.
#[derive(Default)]
struct Spare {
    items: Vec<Record>,
    required: u32,
}

/// Up to how many text buffers a record builder keeps for reuse.
const KEPT_TEXTS: usize = 32;

/// Empties `slot`, a value that is not a list of items (an item's lists are emptied),
/// keeping a text's buffer when there is room.
#[inline(always)]
fn empty_value(texts: &mut Vec<Box<str>>, slot: &mut Value) {
    match slot {
        Value::Missing => {}
        Value::Text(_) => keep_text(texts, std::mem::take(slot)),
        Value::List(l) => l.clear(),
        Value::ActionText(_) | Value::Actions(_) => *slot = Value::Missing,
        // Nothing to free: overwritten in place.
        Value::Bool(_)
        | Value::Int(_)
        | Value::Num(_)
        | Value::Date(_)
        | Value::Enum(_)
        | Value::Set(_)
        | Value::Action(_)
        | Value::Elided => *slot = Value::Missing,
    }
}

/// Keeps the buffer of `value`, a value dropped, if it is text and there is room.
#[inline]
fn keep_text(texts: &mut Vec<Box<str>>, value: Value) {
    if let Value::Text(t) = value {
        if texts.len() < KEPT_TEXTS {
            texts.push(t);
        }
    }
}

/// `t`, owned: in a kept buffer of its length when there is one (no allocation).
#[inline]
fn text(texts: &mut Vec<Box<str>>, t: &str) -> Box<str> {
    match texts.iter().rposition(|b| b.len() == t.len()) {
        Some(i) => {
            let mut s = texts.swap_remove(i).into_string();
            s.clear();
            s.push_str(t);
            s.into_boxed_str()
        }
        None => t.into(),
    }
}

/// Stores `value` in `slot`, keeping the count of required fields without a value.
#[inline(always)]
fn store(slot: &mut Value, value: Value, required: bool, missing: &mut u32) {
    if required {
        match (
            matches!(slot, Value::Missing),
            matches!(value, Value::Missing),
        ) {
            (true, false) => *missing -= 1,
            (false, true) => *missing += 1,
            _ => {}
        }
    }
    *slot = value;
}

impl<'p> RecordBuilder<'p> {
    /// The entity of the record.
    pub fn entity(&self) -> Entity {
        Entity {
            schema: self.schema.id,
            index: self.entity,
        }
    }

    /// The schema the record is built against.
    pub fn schema(&self) -> Schema<'p> {
        self.schema
    }

    /// Sets `field` (a name or a [`Field`] handle) to `value`.
    pub fn set<'v>(
        &mut self,
        field: impl FieldKey,
        value: impl Into<FieldValue<'v>>,
    ) -> Result<&mut Self, RecordError> {
        let f = field.field_of(&self.schema, self.entity)?;
        self.schema.put(
            f,
            value.into(),
            &mut self.record.values[f.index as usize],
            &mut self.missing,
            &mut self.texts,
        )?;
        Ok(self)
    }

    /// Adds an item (a machine, a vehicle) to the list field `field` and returns it, to be
    /// filled.
    pub fn item(&mut self, field: impl FieldKey) -> Result<ItemBuilder<'_, 'p>, RecordError> {
        let f = field.field_of(&self.schema, self.entity)?;
        let FieldType::List(item_entity) = f.ty else {
            return Err(self.schema.error(ErrorKind::NotAList {
                field: self.schema.field_name(f),
            }));
        };
        let item_entity = item_entity as u32;
        let schema = self.schema;
        let spare = &mut self.spare[f.index as usize];
        let fresh = spare.items.pop().unwrap_or_else(|| {
            let n = schema.rules.entities[item_entity as usize].fields.len();
            Record {
                values: (0..n).map(|i| schema.empty(item_entity, i)).collect(),
            }
        });
        self.missing += spare.required;
        let Value::List(items) = &mut self.record.values[f.index as usize] else {
            unreachable!("a list field always holds a list");
        };
        items.push(fresh);
        let record = items.last_mut().expect("just pushed");
        Ok(ItemBuilder {
            schema,
            entity: item_entity,
            record,
            missing: &mut self.missing,
            texts: &mut self.texts,
        })
    }

    /// Empties the record (every field without a value, no items), keeping its buffers.
    pub fn clear(&mut self) -> &mut Self {
        let texts = &mut self.texts;
        for (v, spare) in self.record.values.iter_mut().zip(&mut self.spare) {
            match v {
                Value::List(items) => {
                    for item in items.iter_mut() {
                        for iv in &mut item.values {
                            empty_value(texts, iv);
                        }
                    }
                    spare.items.append(items);
                }
                other => empty_value(texts, other),
            }
        }
        self.missing = self.required;
        self
    }

    /// Checks that every field that is not optional has a value, in the record and its
    /// items. Deciding checks this too (at no cost: the builder counts them as it goes).
    pub fn check(&self) -> Result<(), RecordError> {
        if self.missing == 0 {
            return Ok(());
        }
        check_required(&self.schema, self.entity, &self.record)
    }

    pub(crate) fn record(&self) -> &Record {
        &self.record
    }
}

/// Finds a required field without a value, for the error.
fn check_required(schema: &Schema<'_>, entity: u32, record: &Record) -> Result<(), RecordError> {
    let info = &schema.rules.entities[entity as usize];
    for (f, v) in info.fields.iter().zip(&record.values) {
        match v {
            Value::Missing if !f.optional => {
                return Err(schema.error(ErrorKind::MissingField {
                    entity: info.name.clone(),
                    field: f.name.clone(),
                }))
            }
            Value::List(items) => {
                if let FieldType::List(e) = f.ty {
                    for item in items {
                        check_required(schema, e as u32, item)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// One item of a record (a machine of a firm) being filled.
pub struct ItemBuilder<'b, 'p> {
    schema: Schema<'p>,
    entity: u32,
    record: &'b mut Record,
    missing: &'b mut u32,
    texts: &'b mut Vec<Box<str>>,
}

impl ItemBuilder<'_, '_> {
    /// Sets `field` (a name or a [`Field`] handle of the item's entity) to `value`.
    pub fn set<'v>(
        &mut self,
        field: impl FieldKey,
        value: impl Into<FieldValue<'v>>,
    ) -> Result<&mut Self, RecordError> {
        let f = field.field_of(&self.schema, self.entity)?;
        self.schema.put(
            f,
            value.into(),
            &mut self.record.values[f.index as usize],
            self.missing,
            self.texts,
        )?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_finds_every_name_it_holds() {
        let names = vec![
            ("燃油", 0),
            ("柴油", 0),
            ("燃气", 1),
            ("纯电动", 2),
            ("氢燃料电池", 3),
            ("城市运行保障", 4),
            ("A", 5),
        ];
        let map = NameMap::new(names.clone());
        for (t, v) in names {
            assert_eq!(map.get(t), Some(v), "{t}");
        }
        assert_eq!(map.get("燃"), None);
        assert_eq!(map.get("氢燃料电"), None);
        assert_eq!(map.get("氢燃料电池池"), None);
        assert_eq!(map.get("城市运行保护"), None, "differs after sixteen bytes");
        assert_eq!(map.get("B"), None);
        assert_eq!(map.get(""), None);
    }

    #[test]
    fn a_large_domain_finds_every_name_and_no_other() {
        let texts: Vec<String> = (0..300)
            .map(|i| format!("行业{i}类别名称很长的一个"))
            .collect();
        let names = texts
            .iter()
            .enumerate()
            .map(|(i, t)| (t.as_str(), i as u16));
        let map = NameMap::new(names.collect());
        for (i, t) in texts.iter().enumerate() {
            assert_eq!(map.get(t), Some(i as u16), "{t}");
        }
        assert_eq!(map.get("行业300类别名称很长的一个"), None);
        assert_eq!(map.get("行业1类别名称很长的一"), None);
    }

    #[test]
    fn words_are_the_zero_padded_bytes() {
        for t in [
            "",
            "A",
            "B-",
            "C级",
            "燃油",
            "abcdefg",
            "abcdefgh",
            "氢燃料电池",
            "B-级",
        ] {
            let b = t.as_bytes();
            let mut w = [0u8; 8];
            let n = b.len().min(8);
            w[..n].copy_from_slice(&b[..n]);
            assert_eq!(word(b), u64::from_le_bytes(w), "{t}");
        }
    }

    #[test]
    fn a_kept_text_buffer_is_reused_only_for_a_text_of_its_length() {
        let mut texts = Vec::new();
        keep_text(&mut texts, Value::Text("JX-1-0".into()));
        keep_text(&mut texts, Value::Int(3));
        assert_eq!(texts.len(), 1, "only text is kept");
        let kept = texts[0].as_ptr();
        let longer = text(&mut texts, "JX-10-0");
        assert_eq!(&*longer, "JX-10-0");
        assert_eq!(texts.len(), 1, "no buffer of that length");
        let same = text(&mut texts, "JX-2-1");
        assert_eq!(&*same, "JX-2-1");
        assert_eq!(same.as_ptr(), kept, "the kept buffer, rewritten");
        assert!(texts.is_empty());
        for _ in 0..KEPT_TEXTS + 5 {
            keep_text(&mut texts, Value::Text("x".into()));
        }
        assert_eq!(texts.len(), KEPT_TEXTS, "bounded");
    }
}
