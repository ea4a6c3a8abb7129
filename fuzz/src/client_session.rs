//! Fuzz target `client_session`: arbitrary APDUs fed to a [`ClientSession`] after a scripted
//! association (plain public client, or HLS-GMAC with ciphering against an in-memory
//! server), with a request in progress.
//!
//! Input: the first byte picks the script (bit 0: ciphered) and the request (bits 1..=2:
//! get, get-with-list, set, action; the set and the ciphered action go in blocks); the rest
//! is a sequence of APDUs, each prefixed by its length byte. The session must never panic,
//! and once its deadline has passed nothing may be left waiting.

use core::time::Duration;

use dlms::Data;
use dlms::apdu::{AttributeAccess, AttributeDescriptor, MethodDescriptor};
use dlms::session::{
    Ciphering, ClientAuthentication, ClientConfig, ClientSession, Event, Keys, MemoryModel,
    ServerConfig, ServerSession,
};
use obis::ObisCode;

const TITLE: [u8; 8] = [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0x00, 0x00, 0x01];

fn associate(ciphered: bool) -> ClientSession {
    let mut cfg = ClientConfig::new(if ciphered { 1 } else { 16 });
    if ciphered {
        cfg.authentication = ClientAuthentication::HighGmac {
            keys: Keys::GREEN_BOOK,
            system_title: TITLE,
            challenge: b"K56iVagY".to_vec(),
            invocation_counter: 1,
        };
        cfg.ciphering = Some(Ciphering::new(Keys::GREEN_BOOK, TITLE));
    }
    let sap = cfg.client_sap;
    let mut client = ClientSession::new(cfg);
    let mut server = ServerSession::new(ServerConfig::default());
    let mut model = MemoryModel::new();
    client.associate(Duration::ZERO).expect("associate");
    while let Some(apdu) = client.poll_transmit() {
        server.handle_apdu(sap, &apdu, &mut model);
        while let Some(answer) = server.poll_transmit() {
            client.handle_apdu(&answer, Duration::ZERO);
        }
    }
    assert!(
        matches!(client.poll_event(), Some(Event::Associated(_))),
        "scripted association"
    );
    client
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Some((&mode, mut rest)) = data.split_first() else {
        return;
    };
    let mut client = associate(mode & 1 != 0);
    let now = Duration::from_secs(1);
    let a = AttributeDescriptor {
        class_id: 7,
        instance: ObisCode::new(1, 0, 99, 1, 0, 255),
        attribute: 2,
    };
    let made = match (mode >> 1) & 3 {
        0 => client.get(a, None, now),
        1 => client.get_with_list(
            vec![
                AttributeAccess {
                    attribute: a,
                    access: None,
                },
                AttributeAccess {
                    attribute: a,
                    access: None,
                },
            ],
            now,
        ),
        2 => client.set(a, None, Data::OctetString(vec![0x55; 3000]), now),
        _ => client.action(
            MethodDescriptor {
                class_id: 8,
                instance: ObisCode::new(0, 0, 1, 0, 0, 255),
                method: 6,
            },
            // Large enough for parameter blocks in a ciphered association.
            Some(Data::OctetString(vec![0xAA; 1500 * usize::from(mode & 1)])),
            now,
        ),
    };
    made.expect("request while associated");
    while let Some((&len, tail)) = rest.split_first() {
        let (apdu, next) = tail.split_at(usize::from(len).min(tail.len()));
        client.handle_apdu(apdu, now);
        while client.poll_transmit().is_some() {}
        while client.poll_event().is_some() {}
        rest = next;
    }
    client.handle_timeout(now + Duration::from_secs(3600));
    while client.poll_event().is_some() {}
    assert!(client.is_idle(), "a request outlived its deadline");
    assert_eq!(
        client.poll_timeout(),
        None,
        "nothing may wait after the deadline"
    );
}
