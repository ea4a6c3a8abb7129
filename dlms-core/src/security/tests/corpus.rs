//! The public corpus in `../shared/corpus`: every encrypted E450 stream decrypts with its
//! published key, tags verify where the authentication key is published, plaintexts match the
//! published ones; the ciphered vectors of `dlms_vectors.json` reproduce byte for byte.
//!
//! The streams are split into frames with `hdlc::FrameDecoder`; the general-block-transfer
//! blocks and the general-glo-ciphering header are cut by the small helpers below, so these
//! tests exercise the security module alone.

extern crate std;

use super::hex;
use crate::security::*;
use alloc::vec::Vec;
use serde_json::Value;
use std::path::PathBuf;
use std::string::String;
use std::{format, println};

fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"));
    if dir.is_dir() {
        Some(dir)
    } else if std::env::var_os("CI").is_some() {
        panic!("corpus missing at {} (CI is set)", dir.display());
    } else {
        println!("skipping: corpus not found at {}", dir.display());
        None
    }
}

fn load(name: &str) -> Option<Value> {
    let path = corpus_dir()?.join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    Some(serde_json::from_str(&text).unwrap())
}

/// A-XDR length: short form or `81`/`82`/`84` long forms. Returns (length, bytes used).
fn axdr_len(b: &[u8]) -> (usize, usize) {
    match b[0] {
        n @ 0..=0x7F => (n as usize, 1),
        0x81 => (b[1] as usize, 2),
        0x82 => (u16::from_be_bytes([b[1], b[2]]) as usize, 3),
        0x84 => (u32::from_be_bytes([b[1], b[2], b[3], b[4]]) as usize, 5),
        other => panic!("bad length byte {other:#x}"),
    }
}

/// The information fields of every frame of a serial stream, LLC header removed.
fn info_fields(stream: &[u8]) -> Vec<Vec<u8>> {
    let mut decoder = hdlc::FrameDecoder::new();
    decoder.feed(stream);
    let mut out = Vec::new();
    while let Some(item) = decoder.next_frame() {
        let frame = item.expect("HCS/FCS of a corpus frame");
        let info = match frame.info {
            [0xE6, 0xE7, 0x00, rest @ ..] => rest,
            other => other,
        };
        out.push(info.to_vec());
    }
    out
}

/// Complete DLMS messages of a stream: general-block-transfer blocks reassembled (restarting
/// on block 1, dropping a message with a gap) or single-frame APDUs. Also returns the number of
/// incomplete messages dropped.
fn messages(stream: &[u8]) -> (Vec<Vec<u8>>, usize) {
    let mut done = Vec::new();
    let mut pending: Option<(u16, Vec<u8>)> = None;
    let mut incomplete = 0;
    for info in info_fields(stream) {
        match info.first() {
            Some(0xE0) => {
                let control = info[1];
                let number = u16::from_be_bytes([info[2], info[3]]);
                let (len, used) = axdr_len(&info[6..]);
                let data = &info[6 + used..];
                assert_eq!(data.len(), len, "GBT block length");
                if number == 1 {
                    if pending.is_some() {
                        incomplete += 1;
                    }
                    pending = Some((2, data.to_vec()));
                } else {
                    match pending.as_mut() {
                        Some((next, buf)) if *next == number => {
                            buf.extend_from_slice(data);
                            *next += 1;
                        }
                        _ => {
                            if pending.take().is_some() {
                                incomplete += 1;
                            }
                            continue;
                        }
                    }
                }
                if control & 0x80 != 0
                    && let Some((_, buf)) = pending.take()
                {
                    done.push(buf);
                }
            }
            Some(_) => done.push(info),
            None => {}
        }
    }
    if pending.is_some() {
        incomplete += 1;
    }
    (done, incomplete)
}

/// A cut general-glo-ciphering APDU.
struct Ggc {
    header: SecurityHeader,
    payload: Vec<u8>,
}

