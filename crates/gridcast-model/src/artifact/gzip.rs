//! Gzip members written through one deflate state per thread.
//!
//! flate2's `GzEncoder` makes a new compressor for every stream, and zlib-rs
//! allocates and zeroes its window, hash chains and pending buffer each time
//! (about 5 % of a seed customer's training, in instructions). Here the
//! deflate stream is flate2's `DeflateEncoder`, the same raw stream
//! `GzEncoder` wraps, reset after each member and kept for the thread's next
//! one. The header and trailer are RFC 1952's as `GzEncoder` writes them, so
//! the bytes are the same for the same writes.

use std::cell::RefCell;
use std::io::{self, Write};

use flate2::write::DeflateEncoder;
use flate2::{Compression, Crc};

/// The header `GzBuilder::new()` writes at level 1: no name or comment,
/// mtime 0, XFL 4 (fastest) and OS 255 (unknown).
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255];

thread_local! {
    /// The thread's reset deflate state at level 1, between members.
    static DEFLATE: RefCell<Option<DeflateEncoder<Vec<u8>>>> = const { RefCell::new(None) };
}

/// One gzip member at the fastest level, being written.
pub(super) struct Member {
    deflate: DeflateEncoder<Vec<u8>>,
    crc: Crc,
}

impl Member {
    /// Starts a member in a buffer of `capacity` bytes, through the thread's
    /// deflate state when it has one (taken: a member that panics half-way
    /// leaves the next one to make its own).
    pub(super) fn start(capacity: usize) -> Self {
        let mut out = Vec::with_capacity(capacity.max(HEADER.len()));
        out.extend_from_slice(&HEADER);
        let deflate = match DEFLATE.with_borrow_mut(Option::take) {
            Some(mut deflate) => {
                *deflate.get_mut() = out;
                deflate
            }
            None => DeflateEncoder::new(out, Compression::fast()),
        };
        Self {
            deflate,
            crc: Crc::new(),
        }
    }

    /// Ends the deflate stream, appends the CRC-32 and length trailer and
    /// hands the deflate state, reset, back to the thread.
    pub(super) fn finish(mut self) -> io::Result<Vec<u8>> {
        self.deflate.try_finish()?;
        let mut out = self.deflate.reset(Vec::new())?;
        out.extend_from_slice(&self.crc.sum().to_le_bytes());
        out.extend_from_slice(&self.crc.amount().to_le_bytes());
        DEFLATE.with_borrow_mut(|slot| *slot = Some(self.deflate));
        Ok(out)
    }
}

impl Write for Member {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.deflate.write(buf)?;
        self.crc.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.deflate.flush()
    }
}
