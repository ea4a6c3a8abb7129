//! GET, SET and ACTION requests and responses.

use alloc::vec::Vec;

use super::common::{
    ActionResult, AttributeDescriptor, DataAccessResult, DataBlockSa, GetDataResult,
    InvokeIdAndPriority, MethodDescriptor, SelectiveAccess, put_count, read_bool_flag, read_count,
};
use crate::reader::{Reader, push_length};
use crate::{Data, DecodeLimits, Error};

/// One attribute with optional selective access (an element of a with-list request).
#[derive(Clone, PartialEq, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AttributeAccess {
    /// The attribute.
    pub attribute: AttributeDescriptor,
    /// Selective access, when requested.
    pub access: Option<SelectiveAccess>,
}

impl AttributeAccess {
    fn read(r: &mut Reader<'_>, lim: DecodeLimits) -> Result<Self, Error> {
        let attribute = AttributeDescriptor::read(r)?;
        let access = SelectiveAccess::read_optional(r, lim)?;
        Ok(AttributeAccess { attribute, access })
    }
    fn put(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        self.attribute.put(out);
        SelectiveAccess::put_optional(&self.access, out)
    }
}

fn read_list<'a, T>(
    r: &mut Reader<'a>,
    mut f: impl FnMut(&mut Reader<'a>) -> Result<T, Error>,
) -> Result<Vec<T>, Error> {
    let n = read_count(r)?;
    let mut v = Vec::with_capacity(n.min(r.remaining()));
    for _ in 0..n {
        v.push(f(r)?);
    }
    Ok(v)
}

fn put_list<T>(
    out: &mut Vec<u8>,
    items: &[T],
    mut f: impl FnMut(&T, &mut Vec<u8>) -> Result<(), Error>,
) -> Result<(), Error> {
    put_count(out, items.len())?;
    items.iter().try_for_each(|i| f(i, out))
}

/// GET-Request (tag `C0`).
///
/// ```
/// use dlms::apdu::{Apdu, GetRequest};
/// let bytes = [0xC0, 0x01, 0xC1, 0x00, 0x01, 0x00, 0x00, 0x2B, 0x01, 0x00, 0xFF, 0x02, 0x00];
/// let Apdu::GetRequest(GetRequest::Normal { invoke, attribute, access }) = Apdu::parse(&bytes).unwrap() else { panic!() };
/// assert_eq!((invoke.invoke_id(), attribute.class_id, attribute.attribute), (1, 1, 2));
/// assert_eq!(attribute.instance.to_string(), "0-0:43.1.0*255");
/// assert!(access.is_none());
/// ```
#[derive(Clone, PartialEq, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum GetRequest {
    /// get-request-normal (1).
    Normal {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The attribute.
        attribute: AttributeDescriptor,
        /// Selective access.
        access: Option<SelectiveAccess>,
    },
    /// get-request-next (2): ask for the block after `block_number`.
    Next {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The last block received.
        block_number: u32,
    },
    /// get-request-with-list (3).
    WithList {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The attributes.
        attributes: Vec<AttributeAccess>,
    },
}

impl GetRequest {
    pub(crate) fn read_body(r: &mut Reader<'_>, lim: DecodeLimits) -> Result<Self, Error> {
        let choice = r.u8()?;
        let invoke = InvokeIdAndPriority(r.u8()?);
        match choice {
            1 => {
                let attribute = AttributeDescriptor::read(r)?;
                let access = SelectiveAccess::read_optional(r, lim)?;
                Ok(GetRequest::Normal {
                    invoke,
                    attribute,
                    access,
                })
            }
            2 => Ok(GetRequest::Next {
                invoke,
                block_number: r.u32()?,
            }),
            3 => Ok(GetRequest::WithList {
                invoke,
                attributes: read_list(r, |r| AttributeAccess::read(r, lim))?,
            }),
            c => Err(Error::UnknownTag {
                offset: r.offset().saturating_sub(2),
                tag: c,
            }),
        }
    }

