//! M-Bus input to the push listener and `compteur decode`: DLMS carried in M-Bus long frames
//! (the Netz NÖ sample, decrypted to its published plaintext) and wired M-Bus RSP_UD frames
//! from the libmbus corpus, with garbage between frames.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::float_cmp,
    missing_docs
)]

use std::path::PathBuf;
use std::process::Command;

use dlms::security::EncryptionKey;
use e450::push::{MbusRecord, Message, PushConfig, PushError, PushListener, decode_apdu};
use e450::reading::{Layout, Security};

fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"));
    if dir.is_dir() {
        Some(dir)
    } else if std::env::var_os("CI").is_some() {
        panic!("corpus folder {} is missing", dir.display());
    } else {
        println!("corpus folder {} absent: skipping", dir.display());
        None
    }
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn run(bytes: &[u8], config: &PushConfig, chunk: usize) -> Vec<Result<Message, PushError>> {
    let mut l = PushListener::new(config.clone());
    let mut out = Vec::new();
    for c in bytes.chunks(chunk.max(1)) {
        l.feed(c);
        out.extend(l.messages());
    }
    out.extend(l.finish().into_iter().map(Err));
    assert_eq!(l.framing(), Some("mbus"));
    out
}

struct Evn {
    stream: Vec<u8>,
    key: String,
    plaintext: Vec<u8>,
    frames: usize,
}

fn evn() -> Option<Evn> {
    let dir = corpus_dir()?.join("dlms_over_mbus");
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("evn_kaifa_ma309_sample.json")).unwrap(),
    )
    .unwrap();
    Some(Evn {
        stream: hex(&std::fs::read_to_string(dir.join("evn_kaifa_ma309_sample.hex")).unwrap()),
        key: std::fs::read_to_string(dir.join("evn_kaifa_ma309_sample.key"))
            .unwrap()
            .trim()
            .to_owned(),
        plaintext: hex(meta["plaintext"].as_str().unwrap()),
        frames: meta["frames"].as_array().unwrap().len(),
    })
}

#[test]
fn dlms_over_mbus_decrypts_to_the_published_plaintext() {
    let Some(evn) = evn() else { return };
    assert_eq!(evn.frames, 2);
    let config = PushConfig {
        key: Some(EncryptionKey::from_hex(&evn.key).unwrap()),
        ..PushConfig::default()
    };
    // The published plaintext, decoded as a bare APDU, is the reference.
    let Ok(Message::Reading(reference)) = decode_apdu(&evn.plaintext, &PushConfig::default())
    else {
        panic!("the plaintext does not decode")
    };
    assert_eq!(reference.layout, Layout::Pairs);
    assert_eq!(reference.values.len(), 13);
    assert_eq!(reference.active_energy_import, Some(12_937.0));
    assert_eq!(reference.voltage[0], Some(233.7));
    assert_eq!(reference.power_factor, Some(1.0));
    assert_eq!(reference.serial.as_deref(), Some("181220000009"));
    assert_eq!(
        reference.timestamp.as_ref().unwrap().local,
        "2021-09-27T09:47:15"
    );

    let mut garbage = vec![0x00, 0xE5, 0x16, 0x68, 0x01];
    garbage.extend_from_slice(&evn.stream);
    garbage.extend_from_slice(&[0xAA, 0x68]);
    for chunk in [usize::MAX, 1, 7, 64] {
        let items = run(&garbage, &config, chunk);
        assert_eq!(items.len(), 1, "{items:?}");
        let Ok(Message::Reading(r)) = &items[0] else {
            panic!("{items:?}")
        };
        assert_eq!(r.offset, 5, "offset of the first segment's frame");
        assert_eq!(r.security, Security::Decrypted);
        assert_eq!(r.system_title, Some(*b"KFMgP\x00\x00\x09"));
        assert_eq!(r.frame_counter, Some(0x23));
        assert_eq!(r.values, reference.values);
        assert_eq!(r.timestamp, reference.timestamp);
    }

    // Without the key: reported as encrypted, with its system title and counter.
    let items = run(&evn.stream, &PushConfig::default(), usize::MAX);
    assert!(
        matches!(&items[..], [Ok(Message::Encrypted(e))] if e.frame_counter == 0x23),
        "{items:?}"
    );
    // The second segment alone: nothing to decode, nothing reported as decoded.
    let second = &evn.stream[256..];
    let items = run(second, &config, usize::MAX);
    assert!(items.iter().all(Result::is_err), "{items:?}");
}

#[test]
fn a_lost_segment_is_reported_incomplete() {
    let Some(evn) = evn() else { return };
    let config = PushConfig {
        key: Some(EncryptionKey::from_hex(&evn.key).unwrap()),
        ..PushConfig::default()
    };
    let first = &evn.stream[..256];
    let items = run(first, &config, usize::MAX);
    assert!(
        matches!(
            &items[..],
            [Err(PushError::Incomplete { offset: 0, next: 1 })]
        ),
        "{items:?}"
    );
}

/// The libmbus frames that decode as slave responses, with their name.
fn libmbus_frames() -> Option<Vec<(String, Vec<u8>)>> {
    let dir = corpus_dir()?.join("mbus/libmbus/test-frames");
    let mut frames: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "hex"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, hex(&std::fs::read_to_string(&p).unwrap()))
        })
        .collect();
    frames.sort();
    Some(frames)
}

