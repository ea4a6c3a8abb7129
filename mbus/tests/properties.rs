//! Property tests: no input panics, and frames survive `parse(emit(x)) == x`.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use mbus::{
    Address, Ci, Control, DecodeOptions, Frame, FrameDecoder, Records, Response, Status, UserData,
    parse_frame,
};
use proptest::prelude::*;

fn frame_strategy() -> impl Strategy<Value = (u8, u8, u8, u8, Vec<u8>)> {
    (
        0u8..4,
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        proptest::collection::vec(any::<u8>(), 1..=252),
    )
}

fn build(kind: u8, c: u8, a: u8, ci: u8, data: &[u8]) -> Frame<'_> {
    match kind {
        0 => Frame::Ack,
        1 => Frame::Short {
            control: Control(c),
            address: Address(a),
        },
        2 => Frame::Control {
            control: Control(c),
            address: Address(a),
            ci: Ci(ci),
        },
        _ => Frame::Long {
            control: Control(c),
            address: Address(a),
            ci: Ci(ci),
            data,
        },
    }
}

fn to_vec(f: &Frame<'_>) -> Vec<u8> {
    let mut buf = vec![0u8; f.buffer_len()];
    let n = f.emit(&mut buf).unwrap();
    buf.truncate(n);
    buf
}

proptest! {
    #[test]
    fn frame_round_trip((kind, c, a, ci, data) in frame_strategy()) {
        let f = build(kind, c, a, ci, &data);
        let mut buf = [0u8; 300];
        let n = f.emit(&mut buf).unwrap();
        prop_assert_eq!(n, f.buffer_len());
        prop_assert_eq!(Frame::parse(&buf[..n]).unwrap(), f);
        prop_assert_eq!(parse_frame(&buf[..n]).unwrap(), Status::Complete((n, f)));
        // every prefix is partial
        for cut in 0..n {
            let partial = matches!(parse_frame(&buf[..cut]), Ok(Status::Partial { .. }));
            prop_assert!(partial);
        }
        prop_assert_eq!(&to_vec(&f)[..], &buf[..n]);
    }

    #[test]
    fn decoder_finds_frames_in_noise(
        (kind, c, a, ci, data) in frame_strategy(),
        noise in proptest::collection::vec(any::<u8>(), 0..40),
        chunk in 1usize..50,
    ) {
        let f = build(kind, c, a, ci, &data);
        let mut stream = noise.clone();
        // noise must not hide the frame: end it with a byte that starts nothing
        stream.push(0x00);
        stream.extend_from_slice(&to_vec(&f));
        let mut dec = FrameDecoder::new();
        let mut found = false;
        for piece in stream.chunks(chunk) {
            let mut piece = piece;
            while !piece.is_empty() {
                let n = dec.feed(piece);
                piece = &piece[n..];
                while let Some(item) = dec.next_frame() {
                    if item == Ok(f) {
                        found = true;
                    }
                }
            }
        }
        // noise can swallow the frame only when it holds a false start whose length covers it
        if !noise.iter().any(|&b| b == 0x68 || b == 0x10) {
            prop_assert!(found);
        }
    }

    #[test]
    fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_frame(&bytes);
        let _ = Frame::parse(&bytes);
        let mut dec = FrameDecoder::new();
        dec.feed(&bytes);
        while dec.next_frame().is_some() {}
        for opts in [DecodeOptions::STRICT, DecodeOptions::LENIENT] {
            for r in Records::new(&bytes, opts).flatten() {
                let _ = r.scaled();
                let _ = r.scaler_unit();
            }
            for r in Records::new_msb_first(&bytes, opts) {
                let _ = r;
            }
            if let Some((&ci, rest)) = bytes.split_first()
                && let Ok(UserData::Variable(vd)) = UserData::parse(Ci(ci), rest, opts)
            {
                for r in vd.records() {
                    let _ = r;
                }
            }
            let _ = Response::parse(&bytes, opts);
        }
    }

    #[test]
    fn records_with_valid_frame_never_panic(
        ci in prop::sample::select(vec![0x70u8, 0x71, 0x72, 0x73, 0x76, 0x77, 0x78, 0x7A]),
        data in proptest::collection::vec(any::<u8>(), 0..252),
    ) {
        let f = Frame::Long { control: Control::RSP_UD, address: Address(1), ci: Ci(ci), data: &data };
        let v = to_vec(&f);
        if let Ok(rsp) = Response::parse(&v, DecodeOptions::LENIENT)
            && let UserData::Variable(vd) = rsp.data
        {
            let n = vd.records().count();
            prop_assert!(n <= data.len());
        }
    }
}

proptest! {
    #[test]
    fn secondary_address_round_trips(b in any::<[u8; 8]>()) {
        let a = mbus::SecondaryAddress::from_bytes(b);
        prop_assert_eq!(a.to_bytes(), b);
        // the text form holds id digits 0-9 and F only
        let text = a.to_string();
        if text[..8].chars().all(|c| c.is_ascii_digit() || c == 'F') {
            prop_assert_eq!(mbus::SecondaryAddress::parse_str(&text).unwrap(), a);
        } else {
            prop_assert!(mbus::SecondaryAddress::parse_str(&text).is_err());
        }
    }

    #[test]
    fn dates_round_trip(year in 2000u16..=2080, month in 1u8..=12, day in 1u8..=31,
                        hour in 0u8..24, minute in 0u8..60, summer in any::<bool>()) {
        use mbus::datetime::{Date, DateTime, Time, decode_f, decode_g, encode_f, encode_g};
        let date = Date { year, month, day };
        prop_assert_eq!(decode_g(encode_g(date)), date);
        let dt = DateTime {
            date,
            time: Time { hour, minute, second: 0 },
            invalid: false,
            summer_time: summer,
            weekday: 0,
            week: 0,
        };
        prop_assert_eq!(decode_f(encode_f(dt)), dt);
    }

    #[test]
    fn dlms_segments_round_trip(payload in proptest::collection::vec(any::<u8>(), 0..=250),
                                seq in 0u8..16, last in any::<bool>(), stsap in any::<u8>(), dtsap in any::<u8>()) {
        let seg = mbus::dlms::DlmsSegment { sequence: seq, last, stsap, dtsap, payload: &payload };
        let mut out = [0u8; 261];
        let n = seg.emit(Control::SND_UD, Address(0xFF), &mut out).unwrap();
        let f = Frame::parse(&out[..n]).unwrap();
        prop_assert_eq!(mbus::dlms::DlmsSegment::from_frame(&f).unwrap(), seg);
    }
}