    pub(crate) fn put_body(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        match self {
            GetRequest::Normal {
                invoke,
                attribute,
                access,
            } => {
                out.extend_from_slice(&[1, invoke.0]);
                attribute.put(out);
                SelectiveAccess::put_optional(access, out)
            }
            GetRequest::Next {
                invoke,
                block_number,
            } => {
                out.extend_from_slice(&[2, invoke.0]);
                out.extend_from_slice(&block_number.to_be_bytes());
                Ok(())
            }
            GetRequest::WithList { invoke, attributes } => {
                out.extend_from_slice(&[3, invoke.0]);
                put_list(out, attributes, AttributeAccess::put)
            }
        }
    }
}

/// The result part of a DataBlock-G.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BlockResult<'a> {
    /// `[0] raw-data`: a piece of the encoded `Data`.
    RawData(&'a [u8]),
    /// `[1] data-access-result`.
    Error(DataAccessResult),
}

/// DataBlock-G (GET block transfer).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DataBlockG<'a> {
    /// Whether this is the last block.
    pub last_block: bool,
    /// The block number (1-based).
    pub block_number: u32,
    /// The data of this block, or an error.
    pub result: BlockResult<'a>,
}

/// GET-Response (tag `C4`).
///
/// ```
/// use dlms::{Data, apdu::{Apdu, GetDataResult, GetResponse}};
/// let apdu = Apdu::parse(&[0xC4, 0x01, 0xC1, 0x00, 0x06, 0x00, 0x00, 0x13, 0x91]).unwrap();
/// let Apdu::GetResponse(GetResponse::Normal { result: GetDataResult::Data(d), .. }) = apdu else { panic!() };
/// assert_eq!(d, Data::DoubleLongUnsigned(5009));
/// ```
#[derive(Clone, PartialEq, Debug)]
pub enum GetResponse<'a> {
    /// get-response-normal (1).
    Normal {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The value or an error.
        result: GetDataResult,
    },
    /// get-response-with-datablock (2).
    WithDataBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The block.
        block: DataBlockG<'a>,
    },
    /// get-response-with-list (3).
    WithList {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// One result per requested attribute.
        results: Vec<GetDataResult>,
    },
}

impl<'a> GetResponse<'a> {
    pub(crate) fn read_body(r: &mut Reader<'a>, lim: DecodeLimits) -> Result<Self, Error> {
        let choice = r.u8()?;
        let invoke = InvokeIdAndPriority(r.u8()?);
        match choice {
            1 => Ok(GetResponse::Normal {
                invoke,
                result: GetDataResult::read(r, lim)?,
            }),
            2 => {
                let last_block = read_bool_flag(r, "last-block")?;
                let block_number = r.u32()?;
                let offset = r.offset();
                let result = match r.u8()? {
                    0 => BlockResult::RawData(r.length_prefixed()?),
                    1 => BlockResult::Error(DataAccessResult(r.u8()?)),
                    tag => return Err(Error::UnknownTag { offset, tag }),
                };
                Ok(GetResponse::WithDataBlock {
                    invoke,
                    block: DataBlockG {
                        last_block,
                        block_number,
                        result,
                    },
                })
            }
            3 => Ok(GetResponse::WithList {
                invoke,
                results: read_list(r, |r| GetDataResult::read(r, lim))?,
            }),
            c => Err(Error::UnknownTag {
                offset: r.offset().saturating_sub(2),
                tag: c,
            }),
        }
    }

