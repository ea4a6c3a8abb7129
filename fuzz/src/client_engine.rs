//! Fuzz target `client_engine`: the meter client's sans-IO engine fed arbitrary bytes.

use std::time::Duration;

use e450::client::{Engine, Framing, MeterConfig};

/// The first byte picks the framing and the chunk size; the rest is fed as the meter's
/// answers after `connect`, with the clock advancing and timeouts handled. Nothing may
/// panic, and the engine must always offer a deadline while it waits.
pub fn run(data: &[u8]) {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let framing = if head & 1 == 0 {
        Framing::Hdlc
    } else {
        Framing::Wrapper
    };
    let chunk = usize::from(head >> 1).max(1);
    let config = MeterConfig {
        framing,
        timeout: Duration::from_millis(100),
        retries: 1,
        ..MeterConfig::default()
    };
    let Ok(mut engine) = Engine::new(&config) else {
        return;
    };
    let mut now = Duration::ZERO;
    if engine.connect(now).is_err() {
        return;
    }
    for piece in rest.chunks(chunk) {
        while engine.poll_transmit().is_some() {}
        engine.handle_bytes(piece, now);
        while engine.poll_event().is_some() {}
        now = now.saturating_add(Duration::from_millis(7));
        if engine.poll_timeout().is_some_and(|t| t <= now) {
            engine.handle_timeout(now);
        }
    }
    // Then silence: everything ends within the configured time.
    for _ in 0..64 {
        while engine.poll_transmit().is_some() {}
        while engine.poll_event().is_some() {}
        match engine.poll_timeout() {
            Some(t) => {
                now = now.max(t);
                engine.handle_timeout(now);
            }
            None => break,
        }
    }
    assert!(
        engine.poll_timeout().is_none() || engine.is_associated(),
        "the engine still waits after the time limits"
    );
}
