//! Client session against server session in memory (APDU level, no link layer), on a virtual
//! clock: associations, reads, writes, methods, block transfer, ciphering, release, and what
//! the client does with bad input.
#![cfg(feature = "security")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use core::time::Duration;

use dlms::apdu::*;
use dlms::session::*;
use dlms::{Data, DateTime};
use obis::ObisCode;
use proptest::prelude::*;

const CLOCK: ObisCode = ObisCode::new(0, 0, 1, 0, 0, 255);
const SERIAL: ObisCode = ObisCode::new(0, 0, 96, 1, 0, 255);
const IMPORT: ObisCode = ObisCode::new(1, 0, 1, 8, 0, 255);
const EXPORT: ObisCode = ObisCode::new(1, 0, 2, 8, 0, 255);
const VOLTAGE: ObisCode = ObisCode::new(1, 0, 32, 7, 0, 255);
const PROFILE: ObisCode = ObisCode::new(1, 0, 99, 1, 0, 255);
const CLIENT_TITLE: [u8; 8] = [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0x00, 0x00, 0x01];

/// 2026-04-04 00:00 + `quarter` × 15 min, deviation −120, status 0x80.
fn row_time(quarter: u32) -> DateTime {
    let minutes = quarter * 15;
    let day = 4 + minutes / 1440;
    let (month, day) = if day > 30 {
        (5u8, day - 30)
    } else {
        (4u8, day)
    };
    let h = (minutes % 1440) / 60;
    let m = minutes % 60;
    let y = 2026u16.to_be_bytes();
    DateTime::from_bytes([
        y[0], y[1], month, day as u8, 0xFF, h as u8, m as u8, 0, 0, 0xFF, 0x88, 0x80,
    ])
}

fn dt_data(t: DateTime) -> Data {
    Data::OctetString(t.to_bytes().to_vec())
}

fn col(class_id: u16, ln: ObisCode) -> CaptureObject {
    CaptureObject {
        class_id,
        logical_name: ln,
        attribute: 2,
        data_index: 0,
    }
}

fn meter(rows: u32) -> MemoryModel {
    let mut m = MemoryModel::new();
    m.insert(8, CLOCK, 2, dt_data(row_time(2880)));
    m.writable(8, CLOCK, 2);
    m.method(8, CLOCK, 6);
    m.insert(1, SERIAL, 2, Data::OctetString(b"1909113".to_vec()));
    m.writable(1, SERIAL, 2);
    m.insert(3, IMPORT, 2, Data::DoubleLongUnsigned(482_939));
    m.insert(
        3,
        IMPORT,
        3,
        Data::Structure(vec![Data::Integer(0), Data::Enum(30)]),
    );
    m.insert(3, EXPORT, 2, Data::DoubleLongUnsigned(120_573));
    m.insert(3, VOLTAGE, 2, Data::LongUnsigned(2301));
    m.insert(
        3,
        VOLTAGE,
        3,
        Data::Structure(vec![Data::Integer(-1), Data::Enum(35)]),
    );
    let mut p = ProfileBuffer::new(vec![col(8, CLOCK), col(3, IMPORT), col(3, EXPORT)]);
    for i in 0..rows {
        p.rows.push(vec![
            dt_data(row_time(i)),
            Data::DoubleLongUnsigned(1000 + 123 * i),
            Data::DoubleLongUnsigned(10 * i),
        ]);
    }
    m.insert_profile(PROFILE, p);
    m
}

fn attr(class_id: u16, instance: ObisCode, attribute: i8) -> AttributeDescriptor {
    AttributeDescriptor {
        class_id,
        instance,
        attribute,
    }
}

struct Pair {
    client: ClientSession,
    server: ServerSession,
    model: MemoryModel,
    now: Duration,
    sap: u16,
    /// APDUs the client sent, for counting.
    sent: usize,
}

impl Pair {
    fn new(cfg: ClientConfig) -> Self {
        Self::with_server(cfg, ServerConfig::default())
    }
    fn with_server(cfg: ClientConfig, server: ServerConfig) -> Self {
        let sap = cfg.client_sap;
        Pair {
            client: ClientSession::new(cfg),
            server: ServerSession::new(server),
            model: meter(2880),
            now: Duration::from_secs(1000),
            sap,
            sent: 0,
        }
    }
    fn pump(&mut self) {
        while let Some(apdu) = self.client.poll_transmit() {
            self.sent += 1;
            self.server.handle_apdu(self.sap, &apdu, &mut self.model);
            while let Some(answer) = self.server.poll_transmit() {
                self.client.handle_apdu(&answer, self.now);
            }
        }
    }
    fn associate(&mut self) -> Event {
        self.client.associate(self.now).unwrap();
        self.pump();
        self.client.poll_event().unwrap()
    }
    fn response(&mut self) -> Result<Response, SessionError> {
        self.pump();
        match self.client.poll_event() {
            Some(Event::Response { result, .. }) => result,
            other => panic!("expected a response, got {other:?}"),
        }
    }
    fn get(&mut self, a: AttributeDescriptor, sel: Option<SelectiveAccess>) -> Response {
        self.client.get(a, sel, self.now).unwrap();
        self.response().unwrap()
    }
}

fn lls(password: &str) -> ClientConfig {
    let mut cfg = ClientConfig::new(1);
    cfg.authentication = ClientAuthentication::Low(password.parse().unwrap());
    cfg
}

fn gmac(keys: Keys) -> ClientConfig {
    let mut cfg = ClientConfig::new(1);
    cfg.authentication = ClientAuthentication::HighGmac {
        keys,
        system_title: CLIENT_TITLE,
        challenge: b"K56iVagY".to_vec(),
        invocation_counter: 1,
    };
    cfg
}

#[test]
fn public_client_reads_clock_and_registers() {
    let mut p = Pair::new(ClientConfig::new(16));
    let Event::Associated(n) = p.associate() else {
        panic!()
    };
    assert_eq!(n.server_max_receive_pdu, 1024);
    assert!(n.conformance.contains(Conformance::GET));
    assert!(!n.conformance.contains(Conformance::GENERAL_BLOCK_TRANSFER));
    let clock = p.get(attr(8, CLOCK, 2), None).into_data().unwrap();
    assert_eq!(clock.as_date_time(), Some(row_time(2880)));
    assert_eq!(
        p.get(attr(3, IMPORT, 2), None).into_data(),
        Some(Data::DoubleLongUnsigned(482_939))
    );
    let su = p.get(attr(3, VOLTAGE, 3), None).into_data().unwrap();
    let v = p.get(attr(3, VOLTAGE, 2), None).into_data().unwrap();
    assert_eq!(v.as_f64(su.as_scaler_unit().unwrap().scaler), Some(230.1));
    // Unknown object: a typed data-access-result, the association goes on.
    assert_eq!(
        p.get(attr(3, ObisCode::new(1, 0, 9, 9, 9, 255), 2), None)
            .into_result(),
        Err(DataAccessResult::OBJECT_UNDEFINED)
    );
    // The object list includes the association itself.
    let list = p
        .get(attr(15, ASSOCIATION_LN, 2), None)
        .into_data()
        .unwrap();
    assert_eq!(list.as_slice().unwrap().len(), 7);
}

#[test]
fn public_client_may_not_write_or_act() {
    let mut p = Pair::new(ClientConfig::new(16));
    p.associate();
    p.client
        .set(
            attr(1, SERIAL, 2),
            None,
            Data::OctetString(b"x".to_vec()),
            p.now,
        )
        .unwrap();
    assert_eq!(
        p.response().unwrap(),
        Response::Set(DataAccessResult::READ_WRITE_DENIED)
    );
    let m = MethodDescriptor {
        class_id: 8,
        instance: CLOCK,
        method: 6,
    };
    p.client.action(m, Some(Data::Integer(0)), p.now).unwrap();
    let Response::Action(o) = p.response().unwrap() else {
        panic!()
    };
    assert_eq!(o.result, ActionResult::READ_WRITE_DENIED);
    assert!(p.model.calls.is_empty());
}

