//! The meter client: a sans-IO [`Engine`] (HDLC link or IEC 62056-47 wrapper, plus the DLMS
//! client session), the blocking [`Meter`] and the tokio [`AsyncMeter`] that pump it.
//!
//! Both front ends run the same operations (written once): `read(obis)` with the scaler and
//! unit applied, `read_many`, `read_clock`/`set_clock`, `read_profile` by date range or by
//! entries, `object_list`, disconnect control (never called implicitly) and `close`.
//!
//! Reading a register over TCP:
//!
//! ```no_run
//! use e450::client::{Authentication, Meter, MeterConfig};
//! use e450::obis::ObisCode;
//!
//! let config = MeterConfig {
//!     client_sap: 1,
//!     authentication: Authentication::Low("12345678".parse()?),
//!     ..MeterConfig::default()
//! };
//! let mut meter = Meter::connect_tcp("127.0.0.1:4059", config)?;
//! let value = meter.read(ObisCode::new(1, 0, 1, 8, 0, 255))?;
//! println!("{value}");
//! meter.close()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The wrapper codec stands on its own:
//!
//! ```
//! use e450::wrapper::WrapperFrame;
//! let mut out = Vec::new();
//! WrapperFrame::new(16, 1, &[0xC0, 0x01])?.encode(&mut out);
//! assert_eq!(out, [0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00, 0x02, 0xC0, 0x01]);
//! # Ok::<(), e450::wrapper::WrapperError>(())
//! ```

mod asynch;
mod blocking;
mod config;
mod engine;
mod error;
mod ops;

pub use asynch::AsyncMeter;
pub(crate) use blocking::tcp as blocking_tcp;
pub use blocking::{Direction, Meter, Trace, mode_e_baud, sign_on_mode_e};
pub use config::{Authentication, Framing, MeterConfig, Physical};
pub use engine::{Engine, EngineEvent, Request};
pub use error::MeterError;
pub use ops::{CLOCK, DISCONNECT_CONTROL, MeterValue, Profile, ProfileRange};
