//! Property tests: any bytes never panic; encode/parse round trips.
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![allow(clippy::arithmetic_side_effects)]

use dlms::apdu::*;
use dlms::{
    BitString, CompactArray, Data, DataRef, Date, DateTime, Time, TypeDescription, TypeTag,
};
use obis::ObisCode;
use proptest::prelude::*;

fn scalar_of(tag: u8) -> BoxedStrategy<Data> {
    match tag {
        0 => Just(Data::Null).boxed(),
        3 => any::<bool>().prop_map(Data::Boolean).boxed(),
        4 => proptest::collection::vec(any::<u8>(), 0..6)
            .prop_flat_map(|bytes| {
                let n = bytes.len();
                let lo = if n == 0 { 0 } else { n * 8 - 7 };
                (lo..=n * 8).prop_map(move |bits| {
                    let mut bytes = bytes.clone();
                    bytes.truncate(bits.div_ceil(8));
                    Data::BitString(BitString { bits, bytes })
                })
            })
            .boxed(),
        5 => any::<i32>().prop_map(Data::DoubleLong).boxed(),
        6 => any::<u32>().prop_map(Data::DoubleLongUnsigned).boxed(),
        9 => proptest::collection::vec(any::<u8>(), 0..300)
            .prop_map(Data::OctetString)
            .boxed(),
        10 => "[ -~]{0,20}"
            .prop_map(|s| Data::VisibleString(s.into_bytes()))
            .boxed(),
        12 => ".{0,10}"
            .prop_map(|s: String| Data::Utf8String(s.into_bytes()))
            .boxed(),
        13 => any::<u8>().prop_map(Data::Bcd).boxed(),
        15 => any::<i8>().prop_map(Data::Integer).boxed(),
        16 => any::<i16>().prop_map(Data::Long).boxed(),
        17 => any::<u8>().prop_map(Data::Unsigned).boxed(),
        18 => any::<u16>().prop_map(Data::LongUnsigned).boxed(),
        20 => any::<i64>().prop_map(Data::Long64).boxed(),
        21 => any::<u64>().prop_map(Data::Long64Unsigned).boxed(),
        22 => any::<u8>().prop_map(Data::Enum).boxed(),
        23 => any::<i32>()
            .prop_map(|v| Data::Float32(v as f32 / 8.0))
            .boxed(),
        24 => any::<i64>()
            .prop_map(|v| Data::Float64(v as f64 / 16.0))
            .boxed(),
        25 => any::<[u8; 12]>()
            .prop_map(|b| Data::DateTime(DateTime::from_bytes(b)))
            .boxed(),
        26 => any::<[u8; 5]>()
            .prop_map(|b| Data::Date(Date::from_bytes(b)))
            .boxed(),
        27 => any::<[u8; 4]>()
            .prop_map(|b| Data::Time(Time::from_bytes(b)))
            .boxed(),
        _ => Just(Data::DontCare).boxed(),
    }
}

const SIMPLE: [u8; 23] = [
    0, 3, 4, 5, 6, 9, 10, 12, 13, 15, 16, 17, 18, 20, 21, 22, 23, 24, 25, 26, 27, 255, 6,
];

fn scalar() -> BoxedStrategy<Data> {
    proptest::sample::select(&SIMPLE[..])
        .prop_flat_map(scalar_of)
        .boxed()
}

fn compact() -> BoxedStrategy<Data> {
    // Structure of simple (non-null) types, 0..5 elements.
    proptest::collection::vec(
        proptest::sample::select(&[3u8, 5, 6, 9, 16, 17, 18, 25][..]),
        1..4,
    )
    .prop_flat_map(|tags| {
        let desc = TypeDescription::Structure(
            tags.iter()
                .map(|t| TypeDescription::Simple(TypeTag(*t)))
                .collect(),
        );
        let elem = tags
            .iter()
            .map(|t| scalar_of(*t))
            .collect::<Vec<_>>()
            .prop_map(Data::Structure);
        proptest::collection::vec(elem, 0..5).prop_map(move |elements| {
            Data::CompactArray(CompactArray {
                description: desc.clone(),
                elements,
            })
        })
    })
    .boxed()
}