#[test]
fn public_client_with_lls_is_refused() {
    let mut cfg = lls("12345678");
    cfg.client_sap = 16;
    let mut p = Pair::new(cfg);
    let Event::AssociationFailed(SessionError::AssociationRejected { diagnostic, .. }) =
        p.associate()
    else {
        panic!()
    };
    assert_eq!(diagnostic.value, 11);
}

#[test]
fn profile_of_2880_rows_in_many_blocks() {
    let mut cfg = ClientConfig::new(16);
    cfg.max_receive_pdu = 512;
    let mut p = Pair::new(cfg);
    p.associate();
    let before = p.sent;
    let buffer = p.get(attr(7, PROFILE, 2), None).into_data().unwrap();
    let rows = buffer.as_slice().unwrap();
    assert_eq!(rows.len(), 2880);
    let last = rows[2879].as_slice().unwrap();
    assert_eq!(last[0].as_date_time(), Some(row_time(2879)));
    assert_eq!(last[1], Data::DoubleLongUnsigned(355_117));
    assert_eq!(last[2], Data::DoubleLongUnsigned(28_790));
    // 2880 × 26 bytes in blocks of < 512: about 150 get-request-next.
    let requests = p.sent - before;
    assert!(requests > 140, "{requests} requests");
}

#[test]
fn profile_range_and_entries() {
    let mut p = Pair::new(ClientConfig::new(16));
    p.associate();
    let range = SelectiveAccess::Range(RangeDescriptor {
        restricting_object: col(8, CLOCK),
        from: dt_data(row_time(576)),
        to: dt_data(row_time(815)),
        selected_values: vec![],
    });
    let rows = p.get(attr(7, PROFILE, 2), Some(range)).into_data().unwrap();
    let rows = rows.as_slice().unwrap();
    assert_eq!(rows.len(), 240);
    assert_eq!(
        rows[0].as_slice().unwrap()[1],
        Data::DoubleLongUnsigned(71_848)
    );
    assert_eq!(
        rows[239].as_slice().unwrap()[2],
        Data::DoubleLongUnsigned(8150)
    );
    let entries = SelectiveAccess::Entry(EntryDescriptor {
        from_entry: 10,
        to_entry: 19,
        from_selected_value: 2,
        to_selected_value: 2,
    });
    let rows = p
        .get(attr(7, PROFILE, 2), Some(entries))
        .into_data()
        .unwrap();
    let rows = rows.as_slice().unwrap();
    assert_eq!(rows.len(), 10);
    assert_eq!(
        rows[0],
        Data::Structure(vec![Data::DoubleLongUnsigned(1000 + 123 * 9)])
    );
}

#[test]
fn get_with_list_short_and_long() {
    let mut cfg = ClientConfig::new(16);
    cfg.max_receive_pdu = 256;
    let mut p = Pair::new(cfg);
    p.associate();
    let list = vec![
        AttributeAccess {
            attribute: attr(3, IMPORT, 2),
            access: None,
        },
        AttributeAccess {
            attribute: attr(3, EXPORT, 2),
            access: None,
        },
        AttributeAccess {
            attribute: attr(3, IMPORT, 9),
            access: None,
        },
    ];
    p.client.get_with_list(list.clone(), p.now).unwrap();
    assert_eq!(
        p.response().unwrap(),
        Response::GetList(vec![
            GetDataResult::Data(Data::DoubleLongUnsigned(482_939)),
            GetDataResult::Data(Data::DoubleLongUnsigned(120_573)),
            GetDataResult::Error(DataAccessResult::OBJECT_UNDEFINED),
        ])
    );
    // With the profile in the list the answer needs datablocks.
    let mut long = list;
    long.push(AttributeAccess {
        attribute: attr(7, PROFILE, 2),
        access: Some(SelectiveAccess::Entry(EntryDescriptor {
            from_entry: 1,
            to_entry: 100,
            from_selected_value: 1,
            to_selected_value: 0,
        })),
    });
    p.client.get_with_list(long, p.now).unwrap();
    let Response::GetList(results) = p.response().unwrap() else {
        panic!()
    };
    assert_eq!(results.len(), 4);
    let GetDataResult::Data(rows) = &results[3] else {
        panic!()
    };
    assert_eq!(rows.as_slice().unwrap().len(), 100);
}

#[test]
fn lls_management_sets_and_acts() {
    let mut p = Pair::new(lls("12345678"));
    let Event::Associated(n) = p.associate() else {
        panic!()
    };
    assert_eq!(n.mechanism, MechanismName::LLS);
    p.client
        .set(
            attr(1, SERIAL, 2),
            None,
            Data::OctetString(b"42".to_vec()),
            p.now,
        )
        .unwrap();
    assert_eq!(
        p.response().unwrap(),
        Response::Set(DataAccessResult::SUCCESS)
    );
    assert_eq!(
        p.model.value(1, SERIAL, 2),
        Some(&Data::OctetString(b"42".to_vec()))
    );
    // Wrong type, read-only attribute.
    p.client
        .set(attr(1, SERIAL, 2), None, Data::Unsigned(1), p.now)
        .unwrap();
    assert_eq!(
        p.response().unwrap(),
        Response::Set(DataAccessResult::TYPE_UNMATCHED)
    );
    p.client
        .set_with_list(
            vec![
                AttributeAccess {
                    attribute: attr(1, SERIAL, 2),
                    access: None,
                },
                AttributeAccess {
                    attribute: attr(3, IMPORT, 2),
                    access: None,
                },
            ],
            vec![
                Data::OctetString(b"7".to_vec()),
                Data::DoubleLongUnsigned(0),
            ],
            p.now,
        )
        .unwrap();
    assert_eq!(
        p.response().unwrap(),
        Response::SetList(vec![
            DataAccessResult::SUCCESS,
            DataAccessResult::READ_WRITE_DENIED
        ])
    );
    let m = MethodDescriptor {
        class_id: 8,
        instance: CLOCK,
        method: 6,
    };
    p.client.action(m, Some(Data::Integer(0)), p.now).unwrap();
    let Response::Action(o) = p.response().unwrap() else {
        panic!()
    };
    assert_eq!(o.result, ActionResult::SUCCESS);
    assert_eq!(p.model.calls, vec![(m, Some(Data::Integer(0)))]);
    p.client.release(p.now).unwrap();
    p.pump();
    assert_eq!(
        p.client.poll_event(),
        Some(Event::Released { confirmed: true })
    );
    assert!(!p.server.is_associated());
}

#[test]
fn large_set_goes_in_datablocks() {
    let mut server = ServerConfig::default();
    server.max_receive_pdu = 128;
    let mut p = Pair::with_server(lls("12345678"), server);
    p.associate();
    let big = Data::OctetString((0..1000u32).map(|i| i as u8).collect());
    let before = p.sent;
    p.client
        .set(attr(1, SERIAL, 2), None, big.clone(), p.now)
        .unwrap();
    assert_eq!(
        p.response().unwrap(),
        Response::Set(DataAccessResult::SUCCESS)
    );
    assert!(p.sent - before >= 8);
    assert_eq!(p.model.value(1, SERIAL, 2), Some(&big));
}

#[test]
fn wrong_password_is_a_typed_rejection() {
    let mut p = Pair::new(lls("00000000"));
    let Event::AssociationFailed(e) = p.associate() else {
        panic!()
    };
    assert_eq!(
        e,
        SessionError::AssociationRejected {
            result: AssociationResult::REJECTED_PERMANENT,
            diagnostic: ResultSourceDiagnostic {
                source: 1,
                value: 13
            },
        }
    );
    assert!(e.to_string().contains("wrong password"), "{e}");
    assert!(!p.client.is_associated());
    assert!(
        p.client
            .get(attr(8, CLOCK, 2), None, p.now)
            .is_err_and(|e| matches!(e, SessionError::InvalidState(_)))
    );
}

#[test]
fn hls_gmac_four_pass() {
    let mut p = Pair::new(gmac(Keys::GREEN_BOOK));
    let Event::Associated(n) = p.associate() else {
        panic!()
    };
    assert_eq!(n.mechanism, MechanismName::HLS_GMAC);
    assert_eq!(
        n.server_system_title,
        Some([0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E])
    );
    assert!(p.server.is_associated());
    assert_eq!(
        p.get(attr(3, IMPORT, 2), None).into_data(),
        Some(Data::DoubleLongUnsigned(482_939))
    );
}

