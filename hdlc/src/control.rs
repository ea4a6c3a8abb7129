//! The control field: frame type, sequence numbers and the poll/final bit.

/// The control field of a frame (one byte).
///
/// Sequence numbers are modulo 8 (three bits). The constructors mask them to three bits.
///
/// ```
/// use hdlc::Control;
///
/// assert_eq!(Control::from_byte(0x93), Control::Snrm { pf: true });
/// assert_eq!(Control::from_byte(0x10), Control::I { ns: 0, nr: 0, pf: true });
/// assert_eq!(Control::Rr { nr: 2, pf: true }.to_byte(), 0x51);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Control {
    /// Information frame with send and receive sequence numbers.
    I {
        /// N(S): sequence number of this frame.
        ns: u8,
        /// N(R): the next sequence number the sender expects to receive.
        nr: u8,
        /// Poll/final bit.
        pf: bool,
    },
    /// Receive ready: acknowledges every frame before N(R).
    Rr {
        /// N(R).
        nr: u8,
        /// Poll/final bit.
        pf: bool,
    },
    /// Receive not ready: acknowledges like RR but asks the peer to stop sending.
    Rnr {
        /// N(R).
        nr: u8,
        /// Poll/final bit.
        pf: bool,
    },
    /// Set normal response mode (connect).
    Snrm {
        /// Poll bit.
        pf: bool,
    },
    /// Disconnect.
    Disc {
        /// Poll bit.
        pf: bool,
    },
    /// Unnumbered acknowledgement (answers SNRM and DISC).
    Ua {
        /// Final bit.
        pf: bool,
    },
    /// Disconnected mode: the station is not connected.
    Dm {
        /// Final bit.
        pf: bool,
    },
    /// Frame reject: the station received a frame it cannot accept.
    Frmr {
        /// Final bit.
        pf: bool,
    },
    /// Unnumbered information (the push interface of a meter sends these).
    Ui {
        /// Poll/final bit.
        pf: bool,
    },
    /// Any other control byte (REJ, SREJ, unknown U frames), kept as received.
    Other(u8),
}

const PF: u8 = 0x10;

impl Control {
    /// Decodes a control byte. Every byte decodes to something; unknown ones to
    /// [`Control::Other`].
    #[must_use]
    pub const fn from_byte(b: u8) -> Self {
        let pf = b & PF != 0;
        if b & 0x01 == 0 {
            return Control::I {
                ns: (b >> 1) & 0x07,
                nr: b >> 5,
                pf,
            };
        }
        let nr = b >> 5;
        match b & 0x0F {
            0x01 => return Control::Rr { nr, pf },
            0x05 => return Control::Rnr { nr, pf },
            _ => {}
        }
        match b & !PF {
            0x83 => Control::Snrm { pf },
            0x43 => Control::Disc { pf },
            0x63 => Control::Ua { pf },
            0x0F => Control::Dm { pf },
            0x87 => Control::Frmr { pf },
            0x03 => Control::Ui { pf },
            _ => Control::Other(b),
        }
    }

    /// Encodes the control byte.
    #[must_use]
    pub const fn to_byte(self) -> u8 {
        const fn p(pf: bool) -> u8 {
            if pf { PF } else { 0 }
        }
        match self {
            Control::I { ns, nr, pf } => ((nr & 7) << 5) | p(pf) | ((ns & 7) << 1),
            Control::Rr { nr, pf } => ((nr & 7) << 5) | p(pf) | 0x01,
            Control::Rnr { nr, pf } => ((nr & 7) << 5) | p(pf) | 0x05,
            Control::Snrm { pf } => 0x83 | p(pf),
            Control::Disc { pf } => 0x43 | p(pf),
            Control::Ua { pf } => 0x63 | p(pf),
            Control::Dm { pf } => 0x0F | p(pf),
            Control::Frmr { pf } => 0x87 | p(pf),
            Control::Ui { pf } => 0x03 | p(pf),
            Control::Other(b) => b,
        }
    }

    /// The poll/final bit.
    #[must_use]
    pub const fn pf(self) -> bool {
        self.to_byte() & PF != 0
    }

    /// N(S) of an I-frame, `None` for other frames.
    #[must_use]
    pub const fn ns(self) -> Option<u8> {
        match self {
            Control::I { ns, .. } => Some(ns & 7),
            _ => None,
        }
    }

    /// N(R) of an I, RR or RNR frame, `None` for other frames.
    #[must_use]
    pub const fn nr(self) -> Option<u8> {
        match self {
            Control::I { nr, .. } | Control::Rr { nr, .. } | Control::Rnr { nr, .. } => {
                Some(nr & 7)
            }
            _ => None,
        }
    }

    /// Whether this is an information frame.
    #[must_use]
    pub const fn is_information(self) -> bool {
        matches!(self, Control::I { .. })
    }
}

impl From<u8> for Control {
    fn from(b: u8) -> Self {
        Control::from_byte(b)
    }
}

impl From<Control> for u8 {
    fn from(c: Control) -> Self {
        c.to_byte()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips() {
        for b in 0..=255u8 {
            assert_eq!(Control::from_byte(b).to_byte(), b, "byte {b:#04x}");
        }
    }

    #[test]
    fn named_bytes() {
        assert_eq!(Control::from_byte(0x93), Control::Snrm { pf: true });
        assert_eq!(Control::from_byte(0x73), Control::Ua { pf: true });
        assert_eq!(Control::from_byte(0x53), Control::Disc { pf: true });
        assert_eq!(Control::from_byte(0x1F), Control::Dm { pf: true });
        assert_eq!(Control::from_byte(0x97), Control::Frmr { pf: true });
        assert_eq!(Control::from_byte(0x13), Control::Ui { pf: true });
        assert_eq!(Control::from_byte(0x03), Control::Ui { pf: false });
        assert_eq!(
            Control::from_byte(0x30),
            Control::I {
                ns: 0,
                nr: 1,
                pf: true
            }
        );
        assert_eq!(
            Control::from_byte(0x96),
            Control::I {
                ns: 3,
                nr: 4,
                pf: true
            }
        );
        assert_eq!(Control::from_byte(0x51), Control::Rr { nr: 2, pf: true });
        assert_eq!(Control::from_byte(0x35), Control::Rnr { nr: 1, pf: true });
        assert_eq!(Control::from_byte(0x09), Control::Other(0x09));
        assert_eq!(Control::Snrm { pf: true }.nr(), None);
        assert_eq!(
            Control::I {
                ns: 9,
                nr: 3,
                pf: false
            }
            .ns(),
            Some(1)
        );
    }
}