pub(crate) fn data() -> BoxedStrategy<Data> {
    prop_oneof![8 => scalar(), 1 => compact()]
        .prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Data::Array),
                proptest::collection::vec(inner, 0..8).prop_map(Data::Structure),
            ]
        })
        .boxed()
}

fn obis_code() -> impl Strategy<Value = ObisCode> {
    any::<[u8; 6]>().prop_map(ObisCode::from_bytes)
}

fn attr() -> impl Strategy<Value = AttributeDescriptor> {
    (any::<u16>(), obis_code(), any::<i8>()).prop_map(|(class_id, instance, attribute)| {
        AttributeDescriptor {
            class_id,
            instance,
            attribute,
        }
    })
}

fn access() -> impl Strategy<Value = Option<SelectiveAccess>> {
    let co = (any::<u16>(), obis_code(), any::<i8>(), any::<u16>())
        .prop_map(|(c, l, a, i)| CaptureObject {
            class_id: c,
            logical_name: l,
            attribute: a,
            data_index: i,
        })
        .boxed();
    prop_oneof![
        Just(None),
        (
            co.clone(),
            any::<[u8; 12]>(),
            any::<[u8; 12]>(),
            proptest::collection::vec(co, 0..3)
        )
            .prop_map(
                |(o, f, t, cols)| Some(SelectiveAccess::Range(RangeDescriptor {
                    restricting_object: o,
                    from: Data::OctetString(f.to_vec()),
                    to: Data::OctetString(t.to_vec()),
                    selected_values: cols,
                }))
            ),
        (any::<u32>(), any::<u32>(), any::<u16>(), any::<u16>()).prop_map(|(a, b, c, d)| Some(
            SelectiveAccess::Entry(EntryDescriptor {
                from_entry: a,
                to_entry: b,
                from_selected_value: c,
                to_selected_value: d
            })
        )),
    ]
}

fn check_apdu(apdu: &Apdu<'_>) {
    let bytes = apdu.to_vec().unwrap();
    let back = Apdu::parse(&bytes).unwrap_or_else(|e| panic!("{e:?} for {apdu:?} = {bytes:02X?}"));
    assert_eq!(&back, apdu);
    assert_eq!(back.to_vec().unwrap(), bytes);
}

