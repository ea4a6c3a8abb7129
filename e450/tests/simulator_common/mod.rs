//! A blocking test client for the simulator: `hdlc::Connection` (or the wrapper) and
//! `dlms::session::ClientSession` pumped over any byte stream.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs,
    unreachable_pub
)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use dlms::Data;
use dlms::apdu::{AttributeDescriptor, MethodDescriptor, SelectiveAccess};
use dlms::session::{ClientAuthentication, ClientConfig, ClientSession, Event, Response};
use e450::simulator::Framing;
use e450::wrapper::{WrapperFrame, parse_frame};
use hdlc::Address;
use hdlc::Status;
use obis::ObisCode;

/// A byte pipe to the simulator: TCP or a serial port.
pub trait Pipe: Read + Write {}
impl<T: Read + Write> Pipe for T {}

/// A blocking client: the sans-IO layers pumped over a stream.
pub struct Client {
    pub io: Box<dyn Pipe>,
    pub link: Option<hdlc::Connection>,
    pub wrapper: Option<(u16, Vec<u8>)>,
    pub session: ClientSession,
    pub t0: Instant,
    pub connected: bool,
}

impl Client {
    pub fn now(&self) -> Duration {
        self.t0.elapsed()
    }

    pub fn new(
        io: Box<dyn Pipe>,
        framing: Framing,
        client: u8,
        server: Address,
        auth: ClientAuthentication,
    ) -> Client {
        let mut cfg = ClientConfig::new(u16::from(client));
        cfg.authentication = auth;
        let (link, wrapper) = match framing {
            Framing::Hdlc => (
                Some(hdlc::Connection::new(hdlc::Config::new(
                    Address::client(client).unwrap(),
                    server,
                ))),
                None,
            ),
            Framing::Wrapper => (None, Some((u16::from(client), Vec::new()))),
        };
        let mut c = Client {
            io,
            link,
            wrapper,
            session: ClientSession::new(cfg),
            t0: Instant::now(),
            connected: false,
        };
        if c.link.is_some() {
            let now = c.now();
            c.link.as_mut().unwrap().connect(now).unwrap();
            let deadline = Instant::now() + Duration::from_secs(10);
            while !c.connected {
                assert!(Instant::now() < deadline, "no UA");
                c.step();
            }
        }
        let now = c.now();
        c.session.associate(now).unwrap();
        match c.wait() {
            Event::Associated(_) => {}
            other => panic!("association: {other:?}"),
        }
        c
    }

    /// Sends what is pending, reads what comes.
    pub fn step(&mut self) {
        let now = self.now();
        while let Some(apdu) = self.session.poll_transmit() {
            if let Some(link) = self.link.as_mut() {
                link.send(&apdu, now).unwrap();
            } else if let Some((sap, _)) = &self.wrapper {
                let mut out = Vec::new();
                WrapperFrame::new(*sap, 1, &apdu).unwrap().encode(&mut out);
                self.io.write_all(&out).unwrap();
            }
        }
        if let Some(link) = self.link.as_mut() {
            while let Some(f) = link.poll_transmit() {
                self.io.write_all(&f).unwrap();
            }
        }
        self.io.flush().unwrap();
        let mut buf = [0u8; 4096];
        let n = match self.io.read(&mut buf) {
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                ) =>
            {
                0
            }
            Err(e) => panic!("read: {e}"),
        };
        let now = self.now();
        if let Some(link) = self.link.as_mut() {
            link.handle_bytes(&buf[..n], now);
            while let Some(ev) = link.poll_event() {
                match ev {
                    hdlc::Event::Message(m) => self.session.handle_apdu(&m, now),
                    hdlc::Event::Connected(_) => self.connected = true,
                    other => panic!("link: {other:?}"),
                }
            }
            link.handle_timeout(now);
        } else if let Some((_, buf_in)) = self.wrapper.as_mut() {
            buf_in.extend_from_slice(&buf[..n]);
            while let Ok(Status::Complete((used, f))) = parse_frame(buf_in) {
                assert_eq!(
                    (f.header.source, f.header.destination),
                    (1, self.session.config().client_sap)
                );
                let apdu = f.apdu.to_vec();
                buf_in.drain(..used);
                self.session.handle_apdu(&apdu, now);
            }
        }
        self.session.handle_timeout(now);
    }

    pub fn wait(&mut self) -> Event {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(ev) = self.session.poll_event() {
                return ev;
            }
            assert!(Instant::now() < deadline, "no answer");
            self.step();
        }
    }

    pub fn get(
        &mut self,
        class_id: u16,
        instance: ObisCode,
        attribute: i8,
        access: Option<SelectiveAccess>,
    ) -> Result<Data, dlms::apdu::DataAccessResult> {
        let now = self.now();
        self.session
            .get(
                AttributeDescriptor {
                    class_id,
                    instance,
                    attribute,
                },
                access,
                now,
            )
            .unwrap();
        match self.wait() {
            Event::Response { result, .. } => result.unwrap().into_result(),
            other => panic!("{other:?}"),
        }
    }

    pub fn set(
        &mut self,
        class_id: u16,
        instance: ObisCode,
        attribute: i8,
        value: Data,
    ) -> Response {
        let now = self.now();
        self.session
            .set(
                AttributeDescriptor {
                    class_id,
                    instance,
                    attribute,
                },
                None,
                value,
                now,
            )
            .unwrap();
        match self.wait() {
            Event::Response { result, .. } => result.unwrap(),
            other => panic!("{other:?}"),
        }
    }

    pub fn action(&mut self, class_id: u16, instance: ObisCode, method: i8) -> Response {
        let now = self.now();
        self.session
            .action(
                MethodDescriptor {
                    class_id,
                    instance,
                    method,
                },
                Some(Data::Integer(0)),
                now,
            )
            .unwrap();
        match self.wait() {
            Event::Response { result, .. } => result.unwrap(),
            other => panic!("{other:?}"),
        }
    }
}

pub fn tcp(addr: std::net::SocketAddr) -> Box<dyn Pipe> {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
    s.set_nodelay(true).unwrap();
    Box::new(s)
}
