//! Real captures: the permissive ones in `testdata/`, the rest from `../../shared/corpus`.
#![cfg(feature = "alloc")]
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::path::PathBuf;

use hdlc::{
    Address, AddressSize, Control, Error, Frame, FrameDecoder, Llc, Parameters, Reassembler,
};
use serde_json::Value;

fn hex(s: &str) -> Vec<u8> {
    let s = s.trim();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn testdata(name: &str) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/").to_owned() + name;
    hex(&std::fs::read_to_string(path).unwrap())
}

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"));
    if dir.is_dir() {
        Some(dir)
    } else if std::env::var_os("CI").is_some() {
        panic!("the shared corpus is missing at {}", dir.display());
    } else {
        println!("skipped: no shared corpus at {}", dir.display());
        None
    }
}

/// Decodes a stream three ways (whole, one byte at a time, zero-copy in odd chunks) and checks
/// they agree. Returns the items.
fn decode_all(stream: &[u8]) -> Vec<Result<hdlc::OwnedFrame, Error>> {
    let mut whole = Vec::new();
    let mut d = FrameDecoder::new();
    d.feed(stream);
    while let Some(item) = d.next_frame() {
        whole.push(item.map(|f| f.to_owned_frame()));
    }
    let mut bytewise = Vec::new();
    let mut d = FrameDecoder::new();
    for b in stream {
        d.feed(std::slice::from_ref(b));
        while let Some(item) = d.next_frame() {
            bytewise.push(item.map(|f| f.to_owned_frame()));
        }
    }
    assert_eq!(whole, bytewise);
    for chunk in [1usize, 2, 7, 64, 129, 1000] {
        let mut zero_copy = Vec::new();
        let mut d = FrameDecoder::new();
        for piece in stream.chunks(chunk) {
            let mut frames = d.decode(piece);
            while let Some(item) = frames.next_frame() {
                zero_copy.push(item.map(|f| f.to_owned_frame()));
            }
        }
        assert_eq!(whole, zero_copy, "chunk size {chunk}");
    }
    whole
}

fn check_e450_push(frames: &[hdlc::OwnedFrame]) {
    let mut r = Reassembler::new(64 * 1024);
    for (i, f) in frames.iter().enumerate() {
        assert_eq!(f.dest.size(), AddressSize::Two, "frame {i}");
        assert_eq!(f.dest.logical(), 0x67);
        assert_eq!(f.src, Address::one(1).unwrap());
        assert_eq!(f.control, Control::Ui { pf: true });
        assert!(!f.segmented);
        // Re-emitting gives the same bytes.
        let mut buf = vec![0u8; f.as_frame().buffer_len()];
        f.as_frame().emit(&mut buf).unwrap();
        assert_eq!(Frame::parse(&buf).unwrap(), f.as_frame());
        assert!(r.push(&f.as_frame()).unwrap().is_some());
    }
    // The first frame of every capture opens a message with the response LLC header.
    assert_eq!(
        Llc::split(&frames[0].info).map(|x| x.0),
        Some(Llc::Response)
    );
}

#[test]
fn testdata_e450_pushes() {
    for name in [
        "dlms_parser_hdlc_landis_gyr_e450",
        "dlms_parser_hdlc_lgz_e450_2",
    ] {
        let items = decode_all(&testdata(&format!("{name}.hex")));
        let frames: Vec<_> = items.into_iter().map(Result::unwrap).collect();
        assert_eq!(frames.len(), 3, "{name}");
        check_e450_push(&frames);
        // GBT blocks 1..3: the first carries the LLC, the others start with the GBT tag.
        assert_eq!(&frames[0].info[..4], &[0xE6, 0xE7, 0x00, 0xE0]);
        assert_eq!(frames[1].info[0], 0xE0);
        assert_eq!(frames[2].info[0], 0xE0);
    }
}