    pub(crate) fn put_body(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        match self {
            GetResponse::Normal { invoke, result } => {
                out.extend_from_slice(&[1, invoke.0]);
                result.put(out)
            }
            GetResponse::WithDataBlock { invoke, block } => {
                out.extend_from_slice(&[2, invoke.0, u8::from(block.last_block)]);
                out.extend_from_slice(&block.block_number.to_be_bytes());
                match block.result {
                    BlockResult::RawData(d) => {
                        out.push(0);
                        push_length(out, d.len())?;
                        out.extend_from_slice(d);
                    }
                    BlockResult::Error(e) => out.extend_from_slice(&[1, e.0]),
                }
                Ok(())
            }
            GetResponse::WithList { invoke, results } => {
                out.extend_from_slice(&[3, invoke.0]);
                put_list(out, results, GetDataResult::put)
            }
        }
    }
}

/// SET-Request (tag `C1`).
#[derive(Clone, PartialEq, Debug)]
pub enum SetRequest<'a> {
    /// set-request-normal (1).
    Normal {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The attribute.
        attribute: AttributeDescriptor,
        /// Selective access.
        access: Option<SelectiveAccess>,
        /// The new value.
        value: Data,
    },
    /// set-request-with-first-datablock (2).
    WithFirstDataBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The attribute.
        attribute: AttributeDescriptor,
        /// Selective access.
        access: Option<SelectiveAccess>,
        /// The first block of the value.
        block: DataBlockSa<'a>,
    },
    /// set-request-with-datablock (3).
    WithDataBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The next block.
        block: DataBlockSa<'a>,
    },
    /// set-request-with-list (4).
    WithList {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The attributes.
        attributes: Vec<AttributeAccess>,
        /// One value per attribute.
        values: Vec<Data>,
    },
    /// set-request-with-list-and-first-datablock (5).
    WithListAndFirstDataBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The attributes.
        attributes: Vec<AttributeAccess>,
        /// The first block of the values.
        block: DataBlockSa<'a>,
    },
}

impl<'a> SetRequest<'a> {
    pub(crate) fn read_body(r: &mut Reader<'a>, lim: DecodeLimits) -> Result<Self, Error> {
        let choice = r.u8()?;
        let invoke = InvokeIdAndPriority(r.u8()?);
        Ok(match choice {
            1 => {
                let attribute = AttributeDescriptor::read(r)?;
                let access = SelectiveAccess::read_optional(r, lim)?;
                let value = Data::read_with_limits(r, lim)?;
                SetRequest::Normal {
                    invoke,
                    attribute,
                    access,
                    value,
                }
            }
            2 => {
                let attribute = AttributeDescriptor::read(r)?;
                let access = SelectiveAccess::read_optional(r, lim)?;
                SetRequest::WithFirstDataBlock {
                    invoke,
                    attribute,
                    access,
                    block: DataBlockSa::read(r)?,
                }
            }
            3 => SetRequest::WithDataBlock {
                invoke,
                block: DataBlockSa::read(r)?,
            },
            4 => {
                let attributes = read_list(r, |r| AttributeAccess::read(r, lim))?;
                let values = read_list(r, |r| Data::read_with_limits(r, lim))?;
                SetRequest::WithList {
                    invoke,
                    attributes,
                    values,
                }
            }
            5 => {
                let attributes = read_list(r, |r| AttributeAccess::read(r, lim))?;
                SetRequest::WithListAndFirstDataBlock {
                    invoke,
                    attributes,
                    block: DataBlockSa::read(r)?,
                }
            }
            c => {
                return Err(Error::UnknownTag {
                    offset: r.offset().saturating_sub(2),
                    tag: c,
                });
            }
        })
    }

