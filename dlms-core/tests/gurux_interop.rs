//! Differential test against Gurux DLMS (gurux-dlms for Python): values and APDUs encoded by
//! compteur are decoded by Gurux, values encoded by Gurux are decoded by compteur, and both
//! agree on the meaning.
//!
//! The interpreter comes from `COMPTEUR_PYTHON` (default `<workspace>/.venv/bin/python`,
//! made by `make venv`). Without it the test is skipped, unless `CI` is set.
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![allow(clippy::arithmetic_side_effects, clippy::cast_possible_truncation)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use dlms::apdu::*;
use dlms::{BitString, Data, DateTime, Time};
use obis::ObisCode;

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/interop/gurux_translate.py"
);

fn python() -> Option<String> {
    common::gurux_python("Gurux differential test")
}

/// splitmix64: a fixed-seed generator, so every run checks the same values.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
    fn alnum(&mut self, n: usize) -> Vec<u8> {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..n)
            .map(|_| A[self.below(A.len() as u64) as usize])
            .collect()
    }
}

/// A random value of the types Gurux's translator handles (not date, dont-care and compact
/// array, which its Python translator cannot print).
fn random_data(r: &mut Rng, depth: u32) -> Data {
    let kinds = if depth < 3 { 22 } else { 20 };
    match r.below(kinds) {
        0 => Data::Null,
        1 => Data::Boolean(r.below(2) == 1),
        2 => {
            let bits = 1 + r.below(30) as usize;
            let mut bytes = r.bytes(bits.div_ceil(8));
            // Unused trailing bits are zero on the wire.
            if let Some(last) = bytes.last_mut() {
                let unused = bits.div_ceil(8) * 8 - bits;
                *last &= 0xFFu8 << unused;
            }
            Data::BitString(BitString { bits, bytes })
        }
        3 => Data::DoubleLong(r.next() as i32),
        4 => Data::DoubleLongUnsigned(r.next() as u32),
        5 => {
            let n = r.below(300) as usize;
            Data::OctetString(r.bytes(n))
        }
        6 => {
            let n = 1 + r.below(20) as usize;
            Data::VisibleString(r.alnum(n))
        }
        7 => {
            let n = 1 + r.below(20) as usize;
            Data::Utf8String(r.alnum(n))
        }
        8 => Data::Bcd(r.next() as u8),
        9 => Data::Integer(r.next() as i8),
        10 => Data::Long(r.next() as i16),
        11 => Data::Unsigned(r.next() as u8),
        12 => Data::LongUnsigned(r.next() as u16),
        13 => Data::Long64(r.next() as i64),
        14 => Data::Long64Unsigned(r.next()),
        15 => Data::Enum(r.next() as u8),
        16 => Data::Float32((r.next() as i32 >> 8) as f32 / 4.0),
        17 => Data::Float64((r.next() as i64 >> 12) as f64 / 16.0),
        18 => Data::DateTime(DateTime::from_bytes(r.bytes(12).try_into().unwrap())),
        19 => Data::Time(Time::from_bytes(r.bytes(4).try_into().unwrap())),
        k => {
            let n = r.below(6) as usize;
            let items = (0..n).map(|_| random_data(r, depth + 1)).collect();
            if k == 20 {
                Data::Array(items)
            } else {
                Data::Structure(items)
            }
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The canonical meaning, as `gurux_translate.py` computes it.
fn meaning(d: &Data) -> String {
    let list = |v: &[Data]| v.iter().map(meaning).collect::<Vec<_>>().join(",");
    match d {
        Data::Null => "null".into(),
        Data::Array(v) => format!("A({})", list(v)),
        Data::Structure(v) => format!("S({})", list(v)),
        Data::Boolean(b) => format!("b:{}", u8::from(*b)),
        Data::BitString(b) => {
            format!(
                "bs:{}",
                (0..b.bits)
                    .map(|i| if b.get(i).unwrap() { '1' } else { '0' })
                    .collect::<String>()
            )
        }
        Data::OctetString(b) => format!("9:{}", hex(b)),
        Data::VisibleString(b) => format!("10:{}", hex(b)),
        Data::Utf8String(b) => format!("12:{}", hex(b)),
        Data::Bcd(v) => format!("13:{v}"),
        Data::Float32(v) => format!("23:{}", hex(&v.to_bits().to_be_bytes())),
        Data::Float64(v) => format!("24:{}", hex(&v.to_bits().to_be_bytes())),
        Data::DateTime(v) => format!("25:{}", hex(&v.to_bytes())),
        Data::Time(v) => format!("27:{}", hex(&v.to_bytes())),
        Data::Enum(v) => format!("22:{v}"),
        other => format!(
            "{}:{}",
            other.type_tag().0,
            other
                .as_i64()
                .map_or_else(|| other.as_u64().unwrap().to_string(), |v| v.to_string())
        ),
    }
}

/// Values inside APDUs: Gurux re-encodes them from its XML, which works for these types only
/// (its XML reader fails on booleans, for one).
fn apdu_data(r: &mut Rng, depth: u32) -> Data {
    loop {
        let d = random_data(r, depth);
        if gurux_xml_safe(&d) {
            return d;
        }
    }
}

fn gurux_xml_safe(d: &Data) -> bool {
    match d {
        Data::Array(v) | Data::Structure(v) => v.iter().all(gurux_xml_safe),
        Data::Null
        | Data::OctetString(_)
        | Data::DoubleLong(_)
        | Data::DoubleLongUnsigned(_)
        | Data::Integer(_)
        | Data::Long(_)
        | Data::Unsigned(_)
        | Data::LongUnsigned(_)
        | Data::Long64(_)
        | Data::Long64Unsigned(_)
        | Data::Enum(_) => true,
        _ => false,
    }
}

/// The data-access-result codes the standard defines (Gurux rejects others).
const CODES: [u8; 16] = [0, 1, 2, 3, 4, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 250];

fn random_apdu(r: &mut Rng) -> Apdu<'static> {
    // Gurux re-encodes from XML with its own invoke id and priority (0xC1).
    let invoke = InvokeIdAndPriority(0xC1);
    let attribute = AttributeDescriptor {
        // Gurux only accepts the class ids it knows.
        class_id: [1u16, 3, 4, 5, 7, 8, 9, 15, 20, 21, 40, 64, 70, 71, 72][r.below(15) as usize],
        instance: ObisCode::from_bytes(r.bytes(6).try_into().unwrap()),
        attribute: r.below(20) as i8 + 1,
    };
    let method = MethodDescriptor {
        class_id: attribute.class_id,
        instance: attribute.instance,
        method: attribute.attribute,
    };
    let d = apdu_data(r, 1);
    match r.below(9) {
        0 => Apdu::GetRequest(GetRequest::Normal {
            invoke,
            attribute,
            access: None,
        }),
        1 => Apdu::GetRequest(GetRequest::Next {
            invoke,
            block_number: r.next() as u32,
        }),
        2 => Apdu::GetResponse(GetResponse::Normal {
            invoke,
            result: GetDataResult::Data(d),
        }),
        3 => Apdu::GetResponse(GetResponse::Normal {
            invoke,
            // An error result of "success" makes no sense (and Gurux reads it as empty data).
            result: GetDataResult::Error(DataAccessResult(CODES[1 + r.below(15) as usize])),
        }),
        4 => Apdu::SetRequest(SetRequest::Normal {
            invoke,
            attribute,
            access: None,
            value: d,
        }),
        5 => Apdu::SetResponse(SetResponse::Normal {
            invoke,
            result: DataAccessResult(CODES[r.below(16) as usize]),
        }),
        6 => Apdu::ActionRequest(ActionRequest::Normal {
            invoke,
            method,
            parameters: Some(d),
        }),
        7 => Apdu::ActionResponse(ActionResponse::Normal {
            invoke,
            outcome: ActionOutcome {
                result: ActionResult::SUCCESS,
                return_parameters: Some(GetDataResult::Data(d)),
            },
        }),
        _ => Apdu::GetRequest(GetRequest::WithList {
            invoke,
            attributes: vec![
                AttributeAccess {
                    attribute,
                    access: None
                };
                1 + r.below(3) as usize
            ],
        }),
    }
}

#[test]
fn gurux_agrees() {
    let Some(py) = python() else { return };
    let mut rng = Rng(0x00C0_FFEE);
    let values: Vec<Data> = (0..400).map(|_| random_data(&mut rng, 0)).collect();
    let apdus: Vec<Apdu<'static>> = (0..200).map(|_| random_apdu(&mut rng)).collect();
    const GURUX_VALUES: usize = 300;

    let mut input = String::new();
    let encoded: Vec<Vec<u8>> = values.iter().map(|d| d.to_vec().unwrap()).collect();
    for e in &encoded {
        input.push_str(&format!("D {}\n", hex(e)));
    }
    let encoded_apdus: Vec<Vec<u8>> = apdus.iter().map(|a| a.to_vec().unwrap()).collect();
    for e in &encoded_apdus {
        input.push_str(&format!("P {}\n", hex(e)));
    }
    input.push_str(&format!("G 20261201 {GURUX_VALUES}\n"));

    // One interpreter for the whole batch.
    let mut child = Command::new(&py)
        .arg(SCRIPT)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let lines: Vec<String> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(Result::unwrap)
        .collect();
    writer.join().unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(lines.len(), values.len() + apdus.len() + GURUX_VALUES);

    // compteur encodes, Gurux decodes: same meaning.
    for ((d, e), line) in values.iter().zip(&encoded).zip(&lines) {
        let got = line
            .strip_prefix("OK ")
            .unwrap_or_else(|| panic!("Gurux failed on {}: {line}", hex(e)));
        assert_eq!(got, meaning(d), "value {d:?} encoded as {}", hex(e));
    }
    // compteur encodes an APDU, Gurux decodes it to XML and encodes that again: same bytes,
    // which compteur decodes to the same APDU.
    for ((a, e), line) in apdus.iter().zip(&encoded_apdus).zip(&lines[values.len()..]) {
        let got = line
            .strip_prefix("OK ")
            .unwrap_or_else(|| panic!("Gurux failed on {}: {line}", hex(e)));
        let (back, xml) = got.split_once(' ').unwrap();
        if let Apdu::GetRequest(GetRequest::WithList { attributes, .. }) = a {
            // Gurux decodes the list (its XML shows every descriptor) but its encoder writes
            // a stray byte into each element, so compare the XML.
            let _ = back;
            assert!(
                xml.contains(&format!(
                    "<AttributeDescriptorList Qty=\"{:02X}\" >",
                    attributes.len()
                )),
                "{xml}"
            );
            for at in attributes {
                let d = at.attribute;
                let want = format!(
                    "<ClassId Value=\"{:04X}\" /> <InstanceId Value=\"{}\" /> <AttributeId Value=\"{:02X}\" />",
                    d.class_id,
                    hex(d.instance.as_bytes()),
                    d.attribute
                );
                assert!(xml.contains(&want), "{want} not in {xml}");
            }
            continue;
        }
        let gurux = unhex(back);
        assert_eq!(hex(&gurux), hex(e), "APDU {a:?}, Gurux XML {xml}");
        assert_eq!(&Apdu::parse(&gurux).unwrap(), a);
    }
    // Gurux encodes, compteur decodes: same meaning, and the same bytes on re-encoding.
    for line in &lines[values.len() + apdus.len()..] {
        let mut parts = line
            .strip_prefix("OK ")
            .unwrap_or_else(|| panic!("{line}"))
            .splitn(2, ' ');
        let bytes = unhex(parts.next().unwrap());
        let want = parts.next().unwrap();
        let d =
            Data::parse(&bytes).unwrap_or_else(|e| panic!("{e:?} on Gurux bytes {}", hex(&bytes)));
        assert_eq!(meaning(&d), want, "Gurux bytes {}", hex(&bytes));
        assert_eq!(d.to_vec().unwrap(), bytes);
    }
}