fn parse_ggc(apdu: &[u8]) -> Ggc {
    assert_eq!(
        apdu[..2],
        [0xDB, 0x08],
        "general-glo-ciphering with an 8-byte title"
    );
    let title: [u8; 8] = apdu[2..10].try_into().unwrap();
    let (len, used) = axdr_len(&apdu[10..]);
    let content = &apdu[10 + used..];
    assert_eq!(content.len(), len, "ciphered content length");
    let ic = u32::from_be_bytes(content[1..5].try_into().unwrap());
    Ggc {
        header: SecurityHeader::new(title, content[0], ic),
        payload: content[5..].to_vec(),
    }
}

fn str_field<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

fn parse_hex_u64(s: &str) -> u64 {
    u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap()
}

/// Flips one ciphertext byte and one tag byte: both must fail with a typed error.
fn assert_tamper_rejected(cipher: &SuiteZeroCipher, ak: &AuthenticationKey, g: &Ggc) {
    let auth = Authentication::Key(ak);
    let mut bad = g.payload.clone();
    let third = bad.len() / 3;
    bad[third] ^= 0x04;
    assert_eq!(
        cipher.decrypt(auth, &g.header, &bad),
        Err(SecurityError::TagMismatch)
    );
    let mut bad = g.payload.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x01;
    assert_eq!(
        cipher.decrypt(auth, &g.header, &bad),
        Err(SecurityError::TagMismatch)
    );
    let mut counter = g.header;
    counter.invocation_counter ^= 1;
    assert_eq!(
        cipher.decrypt(auth, &counter, &g.payload),
        Err(SecurityError::TagMismatch)
    );
}

