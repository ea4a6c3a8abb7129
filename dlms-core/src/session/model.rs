//! What a server session answers from: the [`ObjectModel`] trait and in-memory models.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec;
use alloc::vec::Vec;

use obis::ObisCode;

use super::ASSOCIATION_LN;
use super::server::AccessLevel;
use crate::Data;
use crate::apdu::{
    ActionResult, AttributeDescriptor, CaptureObject, DataAccessResult, EntryDescriptor,
    MechanismName, MethodDescriptor, RangeDescriptor, SelectiveAccess,
};
use crate::cosem::{
    AttributeAccessItem, AttributeAccessMode, AttributeValue, ClassId, MethodAccessItem,
    MethodAccessMode, ObjectListEntry,
};

/// Who is asking: the client SAP, its access level and how it authenticated.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct RequestContext {
    /// The client SAP.
    pub client_sap: u16,
    /// What the association may do.
    pub access: AccessLevel,
    /// The authentication mechanism of the association.
    pub mechanism: MechanismName,
}

impl RequestContext {
    /// Builds a context.
    pub const fn new(client_sap: u16, access: AccessLevel, mechanism: MechanismName) -> Self {
        RequestContext {
            client_sap,
            access,
            mechanism,
        }
    }
}

/// The objects a [`super::ServerSession`] serves. The session has already checked the
/// association and the access level (a read-only association never reaches `set` or
/// `action`); the model answers with the value or the right data-access-result.
pub trait ObjectModel {
    /// Reads an attribute. Unknown objects are `OBJECT_UNDEFINED`, attributes that may not be
    /// read `READ_WRITE_DENIED`.
    ///
    /// # Errors
    ///
    /// The data-access-result to send.
    fn get(
        &mut self,
        ctx: &RequestContext,
        attribute: &AttributeDescriptor,
        access: Option<&SelectiveAccess>,
    ) -> Result<Data, DataAccessResult>;

    /// Writes an attribute.
    ///
    /// # Errors
    ///
    /// The data-access-result to send.
    fn set(
        &mut self,
        ctx: &RequestContext,
        attribute: &AttributeDescriptor,
        access: Option<&SelectiveAccess>,
        value: Data,
    ) -> Result<(), DataAccessResult>;

    /// Invokes a method; returns the return parameters, if any.
    ///
    /// # Errors
    ///
    /// The action-result to send.
    fn action(
        &mut self,
        ctx: &RequestContext,
        method: &MethodDescriptor,
        parameters: Option<Data>,
    ) -> Result<Option<Data>, ActionResult>;
}

/// A profile buffer in memory: capture objects and rows, with the two selective accesses of
/// profile generic (range by a column, entries by index).
///
/// ```
/// use dlms::apdu::{CaptureObject, EntryDescriptor, SelectiveAccess};
/// use dlms::session::ProfileBuffer;
/// use dlms::Data;
/// use obis::ObisCode;
///
/// let col = |c, ln| CaptureObject { class_id: c, logical_name: ln, attribute: 2, data_index: 0 };
/// let mut p = ProfileBuffer::new(vec![col(8, ObisCode::new(0, 0, 1, 0, 0, 255)), col(3, ObisCode::new(1, 0, 1, 8, 0, 255))]);
/// for i in 0..10u32 {
///     p.rows.push(vec![Data::DoubleLongUnsigned(i), Data::DoubleLongUnsigned(100 + i)]);
/// }
/// let e = SelectiveAccess::Entry(EntryDescriptor { from_entry: 3, to_entry: 4, from_selected_value: 2, to_selected_value: 0 });
/// let Data::Array(rows) = p.select(Some(&e)).unwrap() else { panic!() };
/// assert_eq!(rows, [Data::Structure(vec![Data::DoubleLongUnsigned(102)]), Data::Structure(vec![Data::DoubleLongUnsigned(103)])]);
/// ```
#[derive(Clone, PartialEq, Debug, Default)]
pub struct ProfileBuffer {
    /// The columns.
    pub capture_objects: Vec<CaptureObject>,
    /// The rows, oldest first; each has one value per capture object.
    pub rows: Vec<Vec<Data>>,
}

/// The sort key of a cell for range selection: date-times as seconds (UTC when the deviation
/// is known, local otherwise), integers as themselves.
fn key(d: &Data) -> Option<i64> {
    match d.as_date_time() {
        Some(t) => t.to_unix_seconds().or_else(|| t.local_seconds()),
        None => d.as_i64(),
    }
}

impl ProfileBuffer {
    /// An empty buffer with these columns.
    pub fn new(capture_objects: Vec<CaptureObject>) -> Self {
        ProfileBuffer {
            capture_objects,
            rows: Vec::new(),
        }
    }