#[test]
fn testdata_norway_reports_the_bad_fcs() {
    let stream = testdata("dlms_parser_hdlc_landis_gyr_zmf100_norway.hex");
    let items = decode_all(&stream);
    assert_eq!(
        items,
        vec![Err(Error::FrameCheck {
            expected: 0x5A45,
            computed: 0xB938
        })]
    );
    assert_eq!(
        Frame::parse(&stream),
        Err(Error::FrameCheck {
            expected: 0x5A45,
            computed: 0xB938
        })
    );
    let mut d = FrameDecoder::new();
    d.feed(&stream);
    while d.next_frame().is_some() {}
    assert_eq!(d.stats().check_failures, 1);
    assert_eq!(d.stats().frames, 0);
}

#[test]
fn testdata_dlms_cosem_frames() {
    let snrm_bytes = testdata("dlms_cosem_hdlc_snrm.hex");
    let snrm = Frame::parse(&snrm_bytes).unwrap();
    assert_eq!(snrm.control, Control::Snrm { pf: true });
    assert_eq!(snrm.dest, Address::server(1, 17).unwrap());
    assert_eq!(snrm.src, Address::PUBLIC_CLIENT);

    let ua_bytes = testdata("dlms_cosem_hdlc_ua.hex");
    let ua = Frame::parse(&ua_bytes).unwrap();
    assert_eq!(ua.control, Control::Ua { pf: true });
    let p = Parameters::parse(ua.info).unwrap();
    assert_eq!(
        p,
        Parameters {
            max_info_tx: 154,
            max_info_rx: 154,
            window_tx: 1,
            window_rx: 1
        }
    );
    // Our emitter writes the same parameter field.
    let mut info = Vec::new();
    p.encode(&mut info);
    assert_eq!(info, ua.info);

    let aarq_bytes = testdata("dlms_cosem_hdlc_iframe_aarq.hex");
    let aarq = Frame::parse(&aarq_bytes).unwrap();
    assert_eq!(
        aarq.control,
        Control::I {
            ns: 0,
            nr: 0,
            pf: true
        }
    );
    assert_eq!(Llc::split(aarq.info).unwrap().0, Llc::Request);
    assert_eq!(Llc::strip(aarq.info)[0], 0x60);

    let aare_bytes = testdata("dlms_cosem_hdlc_iframe_aare.hex");
    let aare = Frame::parse(&aare_bytes).unwrap();
    assert_eq!(
        aare.control,
        Control::I {
            ns: 0,
            nr: 1,
            pf: true
        }
    );
    assert_eq!(Llc::strip(aare.info)[0], 0x61);

    let push_bytes = testdata("dlms_cosem_hdlc_ui_push_long.hex");
    let push = Frame::parse(&push_bytes).unwrap();
    assert_eq!(push.control, Control::Ui { pf: true });
    assert_eq!(push.length(), 0x243);
    assert_eq!(push.src.size(), AddressSize::Two);

    let seg_bytes = testdata("dlms_cosem_hdlc_iframe_segmented_middle.hex");
    let seg = Frame::parse(&seg_bytes).unwrap();
    assert!(seg.segmented);
    assert_eq!(seg.length(), 126);
    assert_eq!(
        seg.control,
        Control::I {
            ns: 3,
            nr: 4,
            pf: true
        }
    );
    assert_eq!(seg.dest, Address::PUBLIC_CLIENT);
    assert_eq!(seg.src, Address::one(1).unwrap());
    assert_eq!(Llc::split(seg.info), None);
}

