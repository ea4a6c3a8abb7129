//! The master side against simulated slaves.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic
)]

use mbus::master::{BusEvent, FcbState, Readout, ReadoutStep, Request, WildcardSearch};
use mbus::{
    Address, Ci, Control, DecodeOptions, Frame, Identification, LongHeader, Manufacturer, Medium,
    SecondaryAddress, StatusByte,
};

fn header(id: u32) -> LongHeader {
    LongHeader {
        id: Identification(id),
        manufacturer: Manufacturer::from_code(*b"ELS").unwrap(),
        version: 1,
        medium: Medium::WATER,
        access_number: 0,
        status: StatusByte(0),
        signature: 0,
    }
}

fn rsp_ud(h: &LongHeader, records: &[u8]) -> Vec<u8> {
    let mut data = Vec::new();
    data.extend_from_slice(&h.id.0.to_le_bytes());
    data.extend_from_slice(&h.manufacturer.0.to_le_bytes());
    data.extend_from_slice(&[h.version, h.medium.0, h.access_number, h.status.0, 0, 0]);
    data.extend_from_slice(records);
    let f = Frame::Long {
        control: Control::RSP_UD,
        address: Address::SELECTED,
        ci: Ci::RSP_VARIABLE,
        data: &data,
    };
    let mut out = vec![0u8; f.buffer_len()];
    f.emit(&mut out).unwrap();
    out
}

/// A bus of slaves known by their secondary address; answers like real hardware: no answer,
/// one answer, or a collision when several slaves answer with different bytes.
struct Bus {
    slaves: Vec<(LongHeader, bool)>,
}

enum Answer {
    None,
    Ack,
    Bytes(Vec<u8>),
    Collision,
}

