//! The meter operations (read with scaler and unit, profiles, the object list, the clock,
//! disconnect control), written once as `async` functions over an [`Exchange`]: the tokio
//! [`AsyncMeter`](super::AsyncMeter) awaits them, the blocking [`Meter`](super::Meter) runs
//! them with an exchange that never waits (so one poll completes them).

use std::collections::HashMap;
use std::future::Future;
use std::task::{Context, Poll, Waker};

use dlms::apdu::{
    ActionResult, AttributeAccess, AttributeDescriptor, CaptureObject, Conformance,
    EntryDescriptor, GetDataResult, MethodDescriptor, RangeDescriptor, SelectiveAccess,
};
use dlms::cosem::{AssociationLn, ObjectListEntry, ProfileColumns, ProfileRow, RegisterValue};
use dlms::session::{ASSOCIATION_LN, Negotiated, Response};
use dlms::{Data, DateTime};
use obis::{ObisCode, ScalerUnit, Unit};

use super::{MeterError, Request};

/// The clock object.
pub const CLOCK: ObisCode = ObisCode::new(0, 0, 1, 0, 0, 255);
/// The disconnect control object of an E450.
pub const DISCONNECT_CONTROL: ObisCode = ObisCode::new(0, 0, 96, 3, 10, 255);

/// One value read from a meter, with the scaler and unit applied for registers.
///
/// ```
/// use dlms::Data;
/// use dlms::cosem::RegisterValue;
/// use e450::client::MeterValue;
/// use obis::{ObisCode, ScalerUnit, Unit};
/// let su = ScalerUnit { scaler: -1, unit: Unit::VOLT };
/// let data = Data::LongUnsigned(2301);
/// let v = MeterValue {
///     obis: ObisCode::new(1, 0, 32, 7, 0, 255),
///     class_id: 3,
///     attribute: 2,
///     register: RegisterValue::from_data(&data, su),
///     data,
/// };
/// assert_eq!((v.as_f64(), v.unit()), (Some(230.1), Some(Unit::VOLT)));
/// assert_eq!(v.to_string(), "230.1 V");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MeterValue {
    /// The logical name.
    pub obis: ObisCode,
    /// The interface class.
    pub class_id: u16,
    /// The attribute read.
    pub attribute: i8,
    /// The value as the meter sent it.
    pub data: Data,
    /// For registers: the number with the scaler and unit applied.
    pub register: Option<RegisterValue>,
}

impl MeterValue {
    /// The scaled number of a register, else the plain number.
    #[must_use]
    pub fn as_f64(&self) -> Option<f64> {
        match &self.register {
            Some(r) => Some(r.scaled),
            None => self.data.as_f64(0),
        }
    }

    /// The unit of a register.
    #[must_use]
    pub fn unit(&self) -> Option<Unit> {
        self.register.map(|r| r.unit)
    }

    /// The value as a date-time (the clock).
    #[must_use]
    pub fn date_time(&self) -> Option<DateTime> {
        self.data.as_date_time()
    }
}

impl std::fmt::Display for MeterValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.register, self.date_time()) {
            (Some(r), _) => write!(f, "{r}"),
            (None, Some(dt))
                if self.data.as_bytes().is_some_and(|b| b.len() == 12)
                    || matches!(self.data, Data::DateTime(_)) =>
            {
                write!(f, "{dt}")
            }
            _ => match self.data.as_bytes() {
                Some(b)
                    if !b.is_empty() && b.iter().all(|c| c.is_ascii_graphic() || *c == b' ') =>
                {
                    write!(f, "{}", String::from_utf8_lossy(b))
                }
                _ => write!(f, "{:?}", self.data),
            },
        }
    }
}

/// Which rows of a profile to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileRange {
    /// The whole buffer.
    All,
    /// Rows whose clock column lies between `from` and `to`, both inclusive (selector 1).
    Between {
        /// The first time.
        from: DateTime,
        /// The last time.
        to: DateTime,
    },
    /// Rows `first..=last`, counted from 1; `last` 0 means up to the newest (selector 2).
    Entries {
        /// The first entry.
        first: u32,
        /// The last entry.
        last: u32,
    },
}

/// A profile read from a meter: its capture objects and the typed rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// The profile's logical name.
    pub obis: ObisCode,
    /// The columns.
    pub capture_objects: Vec<CaptureObject>,
    /// The scaler and unit of each column, where one applies.
    pub scalers: Vec<Option<ScalerUnit>>,
    /// The rows, one value per column.
    pub rows: Vec<ProfileRow>,
}

/// What a connection remembers between calls: scalers and units of registers, the object
/// list once read.
#[derive(Debug, Default, Clone)]
pub(crate) struct Cache {
    pub(crate) scalers: HashMap<(u16, ObisCode), ScalerUnit>,
    pub(crate) objects: Option<Vec<ObjectListEntry>>,
}