#[test]
fn shared_e450_streams() {
    let Some(dir) = corpus() else { return };
    let entries: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("e450_cii.json")).unwrap()).unwrap();
    let mut streams = 0;
    for e in &entries {
        let name = e["name"].as_str().unwrap();
        let s = e["stream_hex"].as_str().unwrap();
        if !s.starts_with("7E") {
            continue; // a plaintext APDU, not a line capture
        }
        streams += 1;
        let items = decode_all(&hex(s));
        if name == "dlms_parser_hdlc_landis_gyr_zmf100_norway" {
            assert!(matches!(
                items[..],
                [Err(Error::FrameCheck {
                    expected: 0x5A45,
                    ..
                })]
            ));
            continue;
        }
        let frames: Vec<_> = items
            .into_iter()
            .map(|i| i.unwrap_or_else(|e| panic!("{name}: {e}")))
            .collect();
        // "N message(s) from M HDLC frames" or "M HDLC frame(s)".
        let checks = e["checks"]["independent_decoder"].as_str().unwrap();
        let words: Vec<&str> = checks.split_whitespace().collect();
        let pos = words.iter().position(|w| *w == "HDLC").unwrap();
        let mut expected: usize = words[pos - 1].parse().unwrap();
        if name == "scs_unencrypted_valid_data" {
            expected = 6; // two frames of a message whose block 3 was lost come first
        }
        assert_eq!(frames.len(), expected, "{name}: {checks}");
        check_e450_push(&frames);
        if name.starts_with("scs_e570") {
            assert_eq!(frames[0].dest.emit_array().as_slice(), &[0xCE, 0x9B]);
        }
    }
    assert_eq!(streams, 18);

    // Every stream back to back with garbage in between decodes to the same frames.
    let mut stream = Vec::new();
    let mut expected = 0usize;
    for e in &entries {
        let s = e["stream_hex"].as_str().unwrap();
        if s.starts_with("7E") {
            stream.extend_from_slice(&[0x00, 0x7E, 0xA0, 0x55, 0x13, 0x7E, 0xFF]);
            stream.extend(hex(s));
            expected += decode_all(&hex(s)).len();
        }
    }
    let good = decode_all(&stream)
        .into_iter()
        .filter(Result::is_ok)
        .count();
    assert_eq!(good, expected - 1); // the Norwegian frame fails its FCS
}

#[test]
fn shared_dlms_vectors() {
    let Some(dir) = corpus() else { return };
    let entries: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("dlms_vectors.json")).unwrap())
            .unwrap();
    let mut seen = 0;
    for e in &entries {
        let kind = e["kind"].as_str().unwrap();
        if !kind.starts_with("hdlc_") {
            continue;
        }
        seen += 1;
        let bytes = hex(e["hex"].as_str().unwrap());
        if kind == "hdlc_snrm_landis_gyr_e650_4byte_addr" {
            // Published as 7E A0 0B 00 22 54 D3 61 93 F4 E3 7E: the format field says 11 bytes
            // between the flags (and the FCS covers that length byte), but 10 are there; with
            // a 4-byte destination an 11-byte frame would need an HCS and information field.
            assert_eq!(
                Frame::parse(&bytes),
                Err(Error::FrameTooShort {
                    offset: 1,
                    length: 11,
                    minimum: 12
                })
            );
            assert!(decode_all(&bytes).is_empty());
            // Its address is the L+G rule for serial 51324481.
            let dest = Address::parse(&bytes[3..7]).unwrap();
            assert_eq!(dest, Address::from_serial(17, 51_324_481).unwrap());
            assert_eq!((dest.logical(), dest.physical()), (17, Some(5481)));
            assert_eq!(
                Address::parse(&bytes[7..8]).unwrap(),
                Address::client(48).unwrap()
            );
            assert_eq!(Control::from_byte(bytes[8]), Control::Snrm { pf: true });
            // The same SNRM with a correct length.
            let good = Frame::new(
                dest,
                Address::client(48).unwrap(),
                Control::Snrm { pf: true },
                &[],
            );
            let mut out = [0u8; 12];
            assert_eq!(good.emit(&mut out).unwrap(), 12);
            assert_eq!(&out[..6], &[0x7E, 0xA0, 0x0A, 0x00, 0x22, 0x54]);
            continue;
        }
        let frames: Vec<_> = decode_all(&bytes)
            .into_iter()
            .map(|i| i.unwrap_or_else(|err| panic!("{kind}: {err}")))
            .collect();
        assert!(!frames.is_empty(), "{kind}");
        match kind {
            "hdlc_ua_landis_gyr_e650" => {
                let f = &frames[0];
                assert_eq!(f.control, Control::Ua { pf: true });
                assert_eq!(f.src, Address::one(1).unwrap());
                assert_eq!(f.dest, Address::client(48).unwrap());
                let p = Parameters::parse(&f.info).unwrap();
                assert_eq!((p.max_info_tx, p.max_info_rx), (128, 62));
            }
            "hdlc_ua_iskra" => {
                let p = Parameters::parse(&frames[0].info).unwrap();
                assert_eq!((p.max_info_tx, p.max_info_rx), (126, 126));
                assert_eq!(frames[0].dest, Address::client(100).unwrap());
            }
            "hdlc_ua_kamstrup" => {
                let p = Parameters::parse(&frames[0].info).unwrap();
                assert_eq!((p.max_info_tx, p.window_rx), (116, 1));
                assert_eq!(frames[0].src, Address::server(1, 0).unwrap());
            }
            "hdlc_gbt_push_landis_gyr_e450" => assert_eq!(frames.len(), 4),
            "hdlc_gbt_encrypted_push_landis_gyr_e570" => assert_eq!(frames.len(), 5),
            _ => assert_eq!(frames.len(), 1, "{kind}"),
        }
    }
    assert_eq!(seen, 12);
}