#[test]
fn hls_gmac_with_a_wrong_key_fails() {
    let mut keys = Keys::GREEN_BOOK;
    keys.authentication = dlms::security::AuthenticationKey::new([0x55; 16]);
    let mut p = Pair::new(gmac(keys));
    let Event::AssociationFailed(e) = p.associate() else {
        panic!()
    };
    assert!(matches!(e, SessionError::AuthenticationFailed(_)), "{e:?}");
    assert!(!p.server.is_associated());
}

#[test]
fn hls_gmac_server_reply_is_verified() {
    // A server with other keys accepts nothing: the client sees the refusal.
    let mut server = ServerConfig::default();
    server.keys = Some(Keys {
        encryption: dlms::security::EncryptionKey::new([1; 16]),
        authentication: dlms::security::AuthenticationKey::new([2; 16]),
    });
    let mut p = Pair::with_server(gmac(Keys::GREEN_BOOK), server);
    assert!(matches!(
        p.associate(),
        Event::AssociationFailed(SessionError::AuthenticationFailed(_))
    ));
}

fn ciphered_gmac() -> ClientConfig {
    let mut cfg = gmac(Keys::GREEN_BOOK);
    cfg.ciphering = Some(Ciphering::new(Keys::GREEN_BOOK, CLIENT_TITLE));
    cfg
}

#[test]
fn ciphered_association_with_hls_gmac() {
    let mut p = Pair::new(ciphered_gmac());
    let Event::Associated(_) = p.associate() else {
        panic!()
    };
    let ic = p.client.invocation_counter().unwrap();
    assert_eq!(
        p.get(attr(3, IMPORT, 2), None).into_data(),
        Some(Data::DoubleLongUnsigned(482_939))
    );
    assert_eq!(p.client.invocation_counter(), Some(ic + 1));
    // A long answer, ciphered block by block.
    let rows = p.get(attr(7, PROFILE, 2), None).into_data().unwrap();
    assert_eq!(rows.as_slice().unwrap().len(), 2880);
    p.client.release(p.now).unwrap();
    p.pump();
    assert_eq!(
        p.client.poll_event(),
        Some(Event::Released { confirmed: true })
    );
}

#[test]
fn ciphered_requests_go_out_ciphered() {
    let mut p = Pair::new(ciphered_gmac());
    p.client.associate(p.now).unwrap();
    let aarq = p.client.poll_transmit().unwrap();
    let Apdu::Aarq(a) = Apdu::parse(&aarq).unwrap() else {
        panic!()
    };
    assert_eq!(
        a.application_context,
        ApplicationContext::LOGICAL_NAME_WITH_CIPHERING
    );
    assert!(
        matches!(a.user_information, Some(UserInformation::Ciphered(c)) if c.tag == Tag::GLO_INITIATE_REQUEST)
    );
    p.server.handle_apdu(1, &aarq, &mut p.model);
    let aare = p.server.poll_transmit().unwrap();
    p.client.handle_apdu(&aare, p.now);
    let action = p.client.poll_transmit().unwrap();
    assert_eq!(action[0], Tag::GLO_ACTION_REQUEST.0);
}

/// Associates a public client by hand and returns it with the invoke id of a pending GET.
fn associated_client() -> (ClientSession, Duration) {
    let mut p = Pair::new(ClientConfig::new(16));
    p.associate();
    (p.client, p.now)
}

fn pending_get(c: &mut ClientSession, now: Duration) -> RequestHandle {
    let h = c.get(attr(7, PROFILE, 2), None, now).unwrap();
    let req = c.poll_transmit().unwrap();
    assert_eq!(&req[..2], [0xC0, 0x01]);
    h
}

fn expect_error(c: &mut ClientSession, h: RequestHandle) -> SessionError {
    match c.poll_event() {
        Some(Event::Response {
            handle,
            result: Err(e),
        }) if handle == h => e,
        other => panic!("expected an error response, got {other:?}"),
    }
}

#[test]
fn garbage_ends_the_request() {
    let (mut c, now) = associated_client();
    let h = pending_get(&mut c, now);
    c.handle_apdu(&[0x42, 0x00, 0x13], now);
    assert!(matches!(expect_error(&mut c, h), SessionError::Decode(_)));
    assert!(c.is_idle() && c.is_associated());
    // Nothing pending: garbage is reported and ignored.
    c.handle_apdu(&[0xFF], now);
    assert!(matches!(
        c.poll_event(),
        Some(Event::Error(SessionError::Decode(_)))
    ));
}

#[test]
fn another_invoke_id_ends_the_request() {
    let (mut c, now) = associated_client();
    let h = pending_get(&mut c, now);
    c.handle_apdu(&[0xC4, 0x01, 0xC5, 0x00, 0x11, 0x01], now);
    assert_eq!(
        expect_error(&mut c, h),
        SessionError::InvokeIdMismatch {
            expected: 1,
            found: 5
        }
    );
}

#[test]
fn a_wrong_tag_ends_the_request() {
    let (mut c, now) = associated_client();
    let h = pending_get(&mut c, now);
    // A set-response to a GET.
    c.handle_apdu(&[0xC5, 0x01, 0xC1, 0x00], now);
    assert!(matches!(
        expect_error(&mut c, h),
        SessionError::UnexpectedApdu { tag: 0xC5, .. }
    ));
    // An AARE while associated.
    let h = c.get(attr(8, CLOCK, 2), None, now).unwrap();
    c.poll_transmit().unwrap();
    c.handle_apdu(
        &[
            0x61, 0x29, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01, 0xA2,
            0x03, 0x02, 0x01, 0x00, 0xA3, 0x05, 0xA1, 0x03, 0x02, 0x01, 0x00, 0xBE, 0x10, 0x04,
            0x0E, 0x08, 0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00, 0x00, 0x18, 0x1D, 0x02, 0x00, 0x00,
            0x07,
        ],
        now,
    );
    assert!(matches!(
        expect_error(&mut c, h),
        SessionError::UnexpectedApdu { tag: 0x61, .. }
    ));
}

fn block(invoke: u8, last: bool, n: u32, raw: &[u8]) -> Vec<u8> {
    Apdu::GetResponse(GetResponse::WithDataBlock {
        invoke: InvokeIdAndPriority::new(invoke, true, true),
        block: DataBlockG {
            last_block: last,
            block_number: n,
            result: BlockResult::RawData(raw),
        },
    })
    .to_vec()
    .unwrap()
}

#[test]
fn a_block_number_that_jumps_ends_the_request() {
    let (mut c, now) = associated_client();
    let h = pending_get(&mut c, now);
    c.handle_apdu(&block(1, false, 1, &[0x01, 0x02]), now);
    let next = c.poll_transmit().unwrap();
    assert_eq!(next, [0xC0, 0x02, 0xC1, 0, 0, 0, 1]);
    c.handle_apdu(&block(1, false, 3, &[0x11, 0x00]), now);
    assert_eq!(
        expect_error(&mut c, h),
        SessionError::BlockNumber {
            expected: 2,
            found: 3
        }
    );
}

#[test]
fn truncated_blocks_end_the_request() {
    let (mut c, now) = associated_client();
    let h = pending_get(&mut c, now);
    // Array of 2 with one element, then the last block: the value is incomplete.
    c.handle_apdu(&block(1, false, 1, &[0x01, 0x02]), now);
    c.poll_transmit().unwrap();
    c.handle_apdu(&block(1, true, 2, &[0x11, 0x00]), now);
    assert!(matches!(
        expect_error(&mut c, h),
        SessionError::Decode(dlms::Error::Truncated { .. })
    ));
    // A block cut in the middle of its own length.
    let h = pending_get(&mut c, now);
    let mut b = block(2, false, 1, &[0x01, 0x02, 0x11, 0x00]);
    b.truncate(b.len() - 2);
    c.handle_apdu(&b, now);
    assert!(matches!(expect_error(&mut c, h), SessionError::Decode(_)));
}