    pub(crate) fn put_body(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        match self {
            SetRequest::Normal {
                invoke,
                attribute,
                access,
                value,
            } => {
                out.extend_from_slice(&[1, invoke.0]);
                attribute.put(out);
                SelectiveAccess::put_optional(access, out)?;
                value.encode(out)
            }
            SetRequest::WithFirstDataBlock {
                invoke,
                attribute,
                access,
                block,
            } => {
                out.extend_from_slice(&[2, invoke.0]);
                attribute.put(out);
                SelectiveAccess::put_optional(access, out)?;
                block.put(out)
            }
            SetRequest::WithDataBlock { invoke, block } => {
                out.extend_from_slice(&[3, invoke.0]);
                block.put(out)
            }
            SetRequest::WithList {
                invoke,
                attributes,
                values,
            } => {
                out.extend_from_slice(&[4, invoke.0]);
                put_list(out, attributes, AttributeAccess::put)?;
                put_list(out, values, Data::encode)
            }
            SetRequest::WithListAndFirstDataBlock {
                invoke,
                attributes,
                block,
            } => {
                out.extend_from_slice(&[5, invoke.0]);
                put_list(out, attributes, AttributeAccess::put)?;
                block.put(out)
            }
        }
    }
}

/// SET-Response (tag `C5`).
#[derive(Clone, PartialEq, Eq, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SetResponse {
    /// set-response-normal (1).
    Normal {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The result.
        result: DataAccessResult,
    },
    /// set-response-datablock (2): block received.
    DataBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The block received.
        block_number: u32,
    },
    /// set-response-last-datablock (3).
    LastDataBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The result.
        result: DataAccessResult,
        /// The last block received.
        block_number: u32,
    },
    /// set-response-last-datablock-with-list (4).
    LastDataBlockWithList {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// One result per attribute.
        results: Vec<DataAccessResult>,
        /// The last block received.
        block_number: u32,
    },
    /// set-response-with-list (5).
    WithList {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// One result per attribute.
        results: Vec<DataAccessResult>,
    },
}

impl SetResponse {
    pub(crate) fn read_body(r: &mut Reader<'_>) -> Result<Self, Error> {
        let choice = r.u8()?;
        let invoke = InvokeIdAndPriority(r.u8()?);
        let result = |r: &mut Reader<'_>| Ok(DataAccessResult(r.u8()?));
        Ok(match choice {
            1 => SetResponse::Normal {
                invoke,
                result: DataAccessResult(r.u8()?),
            },
            2 => SetResponse::DataBlock {
                invoke,
                block_number: r.u32()?,
            },
            3 => SetResponse::LastDataBlock {
                invoke,
                result: DataAccessResult(r.u8()?),
                block_number: r.u32()?,
            },
            4 => {
                let results = read_list(r, result)?;
                SetResponse::LastDataBlockWithList {
                    invoke,
                    results,
                    block_number: r.u32()?,
                }
            }
            5 => SetResponse::WithList {
                invoke,
                results: read_list(r, result)?,
            },
            c => {
                return Err(Error::UnknownTag {
                    offset: r.offset().saturating_sub(2),
                    tag: c,
                });
            }
        })
    }

    pub(crate) fn put_body(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        let res = |r: &DataAccessResult, out: &mut Vec<u8>| {
            out.push(r.0);
            Ok(())
        };
        match self {
            SetResponse::Normal { invoke, result } => {
                out.extend_from_slice(&[1, invoke.0, result.0])
            }
            SetResponse::DataBlock {
                invoke,
                block_number,
            } => {
                out.extend_from_slice(&[2, invoke.0]);
                out.extend_from_slice(&block_number.to_be_bytes());
            }
            SetResponse::LastDataBlock {
                invoke,
                result,
                block_number,
            } => {
                out.extend_from_slice(&[3, invoke.0, result.0]);
                out.extend_from_slice(&block_number.to_be_bytes());
            }
            SetResponse::LastDataBlockWithList {
                invoke,
                results,
                block_number,
            } => {
                out.extend_from_slice(&[4, invoke.0]);
                put_list(out, results, res)?;
                out.extend_from_slice(&block_number.to_be_bytes());
            }
            SetResponse::WithList { invoke, results } => {
                out.extend_from_slice(&[5, invoke.0]);
                put_list(out, results, res)?;
            }
        }
        Ok(())
    }
}