    fn column(&self, c: &CaptureObject) -> Option<usize> {
        self.capture_objects.iter().position(|o| {
            o.class_id == c.class_id
                && o.logical_name == c.logical_name
                && o.attribute == c.attribute
        })
    }

    fn row(cells: &[Data], cols: &[usize]) -> Data {
        Data::Structure(cols.iter().filter_map(|&i| cells.get(i).cloned()).collect())
    }

    /// The buffer (attribute 2) as an array of structures, all of it or as selected.
    ///
    /// # Errors
    ///
    /// `OBJECT_UNDEFINED` for a column that is not captured, `TYPE_UNMATCHED` for range
    /// bounds that cannot be compared, `OTHER_REASON` for another selector.
    pub fn select(&self, access: Option<&SelectiveAccess>) -> Result<Data, DataAccessResult> {
        let all: Vec<usize> = (0..self.capture_objects.len()).collect();
        match access {
            None => Ok(Data::Array(
                self.rows.iter().map(|r| Self::row(r, &all)).collect(),
            )),
            Some(SelectiveAccess::Range(r)) => self.range(r, &all),
            Some(SelectiveAccess::Entry(e)) => Ok(self.entries(e)),
            Some(SelectiveAccess::Other { .. }) => Err(DataAccessResult::OTHER_REASON),
        }
    }

    fn range(&self, r: &RangeDescriptor, all: &[usize]) -> Result<Data, DataAccessResult> {
        let col = self
            .column(&r.restricting_object)
            .ok_or(DataAccessResult::OBJECT_UNDEFINED)?;
        let (from, to) = match (key(&r.from), key(&r.to)) {
            (Some(a), Some(b)) => (a, b),
            _ => return Err(DataAccessResult::TYPE_UNMATCHED),
        };
        let cols: Vec<usize> = if r.selected_values.is_empty() {
            all.to_vec()
        } else {
            r.selected_values
                .iter()
                .map(|c| self.column(c).ok_or(DataAccessResult::OBJECT_UNDEFINED))
                .collect::<Result<_, _>>()?
        };
        Ok(Data::Array(
            self.rows
                .iter()
                .filter(|row| {
                    row.get(col)
                        .and_then(key)
                        .is_some_and(|k| from <= k && k <= to)
                })
                .map(|row| Self::row(row, &cols))
                .collect(),
        ))
    }

    fn entries(&self, e: &EntryDescriptor) -> Data {
        let n = self.rows.len();
        let first = usize::try_from(e.from_entry.max(1)).unwrap_or(usize::MAX);
        let last = match e.to_entry {
            0 => n,
            t => usize::try_from(t).unwrap_or(usize::MAX).min(n),
        };
        let ncols = self.capture_objects.len();
        let c0 = usize::from(e.from_selected_value.max(1));
        let c1 = match e.to_selected_value {
            0 => ncols,
            c => usize::from(c).min(ncols),
        };
        let cols: Vec<usize> = (c0..=c1).map(|c| c.saturating_sub(1)).collect();
        let rows = if first > last {
            Vec::new()
        } else {
            self.rows
                .get(first.saturating_sub(1)..last)
                .unwrap_or(&[])
                .iter()
                .map(|r| Self::row(r, &cols))
                .collect()
        };
        Data::Array(rows)
    }
}

#[derive(Clone, Debug, Default)]
struct Object {
    version: u8,
    attributes: BTreeMap<i8, Data>,
    writable: Vec<i8>,
    methods: Vec<i8>,
    profile: Option<ProfileBuffer>,
}

/// An object model in memory: attributes by class, logical name and index; profile buffers;
/// methods that succeed and are recorded. Association LN `0-0:40.0.0` attribute 2 (the object
/// list) is generated from the objects unless set explicitly.
///
/// ```
/// use dlms::apdu::{AttributeDescriptor, DataAccessResult, MechanismName};
/// use dlms::session::{AccessLevel, MemoryModel, ObjectModel, RequestContext};
/// use dlms::Data;
/// use obis::ObisCode;
///
/// let energy = ObisCode::new(1, 0, 1, 8, 0, 255);
/// let mut m = MemoryModel::new();
/// m.insert(3, energy, 2, Data::DoubleLongUnsigned(482_939));
/// let ctx = RequestContext::new(16, AccessLevel::ReadOnly, MechanismName::NONE);
/// let a = AttributeDescriptor { class_id: 3, instance: energy, attribute: 2 };
/// assert_eq!(m.get(&ctx, &a, None), Ok(Data::DoubleLongUnsigned(482_939)));
/// let b = AttributeDescriptor { attribute: 9, ..a };
/// assert_eq!(m.get(&ctx, &b, None), Err(DataAccessResult::OBJECT_UNDEFINED));
/// ```
#[derive(Clone, Debug, Default)]
pub struct MemoryModel {
    objects: BTreeMap<(u16, ObisCode), Object>,
    /// Every successful method invocation, in order: the method and its parameters.
    pub calls: Vec<(MethodDescriptor, Option<Data>)>,
}