#[test]
fn e450_cii_encrypted_streams_decrypt() {
    let Some(entries) = load("e450_cii.json") else {
        return;
    };
    let entries = entries.as_array().unwrap();
    let mut streams = 0;
    let mut messages_decrypted = 0;
    let mut tags_verified = 0;
    let mut plaintexts_compared = 0;
    for e in entries {
        let name = str_field(e, "name").unwrap();
        let Some(ek) = str_field(e, "encryption_key") else {
            continue;
        };
        let ek: EncryptionKey = ek.parse().unwrap();
        let ak: Option<AuthenticationKey> =
            str_field(e, "authentication_key").map(|k| k.parse().unwrap());
        let cipher = SuiteZeroCipher::new(&ek);
        let stream = hex(str_field(e, "stream_hex").unwrap());
        let (msgs, incomplete) = messages(&stream);
        streams += 1;

        if name == "scs_issue45_graz_first_block" {
            // Only GBT block 1 of 3 is public: no complete message; the ciphertext prefix still
            // decrypts (counter mode) to the published partial plaintext.
            assert!(msgs.is_empty(), "{name}");
            assert_eq!(incomplete, 1, "{name}");
            let info = &info_fields(&stream)[0];
            let (_, used) = axdr_len(&info[6..]);
            let block = &info[6 + used..];
            let title: [u8; 8] = block[2..10].try_into().unwrap();
            let (_, lused) = axdr_len(&block[10..]);
            let content = &block[10 + lused..];
            let ic = u32::from_be_bytes(content[1..5].try_into().unwrap());
            let partial = &content[5..];
            // Security control 0x20 semantics: the whole slice is ciphertext.
            let d = decrypt_unauthenticated(&ek, &title, 0x20, ic, partial).unwrap();
            let expected =
                hex(str_field(&e["reference_decoding"], "partial_plaintext_hex").unwrap());
            assert_eq!(d.plaintext[..expected.len()], expected[..], "{name}");
            plaintexts_compared += 1;
            continue;
        }

        assert!(!msgs.is_empty(), "{name}: no complete message");
        let refs = e["reference_decoding"].as_array().unwrap();
        assert_eq!(msgs.len(), refs.len(), "{name}: message count");
        for (m, r) in msgs.iter().zip(refs) {
            let g = parse_ggc(m);
            // The APDU parser of `crate::apdu` cuts the same fields.
            let parsed = crate::apdu::GeneralGloCiphering::parse(m).unwrap();
            assert_eq!(parsed.security_header(), g.header, "{name}");
            assert_eq!(parsed.ciphertext, &g.payload[..], "{name}");
            let glo = &r["glo"];
            assert_eq!(
                hex(str_field(glo, "system_title").unwrap()),
                g.header.system_title,
                "{name}"
            );
            assert_eq!(
                parse_hex_u64(str_field(glo, "security_control").unwrap()),
                u64::from(g.header.security_control),
                "{name}"
            );
            assert_eq!(
                glo["frame_counter"].as_u64().unwrap(),
                u64::from(g.header.invocation_counter),
                "{name}"
            );

            let u = cipher
                .decrypt_unauthenticated(&g.header, &g.payload)
                .unwrap();
            assert!(!u.authenticated);
            messages_decrypted += 1;
            // A data-notification with the published long-invoke-id.
            assert_eq!(u.plaintext[0], 0x0F, "{name}");
            let invoke = u32::from_be_bytes(u.plaintext[1..5].try_into().unwrap());
            assert_eq!(
                u64::from(invoke),
                parse_hex_u64(str_field(r, "invoke_id").unwrap()),
                "{name}"
            );

            let with_tag = g.header.security_control & 0x10 != 0;
            match (&ak, with_tag) {
                (Some(ak), true) => {
                    let d = cipher
                        .decrypt(Authentication::Key(ak), &g.header, &g.payload)
                        .unwrap();
                    assert!(d.authenticated, "{name}");
                    assert_eq!(d.plaintext, u.plaintext, "{name}");
                    assert_eq!(glo["tag_verified"], Value::Bool(true), "{name}");
                    tags_verified += 1;
                    assert_tamper_rejected(&cipher, ak, &g);
                    // Construct: the same bytes, tag included.
                    let again = cipher.encrypt(Some(ak), &g.header, &d.plaintext).unwrap();
                    assert_eq!(again, g.payload, "{name}");
                }
                (Some(ak), false) => {
                    // 0x20 carries no tag: decrypts with the AK given, never authenticated.
                    let d = cipher
                        .decrypt(Authentication::Key(ak), &g.header, &g.payload)
                        .unwrap();
                    assert!(!d.authenticated, "{name}");
                    assert_eq!(d.plaintext, u.plaintext);
                }
                (None, _) => {}
            }
            // Re-encrypting gives the same ciphertext (the tag needs the AK).
            let mut ctr_only = g.header;
            ctr_only.security_control &= !0x10;
            let ct = cipher.encrypt(None, &ctr_only, &u.plaintext).unwrap();
            assert_eq!(ct[..], g.payload[..ct.len()], "{name}");

            if let Some(apdu) = e["expected"].get("apdu_hex").and_then(Value::as_str) {
                assert_eq!(u.plaintext, hex(apdu), "{name}");
                plaintexts_compared += 1;
            }
        }
    }
    println!(
        "{streams} streams, {messages_decrypted} messages decrypted, {tags_verified} tags verified, \
         {plaintexts_compared} published plaintexts compared"
    );
    assert_eq!(streams, 10);
    assert_eq!(messages_decrypted, 16);
    assert_eq!(tags_verified, 10);
    assert_eq!(plaintexts_compared, 2);
}

#[test]
fn e450_cii_wrong_key_fails_the_tag() {
    let Some(entries) = load("e450_cii.json") else {
        return;
    };
    let e = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "scs_issue54_burgenland_wrong_key")
        .unwrap();
    let note = str_field(&e["expected"], "note").unwrap();
    let key_hex: String = note
        .split_whitespace()
        .find(|w| w.len() == 32 && w.chars().all(|c| c.is_ascii_hexdigit()))
        .unwrap()
        .into();
    let (msgs, _) = messages(&hex(str_field(e, "stream_hex").unwrap()));
    assert_eq!(msgs.len(), 1);
    let g = parse_ggc(&msgs[0]);
    assert_eq!(g.header.security_control, 0x30);
    let ek: EncryptionKey = key_hex.parse().unwrap();
    let cipher = SuiteZeroCipher::new(&ek);
    // Whatever the authentication key (the key, or all zeros), the tag fails.
    for ak in [
        key_hex.parse::<AuthenticationKey>().unwrap(),
        AuthenticationKey::new([0; 16]),
    ] {
        assert_eq!(
            cipher.decrypt(Authentication::Key(&ak), &g.header, &g.payload),
            Err(SecurityError::TagMismatch)
        );
    }
    // Without verification the result is garbage, not a data-notification.
    let u = cipher
        .decrypt_unauthenticated(&g.header, &g.payload)
        .unwrap();
    assert!(!u.authenticated);
    assert_ne!(u.plaintext[0], 0x0F);
}