/// ACTION-Request (tag `C3`).
#[derive(Clone, PartialEq, Debug)]
pub enum ActionRequest<'a> {
    /// action-request-normal (1).
    Normal {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The method.
        method: MethodDescriptor,
        /// The invocation parameters, if any.
        parameters: Option<Data>,
    },
    /// action-request-next-pblock (2).
    NextPBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The last block received.
        block_number: u32,
    },
    /// action-request-with-list (3).
    WithList {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The methods.
        methods: Vec<MethodDescriptor>,
        /// One parameter per method.
        parameters: Vec<Data>,
    },
    /// action-request-with-first-pblock (4).
    WithFirstPBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The method.
        method: MethodDescriptor,
        /// The first block of the parameters.
        block: DataBlockSa<'a>,
    },
    /// action-request-with-list-and-first-pblock (5).
    WithListAndFirstPBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The methods.
        methods: Vec<MethodDescriptor>,
        /// The first block of the parameters.
        block: DataBlockSa<'a>,
    },
    /// action-request-with-pblock (6).
    WithPBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The next block.
        block: DataBlockSa<'a>,
    },
}

fn read_optional_data(r: &mut Reader<'_>, lim: DecodeLimits) -> Result<Option<Data>, Error> {
    Ok(if read_bool_flag(r, "optional flag")? {
        Some(Data::read_with_limits(r, lim)?)
    } else {
        None
    })
}

fn put_optional_data(d: &Option<Data>, out: &mut Vec<u8>) -> Result<(), Error> {
    match d {
        None => {
            out.push(0);
            Ok(())
        }
        Some(d) => {
            out.push(1);
            d.encode(out)
        }
    }
}

impl<'a> ActionRequest<'a> {
    pub(crate) fn read_body(r: &mut Reader<'a>, lim: DecodeLimits) -> Result<Self, Error> {
        let choice = r.u8()?;
        let invoke = InvokeIdAndPriority(r.u8()?);
        Ok(match choice {
            1 => {
                let method = MethodDescriptor::read(r)?;
                ActionRequest::Normal {
                    invoke,
                    method,
                    parameters: read_optional_data(r, lim)?,
                }
            }
            2 => ActionRequest::NextPBlock {
                invoke,
                block_number: r.u32()?,
            },
            3 => {
                let methods = read_list(r, MethodDescriptor::read)?;
                let parameters = read_list(r, |r| Data::read_with_limits(r, lim))?;
                ActionRequest::WithList {
                    invoke,
                    methods,
                    parameters,
                }
            }
            4 => {
                let method = MethodDescriptor::read(r)?;
                ActionRequest::WithFirstPBlock {
                    invoke,
                    method,
                    block: DataBlockSa::read(r)?,
                }
            }
            5 => {
                let methods = read_list(r, MethodDescriptor::read)?;
                ActionRequest::WithListAndFirstPBlock {
                    invoke,
                    methods,
                    block: DataBlockSa::read(r)?,
                }
            }
            6 => ActionRequest::WithPBlock {
                invoke,
                block: DataBlockSa::read(r)?,
            },
            c => {
                return Err(Error::UnknownTag {
                    offset: r.offset().saturating_sub(2),
                    tag: c,
                });
            }
        })
    }

    pub(crate) fn put_body(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        let meth = |m: &MethodDescriptor, out: &mut Vec<u8>| {
            m.put(out);
            Ok(())
        };
        match self {
            ActionRequest::Normal {
                invoke,
                method,
                parameters,
            } => {
                out.extend_from_slice(&[1, invoke.0]);
                method.put(out);
                put_optional_data(parameters, out)
            }
            ActionRequest::NextPBlock {
                invoke,
                block_number,
            } => {
                out.extend_from_slice(&[2, invoke.0]);
                out.extend_from_slice(&block_number.to_be_bytes());
                Ok(())
            }
            ActionRequest::WithList {
                invoke,
                methods,
                parameters,
            } => {
                out.extend_from_slice(&[3, invoke.0]);
                put_list(out, methods, meth)?;
                put_list(out, parameters, Data::encode)
            }
            ActionRequest::WithFirstPBlock {
                invoke,
                method,
                block,
            } => {
                out.extend_from_slice(&[4, invoke.0]);
                method.put(out);
                block.put(out)
            }
            ActionRequest::WithListAndFirstPBlock {
                invoke,
                methods,
                block,
            } => {
                out.extend_from_slice(&[5, invoke.0]);
                put_list(out, methods, meth)?;
                block.put(out)
            }
            ActionRequest::WithPBlock { invoke, block } => {
                out.extend_from_slice(&[6, invoke.0]);
                block.put(out)
            }
        }
    }
}