#[test]
fn exception_response_ends_the_request() {
    let (mut c, now) = associated_client();
    let h = pending_get(&mut c, now);
    c.handle_apdu(&[0xD8, 0x01, 0x02], now);
    assert_eq!(
        expect_error(&mut c, h),
        SessionError::Exception {
            state_error: 1,
            service_error: 2
        }
    );
}

#[test]
fn deadlines_end_requests_and_associations() {
    let (mut c, now) = associated_client();
    let h = pending_get(&mut c, now);
    let h2 = c.get(attr(8, CLOCK, 2), None, now).unwrap();
    let deadline = c.poll_timeout().unwrap();
    assert_eq!(deadline, now + Duration::from_secs(10));
    c.handle_timeout(deadline - Duration::from_millis(1));
    assert!(c.poll_event().is_none());
    c.handle_timeout(deadline);
    assert_eq!(expect_error(&mut c, h), SessionError::Timeout);
    // The queued request started when the first ended; it has its own deadline.
    assert_eq!(c.poll_transmit().unwrap()[..3], [0xC0, 0x01, 0xC2]);
    c.handle_timeout(deadline + Duration::from_secs(30));
    assert_eq!(expect_error(&mut c, h2), SessionError::Timeout);
    assert_eq!(c.poll_timeout(), None);

    // An AARE that never comes.
    let mut c = ClientSession::new(ClientConfig::new(16));
    c.associate(now).unwrap();
    c.handle_timeout(now + Duration::from_secs(11));
    assert_eq!(
        c.poll_event(),
        Some(Event::AssociationFailed(SessionError::Timeout))
    );
    c.associate(now).unwrap();
}

#[test]
fn rejected_aare_variants() {
    for (diag, text) in [
        (2u8, "application context"),
        (11, "authentication mechanism"),
        (13, "wrong password"),
    ] {
        let mut c = ClientSession::new(ClientConfig::new(16));
        c.associate(Duration::ZERO).unwrap();
        c.poll_transmit().unwrap();
        let aare = Apdu::Aare(Aare {
            protocol_version: None,
            application_context: ApplicationContext::LOGICAL_NAME,
            result: AssociationResult::REJECTED_PERMANENT,
            diagnostic: ResultSourceDiagnostic {
                source: 1,
                value: diag,
            },
            responding_ap_title: None,
            responding_ae_qualifier: None,
            responder_acse_requirements: None,
            mechanism_name: None,
            responding_authentication_value: None,
            user_information: None,
            other: vec![],
        })
        .to_vec()
        .unwrap();
        c.handle_apdu(&aare, Duration::ZERO);
        let Some(Event::AssociationFailed(e)) = c.poll_event() else {
            panic!()
        };
        assert!(e.to_string().contains(text), "{e}");
    }
}

#[test]
fn ciphered_response_counter_going_back_is_refused() {
    let mut p = Pair::new(ciphered_gmac());
    p.associate();
    p.client.get(attr(3, IMPORT, 2), None, p.now).unwrap();
    let req = p.client.poll_transmit().unwrap();
    p.server.handle_apdu(1, &req, &mut p.model);
    let answer = p.server.poll_transmit().unwrap();
    p.client.handle_apdu(&answer, p.now);
    assert!(matches!(
        p.client.poll_event(),
        Some(Event::Response { result: Ok(_), .. })
    ));
    // The same ciphered answer again, for a new request.
    let h = p.client.get(attr(3, IMPORT, 2), None, p.now).unwrap();
    p.client.poll_transmit().unwrap();
    p.client.handle_apdu(&answer, p.now);
    assert!(matches!(
        expect_error(&mut p.client, h),
        SessionError::Replay(_)
    ));
    // A flipped byte does not verify.
    let h = p.client.get(attr(3, IMPORT, 2), None, p.now).unwrap();
    let req = p.client.poll_transmit().unwrap();
    p.server.handle_apdu(1, &req, &mut p.model);
    let mut answer = p.server.poll_transmit().unwrap();
    let last = answer.len() - 1;
    answer[last] ^= 1;
    p.client.handle_apdu(&answer, p.now);
    assert!(matches!(
        expect_error(&mut p.client, h),
        SessionError::Security(dlms::security::SecurityError::TagMismatch)
    ));
    // A plain answer in a ciphered association.
    let h = p.client.get(attr(3, IMPORT, 2), None, p.now).unwrap();
    p.client.poll_transmit().unwrap();
    p.client
        .handle_apdu(&[0xC4, 0x01, 0xC5, 0x00, 0x11, 0x01], p.now);
    assert!(matches!(
        expect_error(&mut p.client, h),
        SessionError::UnexpectedApdu { .. }
    ));
}