proptest! {
    #[test]
    fn data_round_trip(d in data()) {
        let bytes = d.to_vec().unwrap();
        prop_assert_eq!(bytes.len(), d.buffer_len());
        let back = Data::parse(&bytes).unwrap();
        prop_assert_eq!(&back, &d);
        let view = DataRef::parse(&bytes).unwrap();
        prop_assert_eq!(view.to_data(), d.clone());
        let mut buf = vec![0u8; bytes.len()];
        prop_assert_eq!(d.emit(&mut buf), Ok(bytes.len()));
        prop_assert_eq!(&buf, &bytes);
        if !bytes.is_empty() {
            prop_assert!(d.emit(&mut buf[..bytes.len() - 1]).is_err());
        }
        let _ = d.to_string();
        let _ = view.to_string();
    }

    #[test]
    fn data_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let owned = Data::parse(&bytes);
        let view = DataRef::parse(&bytes);
        if let Ok(d) = &owned {
            // Whatever parses re-encodes to something that parses to the same value.
            let again = d.to_vec().unwrap();
            prop_assert_eq!(&Data::parse(&again).unwrap().to_vec().unwrap(), &again);
        }
        // The view accepts what the owned decoder accepts (it checks compact array
        // contents lazily, so it may accept more).
        if owned.is_ok() {
            prop_assert!(view.is_ok());
        }
        if let Ok(v) = view { let _ = v.to_string(); let _ = v.to_data(); }
    }

    /// Without compact arrays (whose contents the view checks lazily) the view and the owned
    /// decoder accept the same inputs and report the same error, offset included.
    #[test]
    fn data_ref_and_owned_agree(
        d in data(),
        cut in any::<prop::sample::Index>(),
        flip in any::<(prop::sample::Index, u8)>(),
        limits in (1usize..20, 1usize..200, 1usize..64),
    ) {
        let mut bytes = d.to_vec().unwrap();
        if !bytes.is_empty() {
            let i = flip.0.index(bytes.len());
            bytes[i] ^= flip.1;
        }
        bytes.truncate(cut.index(bytes.len() + 1));
        let limits = dlms::DecodeLimits {
            max_depth: limits.0,
            max_elements: limits.1,
            max_size: limits.2,
        };
        if !bytes.contains(&0x13) {
            let owned = Data::parse_with_limits(&bytes, limits).map(|_| ());
            let view = DataRef::parse_with_limits(&bytes, limits).map(|_| ());
            prop_assert_eq!(view, owned);
        }
    }

    #[test]
    fn apdu_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(a) = Apdu::parse(&bytes) {
            // Compared as bytes: a float NaN is not equal to itself.
            let again = a.to_vec().unwrap();
            prop_assert_eq!(Apdu::parse(&again).unwrap().to_vec().unwrap(), again);
        }
        let _ = DataNotificationRef::parse(&bytes);
    }

    #[test]
    fn apdu_any_bytes_after_tag(tag in proptest::sample::select(&[0x01u8, 0x08, 0x0E, 0x0F, 0x60, 0x61, 0x62, 0x63, 0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC7, 0xC8, 0xD8, 0xDB, 0xDC, 0xE0][..]),
                                rest in proptest::collection::vec(any::<u8>(), 0..128)) {
        let mut bytes = vec![tag];
        bytes.extend_from_slice(&rest);
        if let Ok(a) = Apdu::parse(&bytes) {
            // Compared as bytes: a float NaN is not equal to itself.
            let again = a.to_vec().unwrap();
            prop_assert_eq!(Apdu::parse(&again).unwrap().to_vec().unwrap(), again);
        }
    }

    #[test]
    fn reassembler_any_blocks(blocks in proptest::collection::vec((0u32..6, any::<bool>(), proptest::collection::vec(any::<u8>(), 0..40)), 0..20)) {
        let mut r = Reassembler::new(100);
        for (n, last, data) in &blocks {
            match r.push_block(*n, *last, data) {
                Ok(Some(m)) => prop_assert!(m.len() <= 100),
                Ok(None) | Err(ReassemblyError::MissingBlock { .. }) | Err(ReassemblyError::TooLarge { .. }) => {}
                Err(e) => panic!("{e}"),
            }
        }
    }

    #[test]
    fn reassembler_round_trip(msg in proptest::collection::vec(any::<u8>(), 1..2000), size in 1usize..300) {
        let mut r = Reassembler::new(4096);
        let chunks: Vec<&[u8]> = msg.chunks(size).collect();
        let mut out = None;
        for (i, c) in chunks.iter().enumerate() {
            let g = GeneralBlockTransfer {
                control: BlockControl::new(i + 1 == chunks.len(), true, 0),
                block_number: (i + 1) as u16,
                block_number_ack: 0,
                block_data: c,
            };
            let mut enc = Vec::new();
            g.encode(&mut enc).unwrap();
            let parsed = GeneralBlockTransfer::parse(&enc).unwrap();
            prop_assert_eq!(parsed, g);
            if let Some(m) = r.push_gbt(&parsed).unwrap() { out = Some(m.to_vec()); }
        }
        prop_assert_eq!(out, Some(msg));
    }

    #[test]
    fn get_round_trip(inv in any::<u8>(), a in attr(), acc in access(), d in data(), n in any::<u32>(), last in any::<bool>(), raw in proptest::collection::vec(any::<u8>(), 0..300), err in any::<u8>()) {
        let invoke = InvokeIdAndPriority(inv);
        check_apdu(&Apdu::GetRequest(GetRequest::Normal { invoke, attribute: a, access: acc.clone() }));
        check_apdu(&Apdu::GetRequest(GetRequest::Next { invoke, block_number: n }));
        check_apdu(&Apdu::GetRequest(GetRequest::WithList { invoke, attributes: vec![AttributeAccess { attribute: a, access: acc.clone() }; 3] }));
        check_apdu(&Apdu::GetResponse(GetResponse::Normal { invoke, result: GetDataResult::Data(d.clone()) }));
        check_apdu(&Apdu::GetResponse(GetResponse::Normal { invoke, result: GetDataResult::Error(DataAccessResult(err)) }));
        check_apdu(&Apdu::GetResponse(GetResponse::WithDataBlock { invoke, block: DataBlockG { last_block: last, block_number: n, result: BlockResult::RawData(&raw) } }));
        check_apdu(&Apdu::GetResponse(GetResponse::WithList { invoke, results: vec![GetDataResult::Data(d.clone()), GetDataResult::Error(DataAccessResult(err))] }));
    }

    #[test]
    fn set_action_round_trip(inv in any::<u8>(), a in attr(), acc in access(), d in data(), n in any::<u32>(), last in any::<bool>(), raw in proptest::collection::vec(any::<u8>(), 0..300), res in any::<u8>()) {
        let invoke = InvokeIdAndPriority(inv);
        let block = DataBlockSa { last_block: last, block_number: n, raw_data: &raw };
        let aa = AttributeAccess { attribute: a, access: acc.clone() };
        let m = MethodDescriptor { class_id: a.class_id, instance: a.instance, method: a.attribute };
        for s in [
            SetRequest::Normal { invoke, attribute: a, access: acc.clone(), value: d.clone() },
            SetRequest::WithFirstDataBlock { invoke, attribute: a, access: acc.clone(), block },
            SetRequest::WithDataBlock { invoke, block },
            SetRequest::WithList { invoke, attributes: vec![aa.clone(), aa.clone()], values: vec![d.clone(), Data::Null] },
            SetRequest::WithListAndFirstDataBlock { invoke, attributes: vec![aa.clone()], block },
        ] { check_apdu(&Apdu::SetRequest(s)); }
        let r = DataAccessResult(res);
        for s in [
            SetResponse::Normal { invoke, result: r },
            SetResponse::DataBlock { invoke, block_number: n },
            SetResponse::LastDataBlock { invoke, result: r, block_number: n },
            SetResponse::LastDataBlockWithList { invoke, results: vec![r, r], block_number: n },
            SetResponse::WithList { invoke, results: vec![r] },
        ] { check_apdu(&Apdu::SetResponse(s)); }
        for q in [
            ActionRequest::Normal { invoke, method: m, parameters: Some(d.clone()) },
            ActionRequest::Normal { invoke, method: m, parameters: None },
            ActionRequest::NextPBlock { invoke, block_number: n },
            ActionRequest::WithList { invoke, methods: vec![m, m], parameters: vec![d.clone(), Data::Null] },
            ActionRequest::WithFirstPBlock { invoke, method: m, block },
            ActionRequest::WithListAndFirstPBlock { invoke, methods: vec![m], block },
            ActionRequest::WithPBlock { invoke, block },
        ] { check_apdu(&Apdu::ActionRequest(q)); }
        let o = ActionOutcome { result: ActionResult(res), return_parameters: Some(GetDataResult::Data(d.clone())) };
        for q in [
            ActionResponse::Normal { invoke, outcome: o.clone() },
            ActionResponse::Normal { invoke, outcome: ActionOutcome { result: ActionResult(res), return_parameters: None } },
            ActionResponse::WithPBlock { invoke, block },
            ActionResponse::WithList { invoke, outcomes: vec![o.clone(), o] },
            ActionResponse::NextPBlock { invoke, block_number: n },
        ] { check_apdu(&Apdu::ActionResponse(q)); }
    }

    #[test]
    fn notification_round_trip(inv in any::<u32>(), dt in proptest::option::of(any::<[u8; 12]>()), d in data(), a in attr(), st in any::<[u8; 8]>(), sc in any::<u8>(), ic in any::<u32>(), ct in proptest::collection::vec(any::<u8>(), 0..300)) {
        let n = DataNotification { invoke: LongInvokeIdAndPriority(inv), date_time: dt.map(DateTime::from_bytes), body: d.clone() };
        check_apdu(&Apdu::DataNotification(n.clone()));
        let bytes = Apdu::DataNotification(n).to_vec().unwrap();
        let r = DataNotificationRef::parse(&bytes).unwrap();
        prop_assert_eq!(r.body.to_data(), d.clone());
        check_apdu(&Apdu::EventNotification(EventNotification { time: dt.map(DateTime::from_bytes), attribute: a, value: d }));
        let sc = SecurityControl(sc);
        check_apdu(&Apdu::GeneralGloCiphering(GeneralGloCiphering { system_title: st, security_control: sc, invocation_counter: ic, ciphertext: &ct }));
        check_apdu(&Apdu::GeneralDedCiphering(GeneralDedCiphering { system_title: st, security_control: sc, invocation_counter: ic, ciphertext: &ct }));
        for tag in [Tag::GLO_GET_REQUEST, Tag::DED_ACTION_RESPONSE, Tag::GLO_INITIATE_REQUEST, Tag::GLO_EVENT_NOTIFICATION_REQUEST] {
            check_apdu(&Apdu::Ciphered(Ciphered { tag, security_control: sc, invocation_counter: ic, ciphertext: &ct }));
        }
        check_apdu(&Apdu::ExceptionResponse(ExceptionResponse { state_error: 1, service_error: 6, invocation_counter: Some(ic) }));
        check_apdu(&Apdu::ExceptionResponse(ExceptionResponse { state_error: 2, service_error: 3, invocation_counter: None }));
    }

    #[test]
    fn acse_round_trip(ctx in 1u8..5, mech in proptest::option::of(0u8..8), st in proptest::option::of(any::<[u8; 8]>()), pw in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..64)),
                       key in proptest::option::of(any::<[u8; 16]>()), conf in 0u32..0x0100_0000, pdu in any::<u16>(), res in 0u8..3, diag in 0u8..15) {
        let ir = InitiateRequest { dedicated_key: key.map(|k| DedicatedKey::new(&k)), response_allowed: None, proposed_quality_of_service: None,
            proposed_dlms_version: 6, proposed_conformance: Conformance(conf), client_max_receive_pdu_size: pdu };
        let aarq = Aarq { protocol_version: None, application_context: ApplicationContext(ctx), calling_ap_title: st.as_ref().map(|s| &s[..]),
            calling_ae_qualifier: None, sender_acse_requirements: mech.map(|_| true), mechanism_name: mech.map(MechanismName),
            calling_authentication_value: pw.as_ref().map(|p| AuthenticationValue { kind: 0x80, value: p }),
            user_information: Some(UserInformation::InitiateRequest(ir.clone())), other: vec![] };
        check_apdu(&Apdu::Aarq(aarq));
        let resp = InitiateResponse { negotiated_quality_of_service: None, negotiated_dlms_version: 6, negotiated_conformance: Conformance(conf), server_max_receive_pdu_size: pdu, vaa_name: 7 };
        let aare = Aare { protocol_version: None, application_context: ApplicationContext(ctx), result: AssociationResult(res),
            diagnostic: ResultSourceDiagnostic { source: 1, value: diag }, responding_ap_title: st.as_ref().map(|s| &s[..]), responding_ae_qualifier: None,
            responder_acse_requirements: mech.map(|_| true), mechanism_name: mech.map(MechanismName),
            responding_authentication_value: pw.as_ref().map(|p| AuthenticationValue { kind: 0x80, value: p }),
            user_information: Some(UserInformation::InitiateResponse(resp)), other: vec![] };
        check_apdu(&Apdu::Aare(aare));
        check_apdu(&Apdu::Rlrq(Release { reason: Some(0), user_information: Some(UserInformation::InitiateRequest(ir.clone())) }));
        check_apdu(&Apdu::Rlre(Release { reason: None, user_information: None }));
        check_apdu(&Apdu::InitiateRequest(ir));
        check_apdu(&Apdu::InitiateResponse(resp));
    }
}
