//! Property tests: round trips, and any bytes in any chunking never panic the decoder.
#![cfg(feature = "alloc")]
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use hdlc::{
    Address, AddressSize, Control, Frame, FrameDecoder, OwnedFrame, Parameters, Status, parse_frame,
};
use proptest::prelude::*;

fn arb_address() -> impl Strategy<Value = Address> {
    prop_oneof![
        (0u16..=0x7F).prop_map(|v| Address::one(v).unwrap()),
        (0u16..=0x7F, 0u16..=0x7F).prop_map(|(u, l)| Address::new(AddressSize::Two, u, l).unwrap()),
        (0u16..=0x3FFF, 0u16..=0x3FFF)
            .prop_map(|(u, l)| Address::new(AddressSize::Four, u, l).unwrap()),
    ]
}

fn arb_frame() -> impl Strategy<Value = OwnedFrame> {
    (
        any::<bool>(),
        arb_address(),
        arb_address(),
        any::<u8>(),
        proptest::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(segmented, dest, src, c, info)| OwnedFrame {
            segmented,
            dest,
            src,
            control: Control::from_byte(c),
            info,
        })
}

fn emit(f: &OwnedFrame) -> Vec<u8> {
    let mut out = Vec::new();
    f.as_frame().encode(&mut out).unwrap();
    out
}

/// Every item from feeding `data` in chunks of the given sizes, both APIs; checks they agree.
fn decode(data: &[u8], chunks: &[usize]) -> Vec<Result<OwnedFrame, hdlc::Error>> {
    let mut fed = Vec::new();
    let mut d = FrameDecoder::new();
    let mut zc = Vec::new();
    let mut z = FrameDecoder::new();
    let mut pos = 0;
    let mut i = 0;
    while pos < data.len() {
        let n = chunks
            .get(i % chunks.len().max(1))
            .copied()
            .unwrap_or(1)
            .max(1);
        let piece = &data[pos..(pos + n).min(data.len())];
        pos += piece.len();
        i += 1;
        d.feed(piece);
        while let Some(item) = d.next_frame() {
            fed.push(item.map(|f| f.to_owned_frame()));
        }
        let mut frames = z.decode(piece);
        while let Some(item) = frames.next_frame() {
            zc.push(item.map(|f| f.to_owned_frame()));
        }
        drop(frames);
        assert!(
            z.buffered() <= 2050,
            "zero-copy decoder holds {}",
            z.buffered()
        );
    }
    assert_eq!(fed, zc);
    assert_eq!(d.stats(), z.stats());
    fed
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

proptest! {
    #[test]
    fn frame_round_trip(f in arb_frame()) {
        let bytes = emit(&f);
        prop_assert_eq!(bytes.len(), f.as_frame().buffer_len());
        prop_assert_eq!(Frame::parse(&bytes).unwrap(), f.as_frame());
        match parse_frame(&bytes).unwrap() {
            Status::Complete((n, g)) => {
                prop_assert_eq!(n, bytes.len() - 1);
                prop_assert_eq!(g, f.as_frame());
            }
            Status::Partial { .. } => prop_assert!(false),
        }
    }

    #[test]
    fn parameters_round_trip(a in any::<u32>(), b in any::<u32>(), c in any::<u32>(), d in any::<u32>()) {
        let p = Parameters { max_info_tx: a, max_info_rx: b, window_tx: c, window_rx: d };
        let mut buf = [0u8; 32];
        let n = p.emit(&mut buf).unwrap();
        prop_assert_eq!(n, p.buffer_len());
        prop_assert_eq!(Parameters::parse(&buf[..n]).unwrap(), p);
    }

    #[test]
    fn any_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600),
                             chunks in proptest::collection::vec(1usize..40, 1..8)) {
        let _ = parse_frame(&data);
        let _ = Frame::parse(&data);
        let _ = Parameters::parse(&data);
        // A yielded frame is made of bytes that are in the input, checks included.
        for f in decode(&data, &chunks).into_iter().flatten() {
            let bytes = emit(&f);
            prop_assert!(contains(&data, &bytes[1..bytes.len() - 1]));
        }
    }

    #[test]
    fn flag_rich_bytes_never_panic(data in proptest::collection::vec(
                                       prop_oneof![Just(0x7Eu8), Just(0xA0), Just(0xA8), any::<u8>()], 0..600),
                                   chunks in proptest::collection::vec(1usize..40, 1..8)) {
        for f in decode(&data, &chunks).into_iter().flatten() {
            let bytes = emit(&f);
            prop_assert!(contains(&data, &bytes[1..bytes.len() - 1]));
        }
    }

    #[test]
    fn frames_survive_garbage_and_chunking(
        frames in proptest::collection::vec(arb_frame(), 1..6),
        garbage in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..20), 6),
        share_flags in any::<bool>(),
        chunks in proptest::collection::vec(1usize..300, 1..8),
    ) {
        let mut stream = Vec::new();
        for (i, f) in frames.iter().enumerate() {
            let bytes = emit(f);
            if share_flags && stream.last() == Some(&0x7E) {
                stream.extend_from_slice(&bytes[1..]);
            } else {
                stream.extend_from_slice(&bytes);
            }
            if !share_flags {
                stream.extend_from_slice(&garbage[i]);
            }
        }
        let got: Vec<OwnedFrame> = decode(&stream, &chunks).into_iter().filter_map(Result::ok).collect();
        prop_assert_eq!(got, frames);
    }

    #[test]
    fn corrupted_frame_is_an_error_and_the_next_one_survives(
        a in arb_frame(), b in arb_frame(), at in any::<prop::sample::Index>(), bit in 0u8..8,
    ) {
        let mut first = emit(&a);
        // Corrupt a byte of the HCS, information or FCS (not the flags or the format field).
        let hdr = 1 + a.as_frame().header_len();
        let end = first.len() - 1;
        prop_assume!(end > hdr);
        let i = hdr + at.index(end - hdr);
        first[i] ^= 1 << bit;
        prop_assume!(first[i] != 0x7E);
        let mut stream = first;
        stream.extend(emit(&b));
        let items = decode(&stream, &[7]);
        prop_assert!(items.iter().any(Result::is_err));
        prop_assert_eq!(items.last().cloned().unwrap().unwrap(), b);
    }
}