#[test]
fn e450_cii_replay_guard_over_eight_pushes() {
    let Some(entries) = load("e450_cii.json") else {
        return;
    };
    let e = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "horfic_graz_8_pushes")
        .unwrap();
    let ek: EncryptionKey = str_field(e, "encryption_key").unwrap().parse().unwrap();
    let ak: AuthenticationKey = str_field(e, "authentication_key").unwrap().parse().unwrap();
    let cipher = SuiteZeroCipher::new(&ek);
    let (msgs, _) = messages(&hex(str_field(e, "stream_hex").unwrap()));
    assert_eq!(msgs.len(), 8);
    let mut guard = ReplayGuard::new();
    let mut single = FrameCounterGuard::new();
    for m in &msgs {
        let g = parse_ggc(m);
        let d = cipher
            .decrypt(Authentication::Key(&ak), &g.header, &g.payload)
            .unwrap();
        assert!(d.authenticated);
        let title = SystemTitle::new(g.header.system_title);
        guard.accept(title, g.header.invocation_counter).unwrap();
        single.accept(g.header.invocation_counter).unwrap();
        assert_eq!(title.manufacturer(), Some("LGZ"));
    }
    let first = parse_ggc(&msgs[0]);
    let title = SystemTitle::new(first.header.system_title);
    assert_eq!(
        guard.accept(title, first.header.invocation_counter),
        Err(ReplayError {
            last: 707_719,
            received: 707_712
        })
    );
    assert_eq!(single.last(), Some(707_719));
}

