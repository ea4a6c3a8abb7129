//! The simulated meter's connection engine (HDLC or IEC 62056-47 wrapper framing, DLMS server
//! session, object model): any bytes in, never a panic. (The wrapper codec has its own target,
//! `client_wrapper`.)
//!
//! The first byte picks the framing (even: HDLC, odd: wrapper); the rest is fed in chunks.

use e450::simulator::{Framing, LocalTime, SimClock, Simulator, SimulatorConfig, TimeZone};

pub fn run(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let start = LocalTime {
        year: 2026,
        month: 5,
        day: 4,
        hour: 11,
        minute: 39,
        second: 20,
    };
    let sim = Simulator::new(
        SimulatorConfig {
            history_days: 2,
            ..SimulatorConfig::default()
        },
        SimClock::manual(TimeZone::CENTRAL_EUROPE, start),
    );
    let framing = if first & 1 == 0 {
        Framing::Hdlc
    } else {
        Framing::Wrapper
    };
    let mut c = sim.connection(framing);
    let chunk = usize::from(first >> 1).max(1);
    let mut out = Vec::new();
    for piece in rest.chunks(chunk) {
        c.handle(piece, &mut out);
        out.clear();
    }
}
