//! Session overhead: one GET request/response pair through an associated `ClientSession`
//! (request encoded, response parsed and matched, event produced), and the same pair with the
//! `ServerSession` answering from a `MemoryModel`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dlms::Data;
use dlms::apdu::AttributeDescriptor;
use dlms::session::{ClientConfig, ClientSession, Event, MemoryModel, ServerConfig, ServerSession};
use obis::ObisCode;

const ENERGY: ObisCode = ObisCode::new(1, 0, 1, 8, 0, 255);

fn pair() -> (ClientSession, ServerSession, MemoryModel) {
    let mut client = ClientSession::new(ClientConfig::new(16));
    let mut server = ServerSession::new(ServerConfig::default());
    let mut model = MemoryModel::new();
    model.insert(3, ENERGY, 2, Data::DoubleLongUnsigned(482_939));
    client.associate(Duration::ZERO).unwrap();
    let aarq = client.poll_transmit().unwrap();
    server.handle_apdu(16, &aarq, &mut model);
    client.handle_apdu(&server.poll_transmit().unwrap(), Duration::ZERO);
    assert!(matches!(client.poll_event(), Some(Event::Associated(_))));
    (client, server, model)
}

fn bench(c: &mut Criterion) {
    let attr = AttributeDescriptor {
        class_id: 3,
        instance: ENERGY,
        attribute: 2,
    };
    let now = Duration::from_secs(1);
    let mut g = c.benchmark_group("session");

    // Client only: the response bytes are precomputed for each invoke id.
    let (mut client, _, _) = pair();
    let responses: Vec<Vec<u8>> = (0u8..16)
        .map(|id| vec![0xC4, 0x01, 0xC0 | id, 0x00, 0x06, 0x00, 0x07, 0x5E, 0x7B])
        .collect();
    g.throughput(Throughput::Bytes(13 + 9));
    g.bench_function("client_get_pair", |b| {
        b.iter(|| {
            client.get(attr, None, now).unwrap();
            let req = client.poll_transmit().unwrap();
            // The answer with the request's invoke id.
            client.handle_apdu(&responses[usize::from(req[2] & 0x0F)], now);
            let Some(Event::Response { result, .. }) = client.poll_event() else {
                panic!()
            };
            black_box(result.unwrap());
        })
    });

    // Client and server.
    let (mut client, mut server, mut model) = pair();
    g.bench_function("client_server_get_pair", |b| {
        b.iter(|| {
            client.get(attr, None, now).unwrap();
            let req = client.poll_transmit().unwrap();
            server.handle_apdu(16, &req, &mut model);
            let resp = server.poll_transmit().unwrap();
            client.handle_apdu(&resp, now);
            let Some(Event::Response { result, .. }) = client.poll_event() else {
                panic!()
            };
            black_box(result.unwrap());
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