/// One request at a time to the meter.
pub(crate) trait Exchange {
    /// Sends the request and waits for its answer.
    fn call(&mut self, request: Request) -> impl Future<Output = Result<Response, MeterError>>;
    /// What the association negotiated.
    fn negotiated(&self) -> Option<&Negotiated>;
    /// The connection's cache.
    fn cache(&mut self) -> &mut Cache;
}

/// Runs a future that never waits (the blocking meter's operations) to completion.
pub(crate) fn run_now<F: Future>(f: F) -> Option<F::Output> {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    match f.as_mut().poll(&mut cx) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}

fn descriptor(class_id: u16, instance: ObisCode, attribute: i8) -> AttributeDescriptor {
    AttributeDescriptor {
        class_id,
        instance,
        attribute,
    }
}

fn data_of(
    result: GetDataResult,
    class: u16,
    obis: ObisCode,
    attribute: i8,
) -> Result<Data, MeterError> {
    match result {
        GetDataResult::Data(d) => Ok(d),
        GetDataResult::Error(result) => Err(MeterError::DataAccess {
            class,
            obis,
            attribute,
            result,
        }),
    }
}

fn unexpected(what: impl Into<String>, detail: impl Into<String>) -> MeterError {
    MeterError::Unexpected {
        what: what.into(),
        detail: detail.into(),
    }
}

/// GET one attribute.
pub(crate) async fn get(
    ex: &mut impl Exchange,
    class: u16,
    obis: ObisCode,
    attribute: i8,
    access: Option<SelectiveAccess>,
) -> Result<Data, MeterError> {
    let response = ex
        .call(Request::Get {
            attribute: descriptor(class, obis, attribute),
            access,
        })
        .await?;
    match response {
        Response::Get(r) => data_of(r, class, obis, attribute),
        other => Err(unexpected(
            format!("{class}/{obis}/{attribute}"),
            format!("not a GET response: {other:?}"),
        )),
    }
}

/// GET several attributes, with one request when the meter allows it.
async fn get_many(
    ex: &mut impl Exchange,
    items: &[(u16, ObisCode, i8)],
) -> Result<Vec<Result<Data, MeterError>>, MeterError> {
    let list = ex
        .negotiated()
        .is_some_and(|n| n.conformance.contains(Conformance::MULTIPLE_REFERENCES));
    let mut out = Vec::with_capacity(items.len());
    if !list || items.len() < 2 {
        for &(c, o, a) in items {
            match get(ex, c, o, a, None).await {
                Err(e @ MeterError::DataAccess { .. }) => out.push(Err(e)),
                r => out.push(Ok(r?)),
            }
        }
        return Ok(out);
    }
    // Ten descriptors are ~150 bytes, within every meter's PDU.
    for chunk in items.chunks(10) {
        let request = Request::GetList(
            chunk
                .iter()
                .map(|&(c, o, a)| AttributeAccess {
                    attribute: descriptor(c, o, a),
                    access: None,
                })
                .collect(),
        );
        match ex.call(request).await? {
            Response::GetList(results) if results.len() == chunk.len() => {
                for (r, &(c, o, a)) in results.into_iter().zip(chunk) {
                    out.push(data_of(r, c, o, a));
                }
            }
            other => {
                return Err(unexpected(
                    "a GET with list",
                    format!("{} answers expected, got {other:?}", chunk.len()),
                ));
            }
        }
    }
    Ok(out)
}

/// The attribute holding the scaler and unit of a value attribute, if the class has one.
fn scaler_attribute(class: u16, attribute: i8) -> Option<i8> {
    match (class, attribute) {
        (3 | 4, 2) => Some(3),
        (5, 2 | 3) => Some(4),
        _ => None,
    }
}

fn scaler_of(
    data: &Data,
    class: u16,
    obis: ObisCode,
    attribute: i8,
) -> Result<ScalerUnit, MeterError> {
    data.as_scaler_unit().ok_or_else(|| {
        unexpected(
            format!("{class}/{obis}/{attribute}"),
            format!("not a scaler_unit: {data:?}"),
        )
    })
}

/// The class of `obis`: from the registry, else from the object list (read once).
pub(crate) async fn class_of(ex: &mut impl Exchange, obis: ObisCode) -> Result<u16, MeterError> {
    if let Some(entry) = obis::registry::lookup_tolerant(obis) {
        return Ok(entry.class_id);
    }
    let list = object_list(ex).await?;
    list.iter()
        .find(|e| e.logical_name == obis)
        .map(|e| e.class_id.0)
        .ok_or(MeterError::UnknownClass(obis))
}