impl Bus {
    fn transmit(&mut self, bytes: &[u8]) -> Answer {
        let frame = Frame::parse(bytes).unwrap();
        match Request::from_frame(&frame).unwrap() {
            Request::Select(pattern) => {
                let mut any = false;
                for (h, selected) in &mut self.slaves {
                    *selected = pattern.matches(h);
                    any |= *selected;
                }
                // identical E5 characters superimpose cleanly
                if any { Answer::Ack } else { Answer::None }
            }
            Request::RequestData { address, .. } => {
                assert_eq!(address, Address::SELECTED);
                let answers: Vec<_> = self
                    .slaves
                    .iter()
                    .filter(|s| s.1)
                    .map(|s| rsp_ud(&s.0, &[0x04, 0x13, 0x01, 0x00, 0x00, 0x00]))
                    .collect();
                match answers.len() {
                    0 => Answer::None,
                    1 => Answer::Bytes(answers[0].clone()),
                    _ => Answer::Collision,
                }
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn wildcard_search_finds_every_slave() {
    let ids = [
        0x1234_5678u32,
        0x1234_5679,
        0x1299_0000,
        0x0000_0001,
        0x9999_9999,
        0x5000_0000,
    ];
    let mut bus = Bus {
        slaves: ids.iter().map(|&i| (header(i), false)).collect(),
    };
    let mut search = WildcardSearch::new();
    let mut found = Vec::new();
    let mut buf = [0u8; 64];
    while !search.is_done() {
        let n = search.poll_transmit(&mut buf).unwrap();
        let answer = bus.transmit(&buf[..n]);
        match answer {
            Answer::None => search.handle(BusEvent::Timeout).unwrap(),
            Answer::Ack => search.handle(BusEvent::Ack).unwrap(),
            Answer::Collision => search.handle(BusEvent::Collision).unwrap(),
            Answer::Bytes(b) => search
                .handle(BusEvent::Frame(Frame::parse(&b).unwrap()))
                .unwrap(),
        }
        if let Some(a) = search.poll_found() {
            found.push(a);
        }
    }
    let mut got: Vec<u32> = found.iter().map(|a| u32::from_le_bytes(a.id)).collect();
    got.sort_unstable();
    let mut want = ids.to_vec();
    want.sort_unstable();
    assert_eq!(got, want);
    assert_eq!(search.unresolved(), 0);
    assert!(search.poll_transmit(&mut buf).is_none());
    // a found address selects exactly its slave
    assert_eq!(found[0].to_string().len(), 16);
    assert!(search.frames_sent() < 200, "{}", search.frames_sent());
}

fn slave(id: u32, manufacturer: &[u8; 3], version: u8, medium: Medium) -> (LongHeader, bool) {
    let h = LongHeader {
        manufacturer: Manufacturer::from_code(*manufacturer).unwrap(),
        version,
        medium,
        ..header(id)
    };
    (h, false)
}

/// Runs a search against the bus; returns the addresses found.
fn run(bus: &mut Bus, search: &mut WildcardSearch) -> Vec<SecondaryAddress> {
    let mut found = Vec::new();
    let mut buf = [0u8; 64];
    while !search.is_done() {
        let n = search.poll_transmit(&mut buf).unwrap();
        match bus.transmit(&buf[..n]) {
            Answer::None => search.handle(BusEvent::Timeout).unwrap(),
            Answer::Ack => search.handle(BusEvent::Ack).unwrap(),
            Answer::Collision => search.handle(BusEvent::Collision).unwrap(),
            Answer::Bytes(b) => search
                .handle(BusEvent::Frame(Frame::parse(&b).unwrap()))
                .unwrap(),
        }
        if let Some(a) = search.poll_found() {
            found.push(a);
        }
        assert!(search.frames_sent() < 20_000, "runaway search");
    }
    assert!(search.poll_transmit(&mut buf).is_none());
    found.sort_by_key(|a| a.to_string());
    found
}

fn addresses(slaves: &[(LongHeader, bool)]) -> Vec<SecondaryAddress> {
    let mut v: Vec<_> = slaves
        .iter()
        .map(|s| SecondaryAddress::from_header(&s.0))
        .collect();
    v.sort_by_key(|a| a.to_string());
    v
}

#[test]
fn wildcard_search_separates_slaves_sharing_an_id() {
    // one id, told apart by medium (a heat meter with a water channel), by version, and by
    // either byte of the manufacturer code; plus an ordinary slave
    let slaves = vec![
        slave(0x2222_0001, b"LUG", 7, Medium::HEAT_OUTLET),
        slave(0x2222_0001, b"LUG", 7, Medium::WATER),
        slave(0x2222_0001, b"LUG", 8, Medium::WATER),
        slave(0x2222_0001, b"LUH", 8, Medium::WATER), // low byte differs
        slave(0x2222_0001, b"ZUH", 8, Medium::WATER), // high byte differs
        slave(0x1111_1111, b"ELS", 1, Medium::GAS),
    ];
    let mut bus = Bus {
        slaves: slaves.clone(),
    };
    let mut search = WildcardSearch::new();
    let found = run(&mut bus, &mut search);
    assert_eq!(found, addresses(&slaves));
    assert_eq!(search.unresolved(), 0);
    // every found address selects exactly one slave
    for a in &found {
        assert_eq!(slaves.iter().filter(|s| a.matches(&s.0)).count(), 1, "{a}");
    }
    println!("{} frames", search.frames_sent());
}

#[test]
fn wildcard_search_reports_identical_slaves() {
    let slaves = vec![
        slave(0x3333_3333, b"ELS", 1, Medium::WATER),
        slave(0x3333_3333, b"ELS", 1, Medium::WATER),
        slave(0x4444_4444, b"ELS", 1, Medium::WATER),
    ];
    let mut bus = Bus { slaves };
    let mut search = WildcardSearch::new();
    let found = run(&mut bus, &mut search);
    assert_eq!(found.len(), 1);
    assert_eq!(u32::from_le_bytes(found[0].id), 0x4444_4444);
    assert_eq!(search.unresolved(), 1);
}

#[test]
fn wildcard_search_with_a_template() {
    let slaves = vec![
        slave(0x5555_0000, b"LUG", 7, Medium::HEAT_OUTLET),
        slave(0x5555_0000, b"LUG", 7, Medium::WATER),
        slave(0x6666_0000, b"ELS", 2, Medium::WATER),
        slave(0x7777_0000, b"ELS", 2, Medium::GAS),
    ];
    // water meters only: the medium is fixed in every selection and not searched
    let template = SecondaryAddress {
        medium: Medium::WATER.0,
        ..SecondaryAddress::WILDCARD
    };
    let mut bus = Bus {
        slaves: slaves.clone(),
    };
    let mut search = WildcardSearch::with_template(template);
    assert_eq!(search.pattern().medium, Medium::WATER.0);
    let found = run(&mut bus, &mut search);
    assert_eq!(found, addresses(&[slaves[1], slaves[2]]));
    assert_eq!(search.unresolved(), 0);
    // a template that fixes the manufacturer's high byte only
    let els = Manufacturer::from_code(*b"ELS").unwrap().0;
    let template = SecondaryAddress {
        manufacturer: els | 0x00FF,
        ..SecondaryAddress::WILDCARD
    };
    let mut bus = Bus {
        slaves: slaves.clone(),
    };
    let found = run(&mut bus, &mut WildcardSearch::with_template(template));
    assert_eq!(found, addresses(&slaves[2..]));
}

#[test]
fn byte_wise_wildcards_in_selections() {
    let h = slave(0x1234_5678, b"ELS", 1, Medium::WATER).0;
    let m = h.manufacturer.0.to_le_bytes();
    let pat = |man: u16, version: u8, medium: u8| SecondaryAddress {
        id: [0x78, 0x56, 0x34, 0x12],
        manufacturer: man,
        version,
        medium,
    };
    let man = h.manufacturer.0;
    assert!(pat(man, 1, 7).matches(&h));
    assert!(pat(0xFF00 | u16::from(m[0]), 1, 7).matches(&h));
    assert!(pat((u16::from(m[1]) << 8) | 0xFF, 0xFF, 0xFF).matches(&h));
    assert!(!pat(0xFF00 | u16::from(m[0].wrapping_add(1)), 1, 7).matches(&h));
    assert!(!pat(man, 2, 0xFF).matches(&h));
    assert!(!pat(man, 0xFF, 8).matches(&h));
    assert!(pat(0xFF00 | u16::from(m[0]), 1, 7).is_wildcard());
    assert_eq!(pat(0xFF00 | u16::from(m[0]), 1, 7).manufacturer(), None);
    assert!(!pat(man, 1, 7).is_wildcard());
    // the selection frame carries the pattern bytes unchanged
    let mut eight = [0u8; 8];
    let mut out = [0u8; 17];
    let n = mbus::master::select(&pat(0xFF93, 0xFF, 7), &mut eight)
        .emit(&mut out)
        .unwrap();
    assert_eq!(
        &out[7..n - 2],
        &[0x78, 0x56, 0x34, 0x12, 0x93, 0xFF, 0xFF, 0x07]
    );
}

#[test]
fn multi_telegram_readout_with_fcb_and_retry() {
    let h = header(0x1122_3344);
    // first telegram ends with DIF 1F, the second does not
    let t1 = rsp_ud(&h, &[0x04, 0x13, 0x01, 0x00, 0x00, 0x00, 0x1F]);
    let t2 = rsp_ud(&h, &[0x04, 0x13, 0x02, 0x00, 0x00, 0x00]);
    let mut r = Readout::new(Address::SELECTED, 1);
    let mut out = [0u8; 5];
    assert_eq!(r.poll_transmit(&mut out), Some(5));
    assert_eq!(out[1], 0x7B); // FCB = 1 first
    assert_eq!(r.poll_transmit(&mut out), None); // awaiting
    let step = r
        .handle(BusEvent::Frame(Frame::parse(&t1).unwrap()))
        .unwrap();
    assert_eq!(step, ReadoutStep::Telegram { last: false });
    r.poll_transmit(&mut out).unwrap();
    assert_eq!(out[1], 0x5B); // toggled
    assert_eq!(r.handle(BusEvent::Timeout).unwrap(), ReadoutStep::Retry);
    r.poll_transmit(&mut out).unwrap();
    assert_eq!(out[1], 0x5B); // repeated with the same FCB
    let step = r
        .handle(BusEvent::Frame(Frame::parse(&t2).unwrap()))
        .unwrap();
    assert_eq!(step, ReadoutStep::Telegram { last: true });
    assert!(r.is_done());
    assert_eq!(r.telegrams(), 2);
    // giving up after the retries
    let mut r = Readout::new(Address(3), 1);
    r.poll_transmit(&mut out).unwrap();
    assert_eq!(r.handle(BusEvent::Timeout).unwrap(), ReadoutStep::Retry);
    r.poll_transmit(&mut out).unwrap();
    assert_eq!(r.handle(BusEvent::Timeout).unwrap(), ReadoutStep::GaveUp);
    assert!(r.is_done() && r.poll_transmit(&mut out).is_none());
}

#[test]
fn requests_round_trip() {
    let mut fcb = FcbState::new();
    let a = Address(12);
    let mut buf = [0u8; 32];
    let n = fcb.snd_nke(a).emit(&mut buf).unwrap();
    assert_eq!(buf[..n], [0x10, 0x40, 0x0C, 0x4C, 0x16]);
    let f = Frame::parse(&buf[..n]).unwrap();
    assert_eq!(Request::from_frame(&f).unwrap(), Request::LinkReset(a));
    let mut one = [0u8; 1];
    let f = mbus::master::application_reset(a, true, Some(0x10), &mut one);
    let n = f.emit(&mut buf).unwrap();
    assert_eq!(
        buf[..n],
        [0x68, 0x04, 0x04, 0x68, 0x73, 0x0C, 0x50, 0x10, 0xDF, 0x16]
    );
    assert_eq!(
        Request::from_frame(&Frame::parse(&buf[..n]).unwrap()).unwrap(),
        Request::ApplicationReset {
            address: a,
            subcode: Some(0x10)
        }
    );
    let f = mbus::master::application_reset(a, false, None, &mut one);
    let n = f.emit(&mut buf).unwrap();
    assert_eq!(
        buf[..n],
        [0x68, 0x03, 0x03, 0x68, 0x53, 0x0C, 0x50, 0xAF, 0x16]
    );
    let mut three = [0u8; 3];
    let f =
        mbus::master::set_primary_address(Address::BROADCAST_REPLY, false, Address(8), &mut three);
    let n = f.emit(&mut buf).unwrap();
    // the libmbus unsupported-frames/manual_frame4 bytes
    assert_eq!(
        buf[..n],
        [
            0x68, 0x06, 0x06, 0x68, 0x53, 0xFE, 0x51, 0x01, 0x7A, 0x08, 0x25, 0x16
        ]
    );
    let Request::SendData { data, .. } =
        Request::from_frame(&Frame::parse(&buf[..n]).unwrap()).unwrap()
    else {
        panic!()
    };
    let rec = mbus::Records::new(data, DecodeOptions::STRICT)
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(rec.info().unwrap().quantity, mbus::Quantity::BusAddress);
    assert_eq!(rec.value, mbus::Value::Integer(8));
    let sel = SecondaryAddress::parse_str("12345678FFFFFFFF").unwrap();
    let mut eight = [0u8; 8];
    let f = mbus::master::select(&sel, &mut eight);
    let n = f.emit(&mut buf).unwrap();
    assert_eq!(
        Request::from_frame(&Frame::parse(&buf[..n]).unwrap()).unwrap(),
        Request::Select(sel)
    );
    assert_eq!(sel.to_string(), "12345678FFFFFFFF");
    assert!(sel.matches(&header(0x1234_5678)));
    assert!(!sel.matches(&header(0x1234_5679)));
    assert!(SecondaryAddress::parse_str("1234567").is_err());
    assert!(SecondaryAddress::parse_str("1234567AFFFFFFFF").is_err());
    // a slave frame is not a request
    let busy = [0x68, 0x04, 0x04, 0x68, 0x08, 0x01, 0x70, 0x08, 0x81, 0x16];
    assert!(Request::from_frame(&Frame::parse(&busy).unwrap()).is_err());
}