/// Action-Response-With-Optional-Data.
#[derive(Clone, PartialEq, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ActionOutcome {
    /// The result.
    pub result: ActionResult,
    /// Return parameters, if any.
    pub return_parameters: Option<GetDataResult>,
}

impl ActionOutcome {
    fn read(r: &mut Reader<'_>, lim: DecodeLimits) -> Result<Self, Error> {
        let result = ActionResult(r.u8()?);
        let return_parameters = if read_bool_flag(r, "optional flag")? {
            Some(GetDataResult::read(r, lim)?)
        } else {
            None
        };
        Ok(ActionOutcome {
            result,
            return_parameters,
        })
    }
    fn put(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        out.push(self.result.0);
        match &self.return_parameters {
            None => {
                out.push(0);
                Ok(())
            }
            Some(p) => {
                out.push(1);
                p.put(out)
            }
        }
    }
}

/// ACTION-Response (tag `C7`).
#[derive(Clone, PartialEq, Debug)]
pub enum ActionResponse<'a> {
    /// action-response-normal (1).
    Normal {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// Result and return parameters.
        outcome: ActionOutcome,
    },
    /// action-response-with-pblock (2).
    WithPBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The block.
        block: DataBlockSa<'a>,
    },
    /// action-response-with-list (3).
    WithList {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// One outcome per method.
        outcomes: Vec<ActionOutcome>,
    },
    /// action-response-next-pblock (4).
    NextPBlock {
        /// Invoke id and priority.
        invoke: InvokeIdAndPriority,
        /// The last block received.
        block_number: u32,
    },
}

impl<'a> ActionResponse<'a> {
    pub(crate) fn read_body(r: &mut Reader<'a>, lim: DecodeLimits) -> Result<Self, Error> {
        let choice = r.u8()?;
        let invoke = InvokeIdAndPriority(r.u8()?);
        Ok(match choice {
            1 => ActionResponse::Normal {
                invoke,
                outcome: ActionOutcome::read(r, lim)?,
            },
            2 => ActionResponse::WithPBlock {
                invoke,
                block: DataBlockSa::read(r)?,
            },
            3 => ActionResponse::WithList {
                invoke,
                outcomes: read_list(r, |r| ActionOutcome::read(r, lim))?,
            },
            4 => ActionResponse::NextPBlock {
                invoke,
                block_number: r.u32()?,
            },
            c => {
                return Err(Error::UnknownTag {
                    offset: r.offset().saturating_sub(2),
                    tag: c,
                });
            }
        })
    }

    pub(crate) fn put_body(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        match self {
            ActionResponse::Normal { invoke, outcome } => {
                out.extend_from_slice(&[1, invoke.0]);
                outcome.put(out)
            }
            ActionResponse::WithPBlock { invoke, block } => {
                out.extend_from_slice(&[2, invoke.0]);
                block.put(out)
            }
            ActionResponse::WithList { invoke, outcomes } => {
                out.extend_from_slice(&[3, invoke.0]);
                put_list(out, outcomes, ActionOutcome::put)
            }
            ActionResponse::NextPBlock {
                invoke,
                block_number,
            } => {
                out.extend_from_slice(&[4, invoke.0]);
                out.extend_from_slice(&block_number.to_be_bytes());
                Ok(())
            }
        }
    }
}