#[test]
fn wired_mbus_frames_with_garbage_between_them() {
    let Some(frames) = libmbus_frames() else {
        return;
    };
    assert!(frames.len() >= 70);
    let mut stream = Vec::new();
    let mut starts = Vec::new();
    let mut singles = Vec::new();
    for (i, (name, bytes)) in frames.iter().enumerate() {
        stream.extend_from_slice(&[0x00, 0xFF, 0x55][..i % 4]);
        starts.push(stream.len());
        stream.extend_from_slice(bytes);
        // Each frame alone: the reference for the stream.
        let mut l = PushListener::new(PushConfig::default());
        l.feed(bytes);
        let alone: Vec<_> = l.messages().collect();
        assert_eq!(alone.len(), 1, "{name}: {alone:?}");
        singles.push(alone.into_iter().next().unwrap());
    }
    let items = run(&stream, &PushConfig::default(), 13);
    assert_eq!(items.len(), frames.len());
    let mut decoded = 0;
    for (((item, single), start), (name, _)) in items.iter().zip(&singles).zip(&starts).zip(&frames)
    {
        match (item, single) {
            (Ok(Message::Mbus(m)), Ok(Message::Mbus(s))) => {
                assert_eq!(m.offset, *start, "{name}");
                // The same records, their offsets counted from the start of the stream.
                let moved: Vec<_> = s
                    .records
                    .iter()
                    .map(|r| MbusRecord {
                        offset: r.offset + start,
                        ..r.clone()
                    })
                    .collect();
                assert_eq!(m.records, moved, "{name}");
                assert_eq!(m.manufacturer_data, s.manufacturer_data, "{name}");
                assert_eq!(
                    (m.id.clone(), m.manufacturer.clone()),
                    (s.id.clone(), s.manufacturer.clone())
                );
                decoded += 1;
            }
            (Err(e), Err(_)) => assert_eq!(e.offset(), *start, "{name}: {e}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    // A few libmbus frames use BCD that strict decoding refuses; the rest decode.
    assert!(decoded >= frames.len() - 8, "{decoded} of {}", frames.len());
}

#[test]
fn a_wired_frame_matches_its_libmbus_decoding() {
    let Some(frames) = libmbus_frames() else {
        return;
    };
    let (_, bytes) = frames
        .iter()
        .find(|(n, _)| n == "ACW_Itron-CYBLE-M-Bus-14.hex")
        .unwrap();
    let mut l = PushListener::new(PushConfig::default());
    l.feed(bytes);
    let Some(Ok(Message::Mbus(m))) = l.next_message() else {
        panic!()
    };
    // <Id>9011523</Id> <Manufacturer>ACW</Manufacturer> <Medium>Water</Medium>
    assert_eq!(m.id.as_deref(), Some("09011523"));
    assert_eq!(m.manufacturer.as_deref(), Some("ACW"));
    assert_eq!(m.medium, Some("water"));
    assert_eq!((m.c, m.a, m.ci), (0x08, 0x01, 0x72));
    // Record 4: volume 31 (0x1F) litres = 0.031 m3.
    let volume = m
        .records
        .iter()
        .find(|r| r.quantity.as_deref() == Some("volume"))
        .unwrap();
    assert_eq!(volume.unit.as_deref(), Some("m3"));
    assert_eq!(volume.value.as_ref().and_then(|v| v.as_f64()), Some(0.031));
    assert_eq!(volume.storage, 0);
    assert_eq!(volume.function, "instantaneous");
    let j = m.to_json_value();
    assert_eq!(j["kind"], "mbus");
    assert_eq!(j["id"], "09011523");
    assert_eq!(j["records"][0]["storage"], 0);
}

#[test]
fn compteur_decode_reads_mbus_input() {
    let Some(evn) = evn() else { return };
    let hexed: String = evn.stream.iter().map(|b| format!("{b:02X} ")).collect();
    let output = Command::new(env!("CARGO_BIN_EXE_compteur"))
        .args(["decode", &hexed, "--key", &evn.key, "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert_eq!(lines[0]["kind"], "push");
    assert_eq!(lines[0]["security"], "decrypted");
    assert_eq!(lines[0]["serial"], "181220000009");

    let Some(frames) = libmbus_frames() else {
        return;
    };
    let path = std::env::temp_dir().join(format!("compteur-mbus-{}.bin", std::process::id()));
    let mut raw = vec![0x42];
    for (_, f) in frames.iter().take(5) {
        raw.extend_from_slice(f);
    }
    std::fs::write(&path, &raw).unwrap();
    for json in [true, false] {
        let mut args = vec!["decode", "--file", path.to_str().unwrap()];
        if json {
            args.push("--json");
        }
        let output = Command::new(env!("CARGO_BIN_EXE_compteur"))
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0));
        let text = String::from_utf8(output.stdout).unwrap();
        if json {
            let first: serde_json::Value =
                serde_json::from_str(text.lines().next().unwrap()).unwrap();
            assert_eq!(first["kind"], "mbus");
            assert_eq!(first["offset"], 1);
        } else {
            assert!(text.starts_with("M-Bus response at offset 1: "), "{text}");
        }
    }
    std::fs::remove_file(&path).unwrap();
}