/// The scaler and unit of a register-like attribute (cached).
async fn scaler(
    ex: &mut impl Exchange,
    class: u16,
    obis: ObisCode,
    su_attribute: i8,
) -> Result<ScalerUnit, MeterError> {
    if let Some(su) = ex.cache().scalers.get(&(class, obis)) {
        return Ok(*su);
    }
    let d = get(ex, class, obis, su_attribute, None).await?;
    let su = scaler_of(&d, class, obis, su_attribute)?;
    ex.cache().scalers.insert((class, obis), su);
    Ok(su)
}

fn make_value(
    class: u16,
    obis: ObisCode,
    attribute: i8,
    data: Data,
    su: Option<ScalerUnit>,
) -> Result<MeterValue, MeterError> {
    let register = match su {
        Some(su) => Some(RegisterValue::from_data(&data, su).ok_or_else(|| {
            unexpected(
                format!("{class}/{obis}/{attribute}"),
                format!("not a number: {data:?}"),
            )
        })?),
        None => None,
    };
    Ok(MeterValue {
        obis,
        class_id: class,
        attribute,
        data,
        register,
    })
}

/// One attribute, with the scaler and unit applied for register values.
pub(crate) async fn read_code(
    ex: &mut impl Exchange,
    class: u16,
    obis: ObisCode,
    attribute: i8,
) -> Result<MeterValue, MeterError> {
    let su = match scaler_attribute(class, attribute) {
        Some(a) => Some(scaler(ex, class, obis, a).await?),
        None => None,
    };
    let data = get(ex, class, obis, attribute, None).await?;
    make_value(class, obis, attribute, data, su)
}

/// The value attribute (2) of `obis`, its class found as [`class_of`] does.
pub(crate) async fn read(ex: &mut impl Exchange, obis: ObisCode) -> Result<MeterValue, MeterError> {
    let class = class_of(ex, obis).await?;
    read_code(ex, class, obis, 2).await
}

/// Several attributes: scalers first (those not cached), then the values, in as few
/// requests as the meter allows. One result per code; a failure of the connection fails
/// the whole call.
pub(crate) async fn read_codes(
    ex: &mut impl Exchange,
    codes: &[(u16, ObisCode, i8)],
) -> Result<Vec<Result<MeterValue, MeterError>>, MeterError> {
    let mut wanted = Vec::new();
    for &(c, o, a) in codes {
        if let Some(sa) = scaler_attribute(c, a)
            && !ex.cache().scalers.contains_key(&(c, o))
            && !wanted.contains(&(c, o, sa))
        {
            wanted.push((c, o, sa));
        }
    }
    let mut su_errors: HashMap<(u16, ObisCode), MeterError> = HashMap::new();
    for (r, &(c, o, a)) in get_many(ex, &wanted).await?.into_iter().zip(&wanted) {
        match r.and_then(|d| scaler_of(&d, c, o, a)) {
            Ok(su) => {
                ex.cache().scalers.insert((c, o), su);
            }
            Err(e) => {
                su_errors.insert((c, o), e);
            }
        }
    }
    let values = get_many(ex, codes).await?;
    let mut out = Vec::with_capacity(codes.len());
    for (r, &(c, o, a)) in values.into_iter().zip(codes) {
        let su = match scaler_attribute(c, a) {
            Some(_) => match ex.cache().scalers.get(&(c, o)) {
                Some(su) => Some(*su),
                None => {
                    out.push(Err(su_errors.remove(&(c, o)).unwrap_or_else(|| {
                        unexpected(format!("{c}/{o}/{a}"), "no scaler_unit")
                    })));
                    continue;
                }
            },
            None => None,
        };
        out.push(r.and_then(|d| make_value(c, o, a, d, su)));
    }
    Ok(out)
}

/// Attribute 2 of each code.
pub(crate) async fn read_many(
    ex: &mut impl Exchange,
    codes: &[ObisCode],
) -> Result<Vec<Result<MeterValue, MeterError>>, MeterError> {
    let mut resolved = Vec::with_capacity(codes.len());
    for &o in codes {
        resolved.push((class_of(ex, o).await?, o, 2));
    }
    read_codes(ex, &resolved).await
}

/// The clock (0-0:1.0.0 attribute 2).
pub(crate) async fn read_clock(ex: &mut impl Exchange) -> Result<DateTime, MeterError> {
    let d = get(ex, 8, CLOCK, 2, None).await?;
    d.as_date_time()
        .ok_or_else(|| unexpected("the clock", format!("not a date-time: {d:?}")))
}

/// Sets the clock.
pub(crate) async fn set_clock(ex: &mut impl Exchange, time: DateTime) -> Result<(), MeterError> {
    set(ex, 8, CLOCK, 2, Data::OctetString(time.to_bytes().to_vec())).await
}