#[test]
fn dlms_vectors_ciphered_entries() {
    let Some(entries) = load("dlms_vectors.json") else {
        return;
    };
    let mut checked = 0;
    for e in entries.as_array().unwrap() {
        let kind = str_field(e, "kind").unwrap();
        let Some(key) = str_field(e, "key_hex") else {
            continue;
        };
        let ek: EncryptionKey = key.parse().unwrap();
        let ak: Option<AuthenticationKey> =
            str_field(e, "auth_key_hex").map(|k| k.parse().unwrap());
        let cipher = SuiteZeroCipher::new(&ek);
        let bytes = hex(str_field(e, "hex").unwrap());
        let plaintext = str_field(e, "plaintext_hex").map(hex);
        let title: Option<[u8; 8]> =
            str_field(e, "system_title").map(|t| hex(t).try_into().unwrap());
        match kind {
            "general_glo_ciphering_push"
            | "wrapper_udp_ggc"
            | "general_glo_ciphering_enc_only"
            | "hdlc_gbt_encrypted_push_landis_gyr_e570" => {
                let apdu = match kind {
                    // IEC 62056-47 wrapper: version, source, destination, length (2 bytes each).
                    "wrapper_udp_ggc" => bytes[8..].to_vec(),
                    "hdlc_gbt_encrypted_push_landis_gyr_e570" => {
                        let (msgs, _) = messages(&bytes);
                        assert_eq!(msgs.len(), 1);
                        msgs[0].clone()
                    }
                    _ => bytes.clone(),
                };
                let g = parse_ggc(&apdu);
                assert_eq!(
                    Some(g.header.system_title),
                    title.or(Some(g.header.system_title))
                );
                let auth = match (&ak, g.header.security_control & 0x10 != 0) {
                    (Some(ak), true) => Authentication::Key(ak),
                    _ => Authentication::Unauthenticated,
                };
                let d = cipher.decrypt(auth, &g.header, &g.payload).unwrap();
                assert_eq!(
                    d.authenticated,
                    matches!(auth, Authentication::Key(_)),
                    "{kind}"
                );
                assert_eq!(d.plaintext[0], 0x0F, "{kind}");
                if let Some(p) = &plaintext {
                    assert_eq!(&d.plaintext, p, "{kind}");
                }
                let again = cipher
                    .encrypt(ak.as_ref(), &g.header, &d.plaintext)
                    .unwrap();
                assert_eq!(again, g.payload, "{kind}");
            }
            "glo_get_request_gb_example" => {
                let header = SecurityHeader::new(
                    title.unwrap(),
                    bytes[2],
                    u32::from_be_bytes(bytes[3..7].try_into().unwrap()),
                );
                let ak = ak.as_ref().unwrap();
                let d = cipher
                    .decrypt(Authentication::Key(ak), &header, &bytes[7..])
                    .unwrap();
                assert!(d.authenticated);
                assert_eq!(Some(&d.plaintext), plaintext.as_ref());
                assert_eq!(
                    cipher.encrypt(Some(ak), &header, &d.plaintext).unwrap(),
                    bytes[7..]
                );
            }
            "aarq_ciphered_lls_glo_initiate" => {
                // user-information BE 34 04 32 | 21 30 | SC IC ciphertext ‖ tag
                let at = bytes
                    .windows(6)
                    .position(|w| w == [0xBE, 0x34, 0x04, 0x32, 0x21, 0x30])
                    .unwrap();
                let content = &bytes[at + 6..];
                assert_eq!(content.len(), 0x30);
                let header = SecurityHeader::new(
                    title.unwrap(),
                    content[0],
                    u32::from_be_bytes(content[1..5].try_into().unwrap()),
                );
                let ak = ak.as_ref().unwrap();
                let d = cipher
                    .decrypt(Authentication::Key(ak), &header, &content[5..])
                    .unwrap();
                assert!(d.authenticated);
                assert_eq!(Some(&d.plaintext), plaintext.as_ref());
                assert_eq!(
                    cipher.encrypt(Some(ak), &header, &d.plaintext).unwrap(),
                    content[5..]
                );
            }
            "hls5_gmac_stoc" => {
                let ic = parse_hex_u64(str_field(e, "invocation_counter").unwrap()) as u32;
                let f = cipher.hls_gmac_response(ak.as_ref().unwrap(), &title.unwrap(), ic, &bytes);
                assert_eq!(
                    f[5..],
                    hex(str_field(e, "expected_tag_hex").unwrap())[..],
                    "{kind}"
                );
                assert_eq!(
                    cipher.verify_hls_gmac(ak.as_ref().unwrap(), &title.unwrap(), &bytes, &f),
                    Ok(ic)
                );
            }
            other => panic!("ciphered corpus entry {other} is not covered"),
        }
        checked += 1;
    }
    assert_eq!(checked, 7, "entries with a key");
}

#[test]
fn dlms_over_mbus_kaifa_push() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let sample = dir.join("dlms_over_mbus/evn_kaifa_ma309_sample.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(sample).unwrap()).unwrap();
    let key =
        std::fs::read_to_string(dir.join("dlms_over_mbus/evn_kaifa_ma309_sample.key")).unwrap();
    let ek: EncryptionKey = key.trim().parse().unwrap();
    let apdu: Vec<u8> = v["frames"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| hex(f["payload"].as_str().unwrap()))
        .collect();
    let g = parse_ggc(&apdu);
    assert_eq!(
        format!("{}", SystemTitle::new(g.header.system_title)),
        "4B464D6750000009"
    );
    assert_eq!(g.header.security_control, 0x20);
    let cipher = SuiteZeroCipher::new(&ek);
    let d = cipher
        .decrypt_unauthenticated(&g.header, &g.payload)
        .unwrap();
    assert_eq!(d.plaintext, hex(v["plaintext"].as_str().unwrap()));
    assert_eq!(
        cipher.encrypt(None, &g.header, &d.plaintext).unwrap(),
        g.payload
    );
}