#[test]
fn shared_gurux_session() {
    let Some(dir) = corpus() else { return };
    let text = std::fs::read_to_string(dir.join("gurux_public_session.jsonl")).unwrap();
    let mut n = 0;
    let mut reassembler = Reassembler::new(1 << 16);
    let mut messages = 0;
    let mut stream = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let e: Value = serde_json::from_str(line).unwrap();
        let bytes = hex(e["hex"].as_str().unwrap());
        stream.extend_from_slice(&bytes);
        let f = Frame::parse(&bytes).unwrap_or_else(|err| panic!("seq {}: {err}", e["seq"]));
        assert_eq!(
            f.dest.emit_array().as_slice(),
            &hex(e["dst"].as_str().unwrap())[..]
        );
        assert_eq!(
            f.src.emit_array().as_slice(),
            &hex(e["src"].as_str().unwrap())[..]
        );
        assert_eq!(f.control.to_byte(), hex(e["control"].as_str().unwrap())[0]);
        assert_eq!(f.info.len() as u64, e["info_len"].as_u64().unwrap());
        assert_eq!(f.segmented, e["segmented"].as_bool().unwrap());
        let mut out = vec![0u8; f.buffer_len()];
        f.emit(&mut out).unwrap();
        assert_eq!(out, bytes, "seq {}", e["seq"]);
        if e["dir"] == "S->C"
            && f.control.is_information()
            && let Some(msg) = reassembler.push(&f).unwrap()
        {
            assert_eq!(Llc::split(msg).unwrap().0, Llc::Response);
            messages += 1;
        }
        n += 1;
    }
    assert_eq!(n, 220);
    assert!(messages > 10);
    assert_eq!(decode_all(&stream).len(), 220);
}

/// Our server, fed the Gurux client's frames and given the Gurux server's answers as its
/// application's answers, puts the same bytes on the line as the Gurux server (up to the first
/// segmented answer, where the two segment differently).
#[test]
fn shared_gurux_session_server_replay() {
    use hdlc::{Event, ServerConfig, ServerConnection};
    let Some(dir) = corpus() else { return };
    let text = std::fs::read_to_string(dir.join("gurux_public_session.jsonl")).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut server = ServerConnection::new(ServerConfig::new(Address::server(1, 17).unwrap()));
    let mut compared = 0;
    let mut i = 0;
    while i < lines.len() {
        let e = &lines[i];
        assert_eq!(e["dir"], "C->S");
        // The Gurux server's frames that answer this one.
        let mut answer = Vec::new();
        let mut j = i + 1;
        while j < lines.len() && lines[j]["dir"] == "S->C" {
            answer.push(hex(lines[j]["hex"].as_str().unwrap()));
            j += 1;
        }
        if answer.iter().any(|b| Frame::parse(b).unwrap().segmented) {
            break;
        }
        server.handle_bytes(&hex(e["hex"].as_str().unwrap()));
        while let Some(ev) = server.poll_event() {
            if let Event::Message(_) = ev {
                let mut msg = Vec::new();
                for b in &answer {
                    msg.extend_from_slice(Frame::parse(b).unwrap().info);
                }
                server.send(Llc::strip(&msg)).unwrap();
            }
        }
        let mut ours = Vec::new();
        while let Some(b) = server.poll_transmit() {
            ours.push(b);
        }
        assert_eq!(ours, answer, "answer to seq {}", e["seq"]);
        compared += ours.len();
        i = j;
    }
    assert!(compared > 30, "{compared}");
    println!("{compared} server frames identical to the Gurux server's");
}