impl MemoryModel {
    /// An empty model.
    pub fn new() -> Self {
        Self::default()
    }

    fn object(&mut self, class_id: u16, ln: ObisCode) -> &mut Object {
        let o = self.objects.entry((class_id, ln)).or_default();
        o.attributes
            .entry(1)
            .or_insert_with(|| Data::OctetString(ln.as_bytes().to_vec()));
        o
    }

    /// Sets an attribute (read-only for clients unless [`writable`](Self::writable)).
    pub fn insert(&mut self, class_id: u16, ln: ObisCode, attribute: i8, value: Data) {
        self.object(class_id, ln)
            .attributes
            .insert(attribute, value);
    }

    /// Sets the class version shown in the object list (0 by default).
    pub fn set_version(&mut self, class_id: u16, ln: ObisCode, version: u8) {
        self.object(class_id, ln).version = version;
    }

    /// Lets read-write associations SET this attribute.
    pub fn writable(&mut self, class_id: u16, ln: ObisCode, attribute: i8) {
        self.object(class_id, ln).writable.push(attribute);
    }

    /// Adds a method that read-write associations may invoke (it succeeds and is recorded in
    /// [`calls`](Self::calls)).
    pub fn method(&mut self, class_id: u16, ln: ObisCode, method: i8) {
        self.object(class_id, ln).methods.push(method);
    }

    /// Adds a profile generic (class 7): attribute 2 is served from the buffer (with
    /// selective access), 3 are the capture objects, 7 and 8 the row count.
    pub fn insert_profile(&mut self, ln: ObisCode, profile: ProfileBuffer) {
        let rows = u32::try_from(profile.rows.len()).unwrap_or(u32::MAX);
        let o = self.object(7, ln);
        o.version = 1;
        o.attributes.insert(
            3,
            Data::Array(
                profile
                    .capture_objects
                    .iter()
                    .map(CaptureObject::to_data)
                    .collect(),
            ),
        );
        o.attributes.insert(7, Data::DoubleLongUnsigned(rows));
        o.attributes.insert(8, Data::DoubleLongUnsigned(rows));
        o.profile = Some(profile);
    }

    /// The value stored for an attribute, if any (profile buffers excluded).
    pub fn value(&self, class_id: u16, ln: ObisCode, attribute: i8) -> Option<&Data> {
        self.objects
            .get(&(class_id, ln))
            .and_then(|o| o.attributes.get(&attribute))
    }

    /// The object list (Association LN attribute 2) as an association with `access` sees it:
    /// `{class, version, logical name, access rights}` per object. Every attribute is
    /// `read_only`, except the [`writable`](Self::writable) ones, which are `read_and_write`
    /// for a read-write association; a profile buffer lists the selectors 1 (range) and 2
    /// (entry); methods are `access` for a read-write association and `no_access`
    /// otherwise. The current association (`0-0:40.0.0`, version 2) lists attributes 1 and 2,
    /// and method 1 (the HLS reply) for a read-write association.
    ///
    /// ```
    /// use dlms::cosem::{AttributeAccessMode, AttributeValue, MethodAccessMode, ObjectListEntry};
    /// use dlms::session::{AccessLevel, MemoryModel};
    /// use dlms::Data;
    /// use obis::ObisCode;
    ///
    /// let clock = ObisCode::new(0, 0, 1, 0, 0, 255);
    /// let mut m = MemoryModel::new();
    /// m.insert(8, clock, 2, Data::OctetString(vec![0; 12]));
    /// m.writable(8, clock, 2);
    /// m.method(8, clock, 6);
    /// let list = Vec::<ObjectListEntry>::from_data(&m.object_list(AccessLevel::ReadWrite)).unwrap();
    /// assert_eq!(list[0].attribute_access_mode(1), Some(AttributeAccessMode::READ_ONLY));
    /// assert_eq!(list[0].attribute_access_mode(2), Some(AttributeAccessMode::READ_AND_WRITE));
    /// assert_eq!(list[0].method_access_mode(6), Some(MethodAccessMode::ACCESS));
    /// let public = Vec::<ObjectListEntry>::from_data(&m.object_list(AccessLevel::ReadOnly)).unwrap();
    /// assert_eq!(public[0].attribute_access_mode(2), Some(AttributeAccessMode::READ_ONLY));
    /// assert_eq!(public[0].method_access_mode(6), Some(MethodAccessMode::NO_ACCESS));
    /// ```
    pub fn object_list(&self, access: AccessLevel) -> Data {
        let mut list: Vec<Data> = self
            .objects
            .iter()
            .map(|((class, ln), o)| o.list_entry(*class, *ln, access))
            .collect();
        if !self.objects.contains_key(&(15, ASSOCIATION_LN)) {
            let rw = access == AccessLevel::ReadWrite;
            let association = Object {
                version: 2,
                attributes: [(1, Data::Null), (2, Data::Null)].into_iter().collect(),
                writable: Vec::new(),
                methods: if rw { vec![1] } else { Vec::new() },
                profile: None,
            };
            list.push(association.list_entry(15, ASSOCIATION_LN, access));
        }
        Data::Array(list)
    }
}