#[test]
fn one_byte_at_a_time_and_stats() {
    let f = OwnedFrame {
        segmented: false,
        dest: Address::server(1, 17).unwrap(),
        src: Address::PUBLIC_CLIENT,
        control: Control::I {
            ns: 1,
            nr: 2,
            pf: true,
        },
        info: vec![0x7E; 40], // flags inside the information field
    };
    let mut stream = vec![0x00, 0x11, 0x7E, 0x7E];
    stream.extend(emit(&f));
    stream.extend(emit(&f));
    let mut d = FrameDecoder::new();
    let mut n = 0;
    for b in &stream {
        d.feed(&[*b]);
        while let Some(item) = d.next_frame() {
            assert_eq!(item.unwrap(), f.as_frame());
            n += 1;
        }
    }
    assert_eq!(n, 2);
    let s = d.stats();
    assert_eq!(s.frames, 2);
    assert_eq!(s.bytes_skipped, 2);
    assert_eq!(s.check_failures, 0);
    assert_eq!(d.buffered(), 1); // the last closing flag
}

#[test]
fn limit_skips_long_frames() {
    let long = OwnedFrame {
        segmented: false,
        dest: Address::PUBLIC_CLIENT,
        src: Address::one(1).unwrap(),
        control: Control::Ui { pf: false },
        info: vec![1; 200],
    };
    let short = OwnedFrame {
        info: vec![2; 10],
        ..long.clone()
    };
    let mut stream = emit(&long);
    stream.extend(emit(&short));
    let mut d = FrameDecoder::with_limit(64);
    let mut frames = d.decode(&stream);
    let mut got = Vec::new();
    while let Some(item) = frames.next_frame() {
        got.push(item.unwrap().to_owned_frame());
    }
    drop(frames);
    assert_eq!(got, vec![short]);
    assert_eq!(d.stats().oversized, 1);
}

proptest! {
    #[test]
    fn link_state_machines_never_panic(
        chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..80), 0..12),
        ops in proptest::collection::vec(0u8..5, 12),
    ) {
        use core::time::Duration;
        use hdlc::{Config, Connection, ServerConfig, ServerConnection};
        let server_addr = Address::server(1, 17).unwrap();
        let mut client = Connection::new(Config::new(Address::PUBLIC_CLIENT, server_addr));
        let mut server = ServerConnection::new(ServerConfig::new(server_addr));
        let mut now = Duration::ZERO;
        client.connect(now).unwrap();
        for (chunk, op) in chunks.iter().zip(ops) {
            match op {
                0 => { let _ = client.send(chunk, now); }
                1 => { now += Duration::from_secs(3); client.handle_timeout(now); }
                2 => client.disconnect(now),
                _ => client.handle_bytes(chunk, now),
            }
            server.handle_bytes(chunk);
            while let Some(b) = client.poll_transmit() {
                prop_assert!(Frame::parse(&b).is_ok());
                server.handle_bytes(&b);
            }
            while server.poll_event().is_some() {}
            while let Some(b) = server.poll_transmit() {
                prop_assert!(Frame::parse(&b).is_ok());
            }
            while client.poll_event().is_some() {}
        }
    }
}
