//! DLMS over M-Bus: the EVN (Netz NÖ) Kaifa MA309M sample, two long frames carrying one
//! general-glo-ciphering APDU, decrypted to the published plaintext with `dlms::security`.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use mbus::dlms::{DlmsSegment, Reassembler};
use mbus::{Control, FrameDecoder};
use std::path::Path;

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn evn_sample_reassembles_to_the_ciphered_apdu() {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/corpus/dlms_over_mbus"
    ));
    if !dir.is_dir() {
        assert!(std::env::var_os("CI").is_none(), "corpus missing");
        eprintln!("skipping: {} absent", dir.display());
        return;
    }
    let stream = unhex(&std::fs::read_to_string(dir.join("evn_kaifa_ma309_sample.hex")).unwrap());
    let json = std::fs::read_to_string(dir.join("evn_kaifa_ma309_sample.json")).unwrap();
    let field = |name: &str| -> String {
        let key = format!("\"{name}\": \"");
        let i = json.find(&key).unwrap() + key.len();
        json[i..i + json[i..].find('"').unwrap()].to_string()
    };
    let mut dec = FrameDecoder::new();
    assert_eq!(dec.feed(&stream), stream.len());
    let mut r = Reassembler::<512>::new();
    let mut apdu = None;
    let mut segments = 0;
    while let Some(frame) = dec.next_frame() {
        let frame = frame.unwrap();
        assert_eq!(frame.control(), Some(Control::SND_UD));
        let seg = DlmsSegment::from_frame(&frame).unwrap();
        assert_eq!((seg.stsap, seg.dtsap), (1, 0x67));
        segments += 1;
        if let Some(a) = r.push(&seg).unwrap() {
            apdu = Some(a.to_vec());
        }
    }
    assert_eq!(segments, 2);
    let apdu = apdu.unwrap();
    // general-glo-ciphering: tag DB, system title, length, security control, invocation counter
    assert_eq!(apdu[0], 0xDB);
    assert_eq!(apdu[1], 8);
    assert_eq!(apdu[2..10], unhex(&field("system_title"))[..]);
    assert_eq!(&apdu[2..5], field("system_title_ascii").as_bytes());
    assert_eq!(apdu[10], 0x81);
    let len = usize::from(apdu[11]);
    assert_eq!(
        len.to_string(),
        json.split("\"apdu_len\": ")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
    );
    assert_eq!(apdu.len(), 12 + len);
    assert_eq!(
        apdu[12],
        u8::from_str_radix(&field("security_control"), 16).unwrap()
    );
    assert_eq!(apdu[13..17], unhex(&field("invocation_counter"))[..]);
    // SC 0x20: encrypted, not authenticated, so no tag; decrypt with the published key
    let plaintext = unhex(&field("plaintext"));
    assert_eq!(len - 5, plaintext.len());
    let key = std::fs::read_to_string(dir.join("evn_kaifa_ma309_sample.key")).unwrap();
    let ek: dlms::security::EncryptionKey = key.trim().parse().unwrap();
    let title: [u8; 8] = apdu[2..10].try_into().unwrap();
    let counter = u32::from_be_bytes(apdu[13..17].try_into().unwrap());
    let d = dlms::security::decrypt_unauthenticated(&ek, &title, apdu[12], counter, &apdu[17..])
        .unwrap();
    assert!(!d.authenticated);
    assert_eq!(d.plaintext, plaintext);
    // a data-notification (0F) with its long-invoke-id and a date-time
    assert_eq!(d.plaintext[0], 0x0F);
}

#[test]
fn segments_round_trip_through_frames() {
    let apdu: Vec<u8> = (0..=255u8).chain(0..=99).collect();
    let mut wire = Vec::new();
    for (i, piece) in apdu.chunks(200).enumerate() {
        let seg = DlmsSegment {
            sequence: u8::try_from(i).unwrap(),
            last: (i + 1) * 200 >= apdu.len(),
            stsap: 1,
            dtsap: 0x67,
            payload: piece,
        };
        let mut out = [0u8; 261];
        let n = seg
            .emit(Control::SND_UD, mbus::Address::BROADCAST_NO_REPLY, &mut out)
            .unwrap();
        wire.extend_from_slice(&out[..n]);
    }
    let mut dec = FrameDecoder::new();
    dec.feed(&wire);
    let mut r = Reassembler::<1024>::new();
    let mut got = None;
    while let Some(f) = dec.next_frame() {
        if let Some(a) = r
            .push(&DlmsSegment::from_frame(&f.unwrap()).unwrap())
            .unwrap()
        {
            got = Some(a.to_vec());
        }
    }
    assert_eq!(got.unwrap(), apdu);
    // out of order
    let mut r = Reassembler::<64>::new();
    let s = |sequence, last| DlmsSegment {
        sequence,
        last,
        stsap: 1,
        dtsap: 2,
        payload: &[0],
    };
    assert!(r.push(&s(0, false)).unwrap().is_none());
    assert!(r.push(&s(2, true)).is_err());
    let mut small = Reassembler::<1>::new();
    assert!(small.push(&s(0, false)).is_ok());
    assert!(small.push(&s(1, true)).is_err());
}