/// SET one attribute.
pub(crate) async fn set(
    ex: &mut impl Exchange,
    class: u16,
    obis: ObisCode,
    attribute: i8,
    value: Data,
) -> Result<(), MeterError> {
    let r = ex
        .call(Request::Set {
            attribute: descriptor(class, obis, attribute),
            value,
        })
        .await?;
    match r {
        Response::Set(result) if result.0 == 0 => Ok(()),
        Response::Set(result) => Err(MeterError::DataAccess {
            class,
            obis,
            attribute,
            result,
        }),
        other => Err(unexpected(
            format!("{class}/{obis}/{attribute}"),
            format!("not a SET response: {other:?}"),
        )),
    }
}

/// Invokes a method; returns its return parameters.
pub(crate) async fn action(
    ex: &mut impl Exchange,
    class: u16,
    obis: ObisCode,
    method: i8,
    parameters: Option<Data>,
) -> Result<Option<Data>, MeterError> {
    let r = ex
        .call(Request::Action {
            method: MethodDescriptor {
                class_id: class,
                instance: obis,
                method,
            },
            parameters,
        })
        .await?;
    match r {
        Response::Action(o) if o.result == ActionResult::SUCCESS => Ok(match o.return_parameters {
            Some(GetDataResult::Data(d)) => Some(d),
            _ => None,
        }),
        Response::Action(o) => Err(MeterError::Action {
            class,
            obis,
            method,
            result: o.result,
        }),
        other => Err(unexpected(
            format!("{class}/{obis} method {method}"),
            format!("not an ACTION response: {other:?}"),
        )),
    }
}

/// The association's object list (read once, then cached).
pub(crate) async fn object_list(
    ex: &mut impl Exchange,
) -> Result<Vec<ObjectListEntry>, MeterError> {
    if let Some(list) = &ex.cache().objects {
        return Ok(list.clone());
    }
    let d = get(ex, 15, ASSOCIATION_LN, 2, None).await?;
    let mut a = AssociationLn::new(ASSOCIATION_LN);
    a.set_attribute(2, &d)
        .map_err(|e| unexpected("the object list", e.to_string()))?;
    let list = a.object_list.unwrap_or_default();
    ex.cache().objects = Some(list.clone());
    Ok(list)
}

/// A profile: capture objects, the scalers of its register columns, then the rows.
pub(crate) async fn read_profile(
    ex: &mut impl Exchange,
    obis: ObisCode,
    range: ProfileRange,
) -> Result<Profile, MeterError> {
    let d = get(ex, 7, obis, 3, None).await?;
    let capture_objects: Vec<CaptureObject> = d
        .as_slice()
        .ok_or_else(|| unexpected("the capture objects", format!("not an array: {d:?}")))?
        .iter()
        .map(|c| {
            CaptureObject::from_data(c)
                .ok_or_else(|| unexpected("a capture object", format!("{c:?}")))
        })
        .collect::<Result<_, _>>()?;
    let mut scalers = Vec::with_capacity(capture_objects.len());
    for c in &capture_objects {
        let su = match scaler_attribute(c.class_id, c.attribute) {
            Some(a) if c.data_index == 0 => Some(scaler(ex, c.class_id, c.logical_name, a).await?),
            _ => None,
        };
        scalers.push(su);
    }
    let access = match range {
        ProfileRange::All => None,
        ProfileRange::Between { from, to } => {
            let clock = capture_objects
                .iter()
                .find(|c| c.class_id == 8 && c.attribute == 2)
                .copied()
                .ok_or_else(|| unexpected("the capture objects", "no clock column for a range"))?;
            Some(SelectiveAccess::Range(RangeDescriptor {
                restricting_object: clock,
                from: Data::OctetString(from.to_bytes().to_vec()),
                to: Data::OctetString(to.to_bytes().to_vec()),
                selected_values: Vec::new(),
            }))
        }
        ProfileRange::Entries { first, last } => Some(SelectiveAccess::Entry(EntryDescriptor {
            from_entry: first,
            to_entry: last,
            from_selected_value: 1,
            to_selected_value: 0,
        })),
    };
    let buffer = get(ex, 7, obis, 2, access).await?;
    let columns = ProfileColumns::from_capture_objects(&capture_objects, &scalers);
    let Data::Array(buffer) = buffer else {
        return Err(unexpected(
            format!("the buffer of {obis}"),
            format!("not an array: {buffer:?}"),
        ));
    };
    let rows = columns
        .rows(&buffer)
        .map_err(|e| unexpected(format!("the buffer of {obis}"), e.to_string()))?;
    Ok(Profile {
        obis,
        capture_objects,
        scalers,
        rows,
    })
}

/// Disconnect control method 1 (remote_disconnect) or 2 (remote_reconnect).
pub(crate) async fn disconnect_control(
    ex: &mut impl Exchange,
    method: i8,
) -> Result<(), MeterError> {
    action(ex, 70, DISCONNECT_CONTROL, method, Some(Data::Integer(0)))
        .await
        .map(|_| ())
}
