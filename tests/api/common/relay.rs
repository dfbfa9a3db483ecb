//! A TCP relay on 127.0.0.1 in front of the test PostgreSQL, which a test can
//! stall (packets stop, nothing is reset: a frozen server, a dead switch) or
//! take down (every connection cut, new ones refused: a stopped server)
//! without touching the server other tests share.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const FORWARD: u8 = 0;
const STALL: u8 = 1;
const DOWN: u8 = 2;

pub struct Relay {
    pub addr: String,
    mode: Arc<AtomicU8>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    /// A relay to the server of `url` (a `postgres://` URL).
    pub fn start(url: &str) -> Relay {
        let upstream = authority(url).to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").expect("a relay port");
        let addr = listener.local_addr().unwrap().to_string();
        let mode = Arc::new(AtomicU8::new(FORWARD));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (m, o) = (mode.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if m.load(Ordering::SeqCst) == DOWN {
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                {
                    let mut open = o.lock().unwrap();
                    open.push(client.try_clone().unwrap());
                    open.push(server.try_clone().unwrap());
                }
                pump(
                    client.try_clone().unwrap(),
                    server.try_clone().unwrap(),
                    m.clone(),
                );
                pump(server, client, m.clone());
            }
        });
        Relay { addr, mode, open }
    }

    /// `url` with its server replaced by this relay.
    pub fn url(&self, url: &str) -> String {
        url.replacen(authority(url), &self.addr, 1)
    }

    /// Packets stop in both directions; connections stay open.
    pub fn stall(&self) {
        self.mode.store(STALL, Ordering::SeqCst);
    }

    /// Every connection is cut and new ones are refused.
    pub fn down(&self) {
        self.mode.store(DOWN, Ordering::SeqCst);
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// Back to forwarding (what was held during a stall goes through).
    pub fn resume(&self) {
        self.mode.store(FORWARD, Ordering::SeqCst);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.down();
    }
}

/// `host:port` of a URL.
fn authority(url: &str) -> &str {
    let rest = &url[url.find("://").map_or(0, |i| i + 3)..];
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let host = &rest[..end];
    host.rsplit_once('@').map_or(host, |(_, h)| h)
}

/// Copies `from` to `to` on a thread of its own, holding what it read while stalled.
fn pump(mut from: TcpStream, mut to: TcpStream, mode: Arc<AtomicU8>) {
    std::thread::spawn(move || {
        from.set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let mut buf = [0u8; 16 * 1024];
        loop {
            match mode.load(Ordering::SeqCst) {
                DOWN => break,
                STALL => {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
                _ => {}
            }
            let n = match from.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    continue;
                }
                Err(_) => break,
            };
            while mode.load(Ordering::SeqCst) == STALL {
                std::thread::sleep(Duration::from_millis(10));
            }
            if mode.load(Ordering::SeqCst) == DOWN || to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = from.shutdown(Shutdown::Both);
        let _ = to.shutdown(Shutdown::Both);
    });
}