impl Object {
    /// The object's `object_list_element` for an association with `access`.
    fn list_entry(&self, class: u16, ln: ObisCode, access: AccessLevel) -> Data {
        let rw = access == AccessLevel::ReadWrite;
        let mut ids: BTreeSet<i8> = self.attributes.keys().copied().collect();
        ids.extend(self.writable.iter().copied());
        if self.profile.is_some() {
            ids.insert(2);
        }
        let attribute_access = ids
            .into_iter()
            .map(|id| AttributeAccessItem {
                id,
                access_mode: if rw && id != 1 && self.writable.contains(&id) {
                    AttributeAccessMode::READ_AND_WRITE
                } else {
                    AttributeAccessMode::READ_ONLY
                },
                selectors: (id == 2 && self.profile.is_some()).then(|| vec![1, 2]),
            })
            .collect();
        let methods: BTreeSet<i8> = self.methods.iter().copied().collect();
        let method_access = methods
            .into_iter()
            .map(|id| MethodAccessItem {
                id,
                access_mode: if rw {
                    MethodAccessMode::ACCESS
                } else {
                    MethodAccessMode::NO_ACCESS
                },
            })
            .collect();
        ObjectListEntry {
            class_id: ClassId(class),
            version: self.version,
            logical_name: ln,
            attribute_access,
            method_access,
        }
        .to_data()
    }
}

impl ObjectModel for MemoryModel {
    fn get(
        &mut self,
        ctx: &RequestContext,
        a: &AttributeDescriptor,
        access: Option<&SelectiveAccess>,
    ) -> Result<Data, DataAccessResult> {
        if a.class_id == 15 && a.instance == ASSOCIATION_LN && a.attribute == 2 {
            if let Some(v) = self.value(15, ASSOCIATION_LN, 2) {
                return Ok(v.clone());
            }
            return Ok(self.object_list(ctx.access));
        }
        if a.class_id == 15 && a.instance == ASSOCIATION_LN && a.attribute == 1 {
            return Ok(Data::OctetString(ASSOCIATION_LN.as_bytes().to_vec()));
        }
        let o = self
            .objects
            .get(&(a.class_id, a.instance))
            .ok_or(DataAccessResult::OBJECT_UNDEFINED)?;
        if a.attribute == 2
            && let Some(p) = &o.profile
        {
            return p.select(access);
        }
        if access.is_some() {
            return Err(DataAccessResult::OTHER_REASON);
        }
        o.attributes
            .get(&a.attribute)
            .cloned()
            .ok_or(DataAccessResult::OBJECT_UNDEFINED)
    }

    fn set(
        &mut self,
        ctx: &RequestContext,
        a: &AttributeDescriptor,
        _access: Option<&SelectiveAccess>,
        value: Data,
    ) -> Result<(), DataAccessResult> {
        let o = self
            .objects
            .get_mut(&(a.class_id, a.instance))
            .ok_or(DataAccessResult::OBJECT_UNDEFINED)?;
        if ctx.access != AccessLevel::ReadWrite || !o.writable.contains(&a.attribute) {
            return Err(DataAccessResult::READ_WRITE_DENIED);
        }
        match o.attributes.get_mut(&a.attribute) {
            Some(old) if old.type_tag() != value.type_tag() => {
                Err(DataAccessResult::TYPE_UNMATCHED)
            }
            Some(old) => {
                *old = value;
                Ok(())
            }
            None => {
                o.attributes.insert(a.attribute, value);
                Ok(())
            }
        }
    }

    fn action(
        &mut self,
        ctx: &RequestContext,
        m: &MethodDescriptor,
        parameters: Option<Data>,
    ) -> Result<Option<Data>, ActionResult> {
        let o = self
            .objects
            .get(&(m.class_id, m.instance))
            .ok_or(ActionResult::OBJECT_UNDEFINED)?;
        if !o.methods.contains(&m.method) {
            return Err(ActionResult::OBJECT_UNDEFINED);
        }
        if ctx.access != AccessLevel::ReadWrite {
            return Err(ActionResult::READ_WRITE_DENIED);
        }
        self.calls.push((*m, parameters));
        Ok(None)
    }
}
