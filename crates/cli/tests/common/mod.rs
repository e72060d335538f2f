//! Helpers shared by the CLI's test files.
#![allow(dead_code)]

pub mod cli;
pub mod server;
pub mod web;

use std::net::TcpListener;
use std::process::Child;

/// Kills the process when the test ends, however it ends.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
