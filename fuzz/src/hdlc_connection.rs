//! Fuzz target `hdlc_connection`: the client and server link state machines on hostile input.

use std::time::Duration;

use hdlc::{Address, Config, Connection, Event, Parameters, ServerConfig, ServerConnection};

/// Connects a client to a real server, then lets the input speak for the server: bytes are fed
/// to the client in chunks, with sends, timeouts and disconnects mixed in by control bytes.
/// The same bytes are fed to a server. Nothing may panic, and the client must stay consistent.
pub fn run(data: &[u8]) {
    let server_addr = Address::server(1, 17).expect("valid");
    let mut cfg = Config::new(Address::PUBLIC_CLIENT, server_addr);
    cfg.params = Parameters {
        max_info_tx: 64,
        max_info_rx: 256,
        window_tx: 3,
        window_rx: 3,
    };
    cfg.max_message = 4096;
    let mut client = Connection::new(cfg);
    let mut server_cfg = ServerConfig::new(server_addr);
    server_cfg.params = Parameters {
        max_info_tx: 128,
        max_info_rx: 62,
        window_tx: 2,
        window_rx: 2,
    };
    let mut real = ServerConnection::new(server_cfg.clone());
    let mut now = Duration::ZERO;
    let _ = client.connect(now);
    while let Some(b) = client.poll_transmit() {
        real.handle_bytes(&b);
    }
    while let Some(b) = real.poll_transmit() {
        client.handle_bytes(&b, now);
    }

    let mut fuzzed = ServerConnection::new(server_cfg);
    let mut rest = data;
    while let Some((&op, tail)) = rest.split_first() {
        let n = usize::from(op >> 3).min(tail.len());
        let (chunk, after) = tail.split_at(n);
        rest = after;
        match op & 7 {
            0 => {
                let _ = client.send(chunk, now);
            }
            1 => {
                now += Duration::from_millis(u64::from(op) * 40);
                client.handle_timeout(now);
            }
            2 => client.disconnect(now),
            3 => {
                let _ = client.connect(now);
            }
            _ => client.handle_bytes(chunk, now),
        }
        fuzzed.handle_bytes(chunk);
        while let Some(e) = fuzzed.poll_event() {
            if let Event::Message(m) = e {
                let _ = fuzzed.send(&m);
            }
        }
        while fuzzed.poll_transmit().is_some() {}
        while let Some(b) = client.poll_transmit() {
            // The client's frames always have good checks.
            assert!(hdlc::Frame::parse(&b).is_ok());
        }
        while client.poll_event().is_some() {}
        // Time only moves in `handle_timeout`, so a pending deadline is always ahead.
        if let Some(t) = client.poll_timeout() {
            assert!(t > now, "deadline {t:?} not after {now:?}");
        }
    }
}