#[test]
fn general_block_transfer_is_reassembled() {
    let (mut c, now) = associated_client();
    let h = pending_get(&mut c, now);
    let response = [0xC4, 0x01, 0xC1, 0x00, 0x06, 0x00, 0x00, 0x13, 0x91];
    let (a, b) = response.split_at(4);
    let g1 = GeneralBlockTransfer {
        control: BlockControl::new(false, false, 1),
        block_number: 1,
        block_number_ack: 0,
        block_data: a,
    };
    let g2 = GeneralBlockTransfer {
        control: BlockControl::new(true, false, 1),
        block_number: 2,
        block_number_ack: 0,
        block_data: b,
    };
    let mut bytes = Vec::new();
    g1.encode(&mut bytes).unwrap();
    c.handle_apdu(&bytes, now);
    let ack = c.poll_transmit().unwrap();
    let ack = GeneralBlockTransfer::parse(&ack).unwrap();
    assert_eq!(ack.block_number_ack, 1);
    bytes.clear();
    g2.encode(&mut bytes).unwrap();
    c.handle_apdu(&bytes, now);
    match c.poll_event() {
        Some(Event::Response { handle, result }) => {
            assert_eq!(handle, h);
            assert_eq!(
                result.unwrap().into_data(),
                Some(Data::DoubleLongUnsigned(5009))
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn link_only_release_and_abort() {
    let mut cfg = ClientConfig::new(16);
    cfg.release = ReleaseMode::LinkOnly;
    let mut p = Pair::new(cfg);
    p.associate();
    p.client.release(p.now).unwrap();
    assert!(p.client.poll_transmit().is_none());
    assert_eq!(
        p.client.poll_event(),
        Some(Event::Released { confirmed: false })
    );
    p.associate();
    let h = pending_get(&mut p.client, p.now);
    p.client.abort();
    assert_eq!(expect_error(&mut p.client, h), SessionError::Aborted);
}

#[test]
fn never_sends_more_than_the_server_accepts() {
    let mut server = ServerConfig::default();
    server.max_receive_pdu = 64;
    let mut p = Pair::with_server(ClientConfig::new(16), server);
    p.associate();
    let list: Vec<AttributeAccess> = (0..10)
        .map(|i| AttributeAccess {
            attribute: attr(3, ObisCode::new(1, 0, 1, 8, i, 255), 2),
            access: None,
        })
        .collect();
    p.client.get_with_list(list, p.now).unwrap();
    assert!(p.client.poll_transmit().is_none());
    assert!(matches!(
        p.client.poll_event(),
        Some(Event::Response {
            result: Err(SessionError::RequestTooLarge { max: 64, .. }),
            ..
        })
    ));
}

fn arb_data() -> impl Strategy<Value = Data> {
    prop_oneof![
        any::<u32>().prop_map(Data::DoubleLongUnsigned),
        any::<i16>().prop_map(Data::Long),
        any::<bool>().prop_map(Data::Boolean),
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(Data::OctetString),
        proptest::collection::vec(any::<u16>().prop_map(Data::LongUnsigned), 0..200)
            .prop_map(Data::Array),
    ]
}

proptest! {
    /// Any model: a GET of a stored attribute returns it (in blocks when it is long), and
    /// any request bytes get an answer without a panic.
    #[test]
    fn random_models(
        objects in proptest::collection::vec((1u16..80, any::<[u8; 6]>(), 2i8..10, arb_data()), 1..8),
        noise in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..8),
    ) {
        let mut model = MemoryModel::new();
        for (c, ln, a, d) in &objects {
            model.insert(*c, ObisCode::from_bytes(*ln), *a, d.clone());
        }
        let mut cfg = ClientConfig::new(16);
        cfg.max_receive_pdu = 128;
        let mut p = Pair::new(cfg);
        p.model = model;
        prop_assert!(matches!(p.associate(), Event::Associated(_)));
        for (c, ln, a, _) in &objects {
            let ln = ObisCode::from_bytes(*ln);
            let expected = p.model.value(*c, ln, *a).cloned();
            if *c == 15 || *c == 7 { continue; }
            let got = p.get(attr(*c, ln, *a), None).into_data();
            prop_assert_eq!(got, expected);
        }
        for n in &noise {
            p.server.handle_apdu(16, n, &mut p.model);
            while p.server.poll_transmit().is_some() {}
            let mut bytes = vec![0xC0, 0x01, 0xC1];
            bytes.extend_from_slice(n);
            p.server.handle_apdu(16, &bytes, &mut p.model);
            while p.server.poll_transmit().is_some() {}
        }
    }

    /// Any APDU to an associated client: no panic, and a request in progress ends or waits
    /// for its deadline.
    #[test]
    fn client_never_panics(apdus in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..80), 1..6)) {
        let (mut c, now) = associated_client();
        let _ = pending_get(&mut c, now);
        for a in &apdus {
            c.handle_apdu(a, now);
            while c.poll_transmit().is_some() {}
        }
        c.handle_timeout(now + Duration::from_secs(3600));
        while c.poll_event().is_some() {}
        prop_assert!(c.is_idle());
    }
}

fn lgz_pair(client_password: &str) -> Pair {
    let mut server = ServerConfig::default();
    server.clients = vec![ClientPolicy {
        sap: 1,
        authentication: vec![ServerAuthentication::HighLgz("12345678".parse().unwrap())],
        access: AccessLevel::ReadWrite,
    }];
    server.challenge = b"0123ABCF0123ABCF".to_vec();
    let mut cfg = ClientConfig::new(1);
    cfg.authentication = ClientAuthentication::HighLgz {
        password: client_password.parse().unwrap(),
        challenge: b"89ABCDEF01234567".to_vec(),
    };
    Pair::with_server(cfg, server)
}

#[test]
fn landis_gyr_hls_exchange() {
    let mut p = lgz_pair("12345678");
    let Event::Associated(n) = p.associate() else {
        panic!()
    };
    assert_eq!(n.mechanism, MechanismName::HLS_MANUFACTURER);
    assert_eq!(
        p.get(attr(3, IMPORT, 2), None).into_data(),
        Some(Data::DoubleLongUnsigned(482_939))
    );
    let mut p = lgz_pair("12345679");
    assert!(matches!(
        p.associate(),
        Event::AssociationFailed(SessionError::AuthenticationFailed(_))
    ));
}

#[test]
fn action_return_parameters_in_blocks() {
    let (mut c, now) = associated_client();
    let m = MethodDescriptor {
        class_id: 8,
        instance: CLOCK,
        method: 6,
    };
    let h = c.action(m, None, now).unwrap();
    assert_eq!(c.poll_transmit().unwrap()[..2], [0xC3, 0x01]);
    let block = |last: bool, n: u32, raw: &[u8]| {
        Apdu::ActionResponse(ActionResponse::WithPBlock {
            invoke: InvokeIdAndPriority::new(1, true, true),
            block: DataBlockSa {
                last_block: last,
                block_number: n,
                raw_data: raw,
            },
        })
        .to_vec()
        .unwrap()
    };
    c.handle_apdu(&block(false, 1, &[0x01, 0x02, 0x11]), now);
    assert_eq!(c.poll_transmit().unwrap(), [0xC3, 0x02, 0xC1, 0, 0, 0, 1]);
    c.handle_apdu(&block(true, 2, &[0x07, 0x11, 0x08]), now);
    match c.poll_event() {
        Some(Event::Response {
            handle,
            result: Ok(Response::Action(o)),
        }) => {
            assert_eq!(handle, h);
            assert_eq!(
                o.return_parameters,
                Some(GetDataResult::Data(Data::Array(vec![
                    Data::Unsigned(7),
                    Data::Unsigned(8)
                ])))
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn plain_answers_wrapped_in_blocks_are_refused_when_ciphered() {
    let mut p = Pair::new(ciphered_gmac());
    p.associate();
    let h = p.client.get(attr(3, IMPORT, 2), None, p.now).unwrap();
    p.client.poll_transmit().unwrap();
    let plain = [0xC4, 0x01, 0xC0 | 2, 0x00, 0x11, 0x01];
    let g = GeneralBlockTransfer {
        control: BlockControl::new(true, false, 1),
        block_number: 1,
        block_number_ack: 0,
        block_data: &plain,
    };
    let mut bytes = Vec::new();
    g.encode(&mut bytes).unwrap();
    p.client.handle_apdu(&bytes, p.now);
    assert!(matches!(
        expect_error(&mut p.client, h),
        SessionError::UnexpectedApdu { tag: 0xC4, .. }
    ));
}

#[test]
fn pushes_on_the_association_are_events() {
    let (mut c, now) = associated_client();
    c.handle_apdu(
        &[
            0x0F, 0x00, 0x00, 0xCB, 0xC6, 0x00, 0x06, 0x00, 0x0D, 0x88, 0xC1,
        ],
        now,
    );
    let Some(Event::Notification(n)) = c.poll_event() else {
        panic!()
    };
    assert_eq!(n.body, Data::DoubleLongUnsigned(886_977));
}

#[test]
fn large_action_parameters_go_in_blocks() {
    let mut server = ServerConfig::default();
    server.max_receive_pdu = 128;
    let mut p = Pair::with_server(lls("12345678"), server);
    p.associate();
    let m = MethodDescriptor {
        class_id: 8,
        instance: CLOCK,
        method: 6,
    };
    let big = Data::OctetString(vec![0xA5; 700]);
    let before = p.sent;
    p.client.action(m, Some(big.clone()), p.now).unwrap();
    let Response::Action(o) = p.response().unwrap() else {
        panic!()
    };
    assert_eq!(o.result, ActionResult::SUCCESS);
    assert!(p.sent - before >= 6, "{} APDUs", p.sent - before);
    assert_eq!(p.model.calls, vec![(m, Some(big))]);
}

// ---- Dedicated key (ded- APDUs) ----

const DED_KEY: [u8; 16] = [0x55; 16];

fn ded_gmac() -> ClientConfig {
    let mut cfg = gmac(Keys::GREEN_BOOK);
    cfg.ciphering = Some(
        Ciphering::new(Keys::GREEN_BOOK, CLIENT_TITLE)
            .with_dedicated_key(dlms::security::EncryptionKey::new(DED_KEY)),
    );
    cfg
}

/// Sends what the client queued, one APDU at a time, and returns (request, answer) tag bytes.
fn exchange_tags(p: &mut Pair) -> Vec<(u8, u8)> {
    let mut tags = Vec::new();
    while let Some(apdu) = p.client.poll_transmit() {
        p.server.handle_apdu(p.sap, &apdu, &mut p.model);
        while let Some(answer) = p.server.poll_transmit() {
            tags.push((apdu[0], answer[0]));
            p.client.handle_apdu(&answer, p.now);
        }
    }
    tags
}

#[test]
fn dedicated_key_association_gets_and_sets_with_ded_apdus() {
    let mut p = Pair::new(ded_gmac());
    p.client.associate(p.now).unwrap();
    assert!(!p.client.uses_dedicated_key());
    let tags = exchange_tags(&mut p);
    // AARQ/AARE (the initiate is glo-ciphered under the global key), then the HLS action
    // already under the dedicated key.
    assert_eq!(
        tags,
        [
            (Tag::AARQ.0, Tag::AARE.0),
            (Tag::DED_ACTION_REQUEST.0, Tag::DED_ACTION_RESPONSE.0)
        ]
    );
    assert!(matches!(p.client.poll_event(), Some(Event::Associated(_))));
    assert!(p.client.uses_dedicated_key());
    assert!(p.server.uses_dedicated_key());

    p.client.get(attr(3, IMPORT, 2), None, p.now).unwrap();
    assert_eq!(
        exchange_tags(&mut p),
        [(Tag::DED_GET_REQUEST.0, Tag::DED_GET_RESPONSE.0)]
    );
    let Some(Event::Response { result, .. }) = p.client.poll_event() else {
        panic!()
    };
    assert_eq!(
        result.unwrap().into_data(),
        Some(Data::DoubleLongUnsigned(482_939))
    );

    p.client
        .set(
            attr(1, SERIAL, 2),
            None,
            Data::OctetString(b"42".to_vec()),
            p.now,
        )
        .unwrap();
    assert_eq!(
        exchange_tags(&mut p),
        [(Tag::DED_SET_REQUEST.0, Tag::DED_SET_RESPONSE.0)]
    );
    let Some(Event::Response { result, .. }) = p.client.poll_event() else {
        panic!()
    };
    assert_eq!(result.unwrap(), Response::Set(DataAccessResult::SUCCESS));
    assert_eq!(
        p.model.value(1, SERIAL, 2),
        Some(&Data::OctetString(b"42".to_vec()))
    );

    // A long answer: every block is a ded-get-response.
    p.client.get(attr(7, PROFILE, 2), None, p.now).unwrap();
    let tags = exchange_tags(&mut p);
    assert!(tags.len() > 10);
    assert!(
        tags.iter()
            .all(|t| *t == (Tag::DED_GET_REQUEST.0, Tag::DED_GET_RESPONSE.0))
    );
    let Some(Event::Response { result, .. }) = p.client.poll_event() else {
        panic!()
    };
    assert_eq!(
        result
            .unwrap()
            .into_data()
            .unwrap()
            .as_slice()
            .unwrap()
            .len(),
        2880
    );
}

#[test]
fn dedicated_key_is_sent_in_the_ciphered_initiate_and_never_printed() {
    let cfg = ded_gmac();
    let text = format!("{cfg:?}");
    assert!(text.contains("EncryptionKey(<redacted>)"));
    assert!(!text.contains("85, 85"), "{text}");
    let mut p = Pair::new(cfg);
    p.client.associate(p.now).unwrap();
    let aarq = p.client.poll_transmit().unwrap();
    assert!(!aarq.windows(16).any(|w| w == DED_KEY));
    let Apdu::Aarq(a) = Apdu::parse(&aarq).unwrap() else {
        panic!()
    };
    let Some(UserInformation::Ciphered(c)) = a.user_information else {
        panic!()
    };
    assert_eq!(c.tag, Tag::GLO_INITIATE_REQUEST);
    // Deciphered with the global key, the InitiateRequest carries the dedicated key.
    let cipher = dlms::security::SuiteZeroCipher::new(&Keys::GREEN_BOOK.encryption);
    let plain = cipher
        .decrypt(
            dlms::security::Authentication::Key(&Keys::GREEN_BOOK.authentication),
            &c.security_header(CLIENT_TITLE),
            c.ciphertext,
        )
        .unwrap();
    let Apdu::InitiateRequest(ir) = Apdu::parse(&plain.plaintext).unwrap() else {
        panic!()
    };
    assert_eq!(ir.dedicated_key.unwrap().as_bytes(), DED_KEY);
}

/// A get-response for invoke id `invoke`, glo-ciphered under the global key by the server.
fn glo_get_response(invoke: u8, ic: u32) -> Vec<u8> {
    let plain = [0xC4, 0x01, 0xC0 | invoke, 0x00, 0x12, 0x00, 0x2A];
    let server_title = ServerConfig::default().system_title;
    let header = dlms::security::SecurityHeader::new(server_title, 0x30, ic);
    let cipher = dlms::security::SuiteZeroCipher::new(&Keys::GREEN_BOOK.encryption);
    let payload = cipher
        .encrypt(Some(&Keys::GREEN_BOOK.authentication), &header, &plain)
        .unwrap();
    Apdu::Ciphered(Ciphered {
        tag: Tag::GLO_GET_RESPONSE,
        security_control: SecurityControl(0x30),
        invocation_counter: ic,
        ciphertext: &payload,
    })
    .to_vec()
    .unwrap()
}

#[test]
fn global_key_response_is_refused_when_the_dedicated_key_is_in_force() {
    let mut p = Pair::new(ded_gmac());
    assert!(matches!(p.associate(), Event::Associated(_)));
    let h = p.client.get(attr(3, IMPORT, 2), None, p.now).unwrap();
    let req = p.client.poll_transmit().unwrap();
    assert_eq!(req[0], Tag::DED_GET_REQUEST.0);
    p.client.handle_apdu(&glo_get_response(2, 1000), p.now);
    assert!(matches!(
        expect_error(&mut p.client, h),
        SessionError::CipheringMismatch { tag: 0xCC, .. }
    ));
    // The association carries on with ded- APDUs.
    assert_eq!(
        p.get(attr(3, IMPORT, 2), None).into_data(),
        Some(Data::DoubleLongUnsigned(482_939))
    );
}

#[test]
fn ded_response_without_a_dedicated_key_is_refused() {
    let mut p = Pair::new(ciphered_gmac());
    assert!(matches!(p.associate(), Event::Associated(_)));
    let h = p.client.get(attr(3, IMPORT, 2), None, p.now).unwrap();
    p.client.poll_transmit().unwrap();
    let mut answer = glo_get_response(2, 1000);
    answer[0] = Tag::DED_GET_RESPONSE.0;
    p.client.handle_apdu(&answer, p.now);
    assert!(matches!(
        expect_error(&mut p.client, h),
        SessionError::CipheringMismatch { tag: 0xD4, .. }
    ));
}

#[test]
fn server_refuses_global_key_requests_when_the_dedicated_key_is_in_force() {
    let mut p = Pair::new(ded_gmac());
    assert!(matches!(p.associate(), Event::Associated(_)));
    let plain = [0xC0, 0x01, 0xC5, 0x00, 0x03, 1, 0, 1, 8, 0, 255, 0x02, 0x00];
    let header = dlms::security::SecurityHeader::new(CLIENT_TITLE, 0x30, 5000);
    let cipher = dlms::security::SuiteZeroCipher::new(&Keys::GREEN_BOOK.encryption);
    let payload = cipher
        .encrypt(Some(&Keys::GREEN_BOOK.authentication), &header, &plain)
        .unwrap();
    let glo = Apdu::Ciphered(Ciphered {
        tag: Tag::GLO_GET_REQUEST,
        security_control: SecurityControl(0x30),
        invocation_counter: 5000,
        ciphertext: &payload,
    })
    .to_vec()
    .unwrap();
    p.server.handle_apdu(1, &glo, &mut p.model);
    let answer = p.server.poll_transmit().unwrap();
    assert_eq!(answer[0], Tag::EXCEPTION_RESPONSE.0);
}

#[test]
fn plain_aarq_with_a_dedicated_key_is_rejected() {
    let aarq = Apdu::Aarq(Aarq {
        protocol_version: None,
        application_context: ApplicationContext::LOGICAL_NAME,
        calling_ap_title: None,
        calling_ae_qualifier: None,
        sender_acse_requirements: None,
        mechanism_name: None,
        calling_authentication_value: None,
        user_information: Some(UserInformation::InitiateRequest(InitiateRequest {
            dedicated_key: Some(DedicatedKey::new(&DED_KEY)),
            response_allowed: None,
            proposed_quality_of_service: None,
            proposed_dlms_version: 6,
            proposed_conformance: ClientConfig::DEFAULT_CONFORMANCE,
            client_max_receive_pdu_size: 1024,
        })),
        other: Vec::new(),
    })
    .to_vec()
    .unwrap();
    let mut server = ServerSession::new(ServerConfig::default());
    let mut model = meter(1);
    server.handle_apdu(16, &aarq, &mut model);
    let aare = server.poll_transmit().unwrap();
    let Apdu::Aare(a) = Apdu::parse(&aare).unwrap() else {
        panic!()
    };
    assert_eq!(a.result, AssociationResult::REJECTED_PERMANENT);
    assert!(!server.is_associated());
}

// ---- Object list access rights ----

fn object_list(p: &mut Pair) -> Vec<dlms::cosem::ObjectListEntry> {
    use dlms::cosem::AttributeValue;
    let list = p
        .get(attr(15, ASSOCIATION_LN, 2), None)
        .into_data()
        .unwrap();
    Vec::<dlms::cosem::ObjectListEntry>::from_data(&list).unwrap()
}

fn listed(
    list: &[dlms::cosem::ObjectListEntry],
    class: u16,
    ln: ObisCode,
) -> &dlms::cosem::ObjectListEntry {
    list.iter()
        .find(|e| e.class_id.0 == class && e.logical_name == ln)
        .unwrap()
}

#[test]
fn object_list_access_rights_follow_the_client() {
    use dlms::cosem::{AttributeAccessMode as A, MethodAccessMode as M};

    // Public client 16: everything read-only, no method.
    let mut p = Pair::new(ClientConfig::new(16));
    p.associate();
    let list = object_list(&mut p);
    assert_eq!(list.len(), 7);
    for e in &list {
        assert!(!e.attribute_access.is_empty(), "{e:?}");
        assert!(
            e.attribute_access
                .iter()
                .all(|a| a.access_mode == A::READ_ONLY),
            "{e:?}"
        );
        assert!(
            e.method_access
                .iter()
                .all(|m| m.access_mode == M::NO_ACCESS),
            "{e:?}"
        );
    }
    let clock = listed(&list, 8, CLOCK);
    assert_eq!(clock.attribute_access_mode(1), Some(A::READ_ONLY));
    assert_eq!(clock.attribute_access_mode(2), Some(A::READ_ONLY));
    assert_eq!(clock.method_access_mode(6), Some(M::NO_ACCESS));
    let profile = listed(&list, 7, PROFILE);
    assert_eq!(profile.version, 1);
    let buffer = profile.attribute_access.iter().find(|a| a.id == 2).unwrap();
    assert_eq!(buffer.selectors.as_deref(), Some(&[1, 2][..]));
    let ids: Vec<i8> = profile.attribute_access.iter().map(|a| a.id).collect();
    assert_eq!(ids, [1, 2, 3, 7, 8]);
    let assoc = listed(&list, 15, ASSOCIATION_LN);
    assert_eq!(assoc.version, 2);
    assert!(assoc.method_access.is_empty());

    // Management client 1 (LLS): the writable attributes are read-write, methods allowed.
    let mut p = Pair::new(lls("12345678"));
    p.associate();
    let list = object_list(&mut p);
    let clock = listed(&list, 8, CLOCK);
    assert_eq!(clock.attribute_access_mode(1), Some(A::READ_ONLY));
    assert_eq!(clock.attribute_access_mode(2), Some(A::READ_AND_WRITE));
    assert_eq!(clock.method_access_mode(6), Some(M::ACCESS));
    let serial = listed(&list, 1, SERIAL);
    assert_eq!(serial.attribute_access_mode(2), Some(A::READ_AND_WRITE));
    let import = listed(&list, 3, IMPORT);
    assert_eq!(import.attribute_access_mode(2), Some(A::READ_ONLY));
    assert_eq!(import.attribute_access_mode(3), Some(A::READ_ONLY));
    assert!(import.method_access.is_empty());
    let assoc = listed(&list, 15, ASSOCIATION_LN);
    assert_eq!(assoc.method_access_mode(1), Some(M::ACCESS));
    // What the list says is what the server does: the clock can be written.
    p.client
        .set(attr(8, CLOCK, 2), None, dt_data(row_time(3)), p.now)
        .unwrap();
    assert_eq!(
        p.response().unwrap(),
        Response::Set(DataAccessResult::SUCCESS)
    );
}

// ---- SET with list in datablocks ----

#[test]
fn large_set_with_list_goes_in_datablocks() {
    let mut server = ServerConfig::default();
    server.max_receive_pdu = 128;
    let mut p = Pair::with_server(lls("12345678"), server);
    p.associate();
    let big = Data::OctetString((0..700u32).map(|i| i as u8).collect());
    let time = dt_data(row_time(7));
    let list = vec![
        AttributeAccess {
            attribute: attr(1, SERIAL, 2),
            access: None,
        },
        AttributeAccess {
            attribute: attr(8, CLOCK, 2),
            access: None,
        },
        AttributeAccess {
            attribute: attr(3, IMPORT, 2),
            access: None,
        },
    ];
    p.client
        .set_with_list(
            list,
            vec![big.clone(), time.clone(), Data::DoubleLongUnsigned(1)],
            p.now,
        )
        .unwrap();
    // Watch the wire: a first block with the list, then datablocks, every one within the
    // server's limit.
    let mut requests = Vec::new();
    while let Some(apdu) = p.client.poll_transmit() {
        assert!(apdu.len() <= 128, "{} bytes", apdu.len());
        requests.push(apdu[..2].to_vec());
        p.server.handle_apdu(p.sap, &apdu, &mut p.model);
        while let Some(answer) = p.server.poll_transmit() {
            p.client.handle_apdu(&answer, p.now);
        }
    }
    assert!(requests.len() >= 6, "{}", requests.len());
    assert_eq!(requests[0], [0xC1, 0x05]);
    assert!(requests[1..].iter().all(|r| r[..] == [0xC1, 0x03]));
    let Some(Event::Response { result, .. }) = p.client.poll_event() else {
        panic!()
    };
    assert_eq!(
        result.unwrap(),
        Response::SetList(vec![
            DataAccessResult::SUCCESS,
            DataAccessResult::SUCCESS,
            DataAccessResult::READ_WRITE_DENIED,
        ])
    );
    assert_eq!(p.model.value(1, SERIAL, 2), Some(&big));
    assert_eq!(p.model.value(8, CLOCK, 2), Some(&time));
    assert_eq!(
        p.model.value(3, IMPORT, 2),
        Some(&Data::DoubleLongUnsigned(482_939))
    );
}

#[test]
fn large_set_with_list_when_ciphered_with_the_dedicated_key() {
    let mut cfg = ded_gmac();
    cfg.max_receive_pdu = 1024;
    let mut server = ServerConfig::default();
    server.max_receive_pdu = 200;
    let mut p = Pair::with_server(cfg, server);
    assert!(matches!(p.associate(), Event::Associated(_)));
    let big = Data::OctetString(vec![0xA5; 900]);
    p.client
        .set_with_list(
            vec![AttributeAccess {
                attribute: attr(1, SERIAL, 2),
                access: None,
            }],
            vec![big.clone()],
            p.now,
        )
        .unwrap();
    let tags = exchange_tags(&mut p);
    assert!(tags.len() >= 5);
    assert!(
        tags.iter()
            .all(|t| *t == (Tag::DED_SET_REQUEST.0, Tag::DED_SET_RESPONSE.0))
    );
    let Some(Event::Response { result, .. }) = p.client.poll_event() else {
        panic!()
    };
    assert_eq!(
        result.unwrap(),
        Response::SetList(vec![DataAccessResult::SUCCESS])
    );
    assert_eq!(p.model.value(1, SERIAL, 2), Some(&big));
}

#[test]
fn set_with_list_block_answered_with_another_list_length_is_refused() {
    let mut server = ServerConfig::default();
    server.max_receive_pdu = 128;
    let mut p = Pair::with_server(lls("12345678"), server);
    p.associate();
    let h = p
        .client
        .set_with_list(
            vec![AttributeAccess {
                attribute: attr(1, SERIAL, 2),
                access: None,
            }],
            vec![Data::OctetString(vec![1; 150])],
            p.now,
        )
        .unwrap();
    let first = p.client.poll_transmit().unwrap();
    assert_eq!(&first[..2], [0xC1, 0x05]);
    let invoke = first[2];
    // Block 1 acknowledged; the client sends block 2, the last.
    p.client
        .handle_apdu(&[0xC5, 0x02, invoke, 0, 0, 0, 1], p.now);
    let second = p.client.poll_transmit().unwrap();
    assert_eq!(second[..4], [0xC1, 0x03, invoke, 0x01]);
    assert_eq!(second[4..8], [0, 0, 0, 2]);
    // A last-datablock-with-list of two results for a list of one.
    p.client
        .handle_apdu(&[0xC5, 0x04, invoke, 0x02, 0x00, 0x00, 0, 0, 0, 2], p.now);
    let e = expect_error(&mut p.client, h);
    assert!(
        matches!(e, SessionError::UnexpectedApdu { tag: 0xC5, context } if context.contains("length")),
        "{e:?}"
    );
}

/// A ciphered LLS AARQ for SAP 1 whose InitiateRequest carries `key` as the dedicated key.
fn ciphered_aarq_with_dedicated_key(key: &[u8]) -> Vec<u8> {
    let ir = Apdu::InitiateRequest(InitiateRequest {
        dedicated_key: Some(DedicatedKey::new(key)),
        response_allowed: None,
        proposed_quality_of_service: None,
        proposed_dlms_version: 6,
        proposed_conformance: ClientConfig::DEFAULT_CONFORMANCE,
        client_max_receive_pdu_size: 1024,
    })
    .to_vec()
    .unwrap();
    let header = dlms::security::SecurityHeader::new(CLIENT_TITLE, 0x30, 1);
    let cipher = dlms::security::SuiteZeroCipher::new(&Keys::GREEN_BOOK.encryption);
    let payload = cipher
        .encrypt(Some(&Keys::GREEN_BOOK.authentication), &header, &ir)
        .unwrap();
    Apdu::Aarq(Aarq {
        protocol_version: None,
        application_context: ApplicationContext::LOGICAL_NAME_WITH_CIPHERING,
        calling_ap_title: Some(&CLIENT_TITLE),
        calling_ae_qualifier: None,
        sender_acse_requirements: Some(true),
        mechanism_name: Some(MechanismName::LLS),
        calling_authentication_value: Some(AuthenticationValue {
            kind: AuthenticationValue::CHARSTRING,
            value: b"12345678",
        }),
        user_information: Some(UserInformation::Ciphered(Ciphered {
            tag: Tag::GLO_INITIATE_REQUEST,
            security_control: SecurityControl(0x30),
            invocation_counter: 1,
            ciphertext: &payload,
        })),
        other: Vec::new(),
    })
    .to_vec()
    .unwrap()
}

#[test]
fn server_accepts_a_16_byte_dedicated_key_only() {
    let mut model = meter(1);
    let mut server = ServerSession::new(ServerConfig::default());
    server.handle_apdu(1, &ciphered_aarq_with_dedicated_key(&DED_KEY), &mut model);
    let aare = server.poll_transmit().unwrap();
    let Apdu::Aare(a) = Apdu::parse(&aare).unwrap() else {
        panic!()
    };
    assert_eq!(a.result, AssociationResult::ACCEPTED);
    // The initiate response still goes under the global key.
    assert!(
        matches!(a.user_information, Some(UserInformation::Ciphered(c)) if c.tag == Tag::GLO_INITIATE_RESPONSE)
    );
    assert!(server.uses_dedicated_key());

    let mut server = ServerSession::new(ServerConfig::default());
    server.handle_apdu(1, &ciphered_aarq_with_dedicated_key(&[1; 8]), &mut model);
    let aare = server.poll_transmit().unwrap();
    let Apdu::Aare(a) = Apdu::parse(&aare).unwrap() else {
        panic!()
    };
    assert_eq!(a.result, AssociationResult::REJECTED_PERMANENT);
    assert!(!server.is_associated());
}

#[test]
fn dedicated_key_with_lls_and_ciphering() {
    let mut cfg = lls("12345678");
    cfg.ciphering = Some(
        Ciphering::new(Keys::GREEN_BOOK, CLIENT_TITLE)
            .with_dedicated_key(dlms::security::EncryptionKey::new([0x3C; 16])),
    );
    let mut p = Pair::new(cfg);
    p.client.associate(p.now).unwrap();
    assert_eq!(exchange_tags(&mut p), [(Tag::AARQ.0, Tag::AARE.0)]);
    assert!(matches!(p.client.poll_event(), Some(Event::Associated(_))));
    p.client
        .action(
            MethodDescriptor {
                class_id: 8,
                instance: CLOCK,
                method: 6,
            },
            Some(Data::Integer(0)),
            p.now,
        )
        .unwrap();
    assert_eq!(
        exchange_tags(&mut p),
        [(Tag::DED_ACTION_REQUEST.0, Tag::DED_ACTION_RESPONSE.0)]
    );
    let Some(Event::Response { result, .. }) = p.client.poll_event() else {
        panic!()
    };
    assert!(matches!(result.unwrap(), Response::Action(o) if o.result == ActionResult::SUCCESS));
    assert_eq!(p.model.calls.len(), 1);
}

/// A get-response `C4 01 <invoke> 00 12 00 2A` in general-ded-ciphering under `key`.
fn general_ded_get_response(invoke: u8, ic: u32, key: [u8; 16]) -> Vec<u8> {
    let plain = [0xC4, 0x01, 0xC0 | invoke, 0x00, 0x12, 0x00, 0x2A];
    let server_title = ServerConfig::default().system_title;
    let header = dlms::security::SecurityHeader::new(server_title, 0x30, ic);
    let cipher = dlms::security::SuiteZeroCipher::new(&dlms::security::EncryptionKey::new(key));
    let payload = cipher
        .encrypt(Some(&Keys::GREEN_BOOK.authentication), &header, &plain)
        .unwrap();
    Apdu::GeneralDedCiphering(GeneralDedCiphering {
        system_title: server_title,
        security_control: SecurityControl(0x30),
        invocation_counter: ic,
        ciphertext: &payload,
    })
    .to_vec()
    .unwrap()
}

#[test]
fn general_ded_ciphering_responses_use_the_dedicated_key() {
    let mut p = Pair::new(ded_gmac());
    assert!(matches!(p.associate(), Event::Associated(_)));
    let h = p.client.get(attr(3, IMPORT, 2), None, p.now).unwrap();
    let req = p.client.poll_transmit().unwrap();
    let Apdu::Ciphered(c) = Apdu::parse(&req).unwrap() else {
        panic!()
    };
    assert_eq!(c.tag, Tag::DED_GET_REQUEST);
    // Invoke id 1 went to the HLS action; this GET is 2.
    p.client
        .handle_apdu(&general_ded_get_response(2, 1000, DED_KEY), p.now);
    let Some(Event::Response { handle, result }) = p.client.poll_event() else {
        panic!()
    };
    assert_eq!(handle, h);
    assert_eq!(result.unwrap().into_data(), Some(Data::LongUnsigned(42)));
    // Under another key it does not verify.
    let h = p.client.get(attr(3, IMPORT, 2), None, p.now).unwrap();
    p.client.poll_transmit().unwrap();
    p.client
        .handle_apdu(&general_ded_get_response(3, 1001, [0; 16]), p.now);
    assert!(matches!(
        expect_error(&mut p.client, h),
        SessionError::Security(dlms::security::SecurityError::TagMismatch)
    ));
    // general-glo-ciphering (the global key) is refused while the dedicated key is in force.
    let h = p.client.get(attr(3, IMPORT, 2), None, p.now).unwrap();
    p.client.poll_transmit().unwrap();
    let mut glo = general_ded_get_response(4, 1002, DED_KEY);
    glo[0] = Tag::GENERAL_GLO_CIPHERING.0;
    p.client.handle_apdu(&glo, p.now);
    assert!(matches!(
        expect_error(&mut p.client, h),
        SessionError::CipheringMismatch { tag: 0xDB, .. }
    ));
    // Without a dedicated key, general-ded-ciphering is refused.
    let mut p = Pair::new(ciphered_gmac());
    assert!(matches!(p.associate(), Event::Associated(_)));
    let h = p.client.get(attr(3, IMPORT, 2), None, p.now).unwrap();
    p.client.poll_transmit().unwrap();
    p.client
        .handle_apdu(&general_ded_get_response(2, 1000, DED_KEY), p.now);
    assert!(matches!(
        expect_error(&mut p.client, h),
        SessionError::CipheringMismatch { tag: 0xDC, .. }
    ));
}
