//! The browser builds' gzip reader: RFC 1952's header and trailer around
//! flate2's raw inflate, with a one-table CRC-32. flate2's `GzDecoder` checks
//! the same things, but through crc32fast's slice-by-16 tables (16 KiB of
//! `.rodata`, ~5 % of the portal gzipped); native builds keep `GzDecoder`.
//! Reads one member, as `GzDecoder` does; bytes after its trailer are ignored.

use std::io::{self, Read};

use flate2::bufread::DeflateDecoder;

const FHCRC: u8 = 1 << 1;
const FEXTRA: u8 = 1 << 2;
const FNAME: u8 = 1 << 3;
const FCOMMENT: u8 = 1 << 4;
const FRESERVED: u8 = 0xe0;

/// A gzip member's decompressed bytes; the trailer (CRC-32 and length) is
/// checked when the deflate stream ends, so a reader read to its end has
/// checked everything.
pub(super) struct Gunzip<'a> {
    inflate: DeflateDecoder<&'a [u8]>,
    crc: u32,
    len: u32,
    checked: bool,
}

impl<'a> Gunzip<'a> {
    /// Parses the header of the gzip member at the start of `bytes`.
    pub(super) fn new(bytes: &'a [u8]) -> io::Result<Self> {
        let body = &bytes[header_len(bytes)?..];
        Ok(Self {
            inflate: DeflateDecoder::new(body),
            crc: !0,
            len: 0,
            checked: false,
        })
    }

    fn check_trailer(&self) -> io::Result<()> {
        let rest = *self.inflate.get_ref();
        let trailer = rest
            .get(..8)
            .ok_or_else(|| corrupt(io::ErrorKind::UnexpectedEof, "gzip trailer is missing"))?;
        let word = |at: usize| u32::from_le_bytes(trailer[at..at + 4].try_into().expect("4 bytes"));
        if word(0) != !self.crc {
            return Err(corrupt(
                io::ErrorKind::InvalidInput,
                "gzip CRC-32 does not match",
            ));
        }
        if word(4) != self.len {
            return Err(corrupt(
                io::ErrorKind::InvalidInput,
                "gzip length does not match",
            ));
        }
        Ok(())
    }
}

impl Read for Gunzip<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.checked || buf.is_empty() {
            return Ok(0);
        }
        let n = self.inflate.read(buf)?;
        if n == 0 {
            self.check_trailer()?;
            self.checked = true;
        }
        self.crc = crc32_update(self.crc, &buf[..n]);
        self.len = self.len.wrapping_add(n as u32);
        Ok(n)
    }
}

/// The length of the member's header (RFC 1952 §2.3), its CRC-16 checked when flagged.
fn header_len(bytes: &[u8]) -> io::Result<usize> {
    let bad = || corrupt(io::ErrorKind::InvalidInput, "invalid gzip header");
    let fixed = bytes.get(..10).ok_or_else(bad)?;
    if fixed[..3] != [0x1f, 0x8b, 8] || fixed[3] & FRESERVED != 0 {
        return Err(bad());
    }
    let flags = fixed[3];
    let mut at = 10;
    if flags & FEXTRA != 0 {
        let xlen = bytes.get(at..at + 2).ok_or_else(bad)?;
        at += 2 + usize::from(u16::from_le_bytes([xlen[0], xlen[1]]));
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let nul = bytes.get(at..).and_then(|s| s.iter().position(|&b| b == 0));
            at += nul.ok_or_else(bad)? + 1;
        }
    }
    if flags & FHCRC != 0 {
        let crc16 = bytes.get(at..at + 2).ok_or_else(bad)?;
        if u32::from(u16::from_le_bytes([crc16[0], crc16[1]]))
            != !crc32_update(!0, &bytes[..at]) & 0xffff
        {
            return Err(bad());
        }
        at += 2;
    }
    if at > bytes.len() {
        return Err(bad());
    }
    Ok(at)
}

fn corrupt(kind: io::ErrorKind, what: &'static str) -> io::Error {
    io::Error::new(kind, what)
}

/// CRC-32 (IEEE, reflected) of `data` continuing from `crc` (start with `!0`,
/// finish with `!`), one byte a step through a 1 KiB table.
fn crc32_update(mut crc: u32, data: &[u8]) -> u32 {
    for &b in data {
        crc = CRC32_TABLE[usize::from((crc as u8) ^ b)] ^ (crc >> 8);
    }
    crc
}

const CRC32_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;
    use flate2::{Compression, GzBuilder};
    use std::io::Write;

    fn gunzip(bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        Gunzip::new(bytes)?.read_to_end(&mut out)?;
        Ok(out)
    }

    fn flate2(bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        GzDecoder::new(bytes).read_to_end(&mut out)?;
        Ok(out)
    }

    /// Members with every optional header field, and with none.
    fn members(data: &[u8]) -> Vec<Vec<u8>> {
        let plain = {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), Compression::fast());
            gz.write_all(data).unwrap();
            gz.finish().unwrap()
        };
        let full = {
            let builder = GzBuilder::new()
                .extra(&b"xx\x02\x00ab"[..])
                .filename(&b"model.tar"[..])
                .comment(&b"a comment"[..])
                .operating_system(3);
            let mut gz = builder.write(Vec::new(), Compression::best());
            gz.write_all(data).unwrap();
            gz.finish().unwrap()
        };
        // The header CRC-16 flag set by hand on `plain` (FHCRC then the CRC of the header).
        let hcrc = {
            let mut m = plain[..10].to_vec();
            m[3] |= FHCRC;
            let crc = !crc32_update(!0, &m) & 0xffff;
            m.extend_from_slice(&(crc as u16).to_le_bytes());
            m.extend_from_slice(&plain[10..]);
            m
        };
        vec![plain, full, hcrc]
    }

    #[test]
    fn reads_what_flate2_reads() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7919 % 251) as u8).collect();
        for (i, m) in members(&data).iter().enumerate() {
            assert_eq!(flate2(m).unwrap(), data, "flate2, member {i}");
            assert_eq!(gunzip(m).unwrap(), data, "member {i}");
            // Bytes after the member are ignored by both.
            let mut trailing = m.clone();
            trailing.extend_from_slice(b"trailing");
            assert_eq!(
                gunzip(&trailing).unwrap(),
                data,
                "member {i} with trailing bytes"
            );
        }
        assert_eq!(gunzip(&members(b"")[0]).unwrap(), b"");
    }

    #[test]
    fn refuses_what_flate2_refuses() {
        let m = members(b"the model's bytes")[0].clone();
        let hcrc = members(b"the model's bytes")[2].clone();
        let edit = |m: &[u8], at: usize, x: u8| {
            let mut m = m.to_vec();
            m[at] ^= x;
            m
        };
        let n = m.len();
        let broken = [
            ("empty", Vec::new()),
            ("short header", m[..9].to_vec()),
            ("magic", edit(&m, 0, 1)),
            ("method", edit(&m, 2, 1)),
            ("reserved flag", edit(&m, 3, 0x20)),
            ("name without end", edit(&m, 3, FNAME)[..12].to_vec()),
            ("header crc", edit(&hcrc, 10, 1)),
            ("deflate stream", edit(&m, 10, 0xff)),
            ("cut deflate", m[..n - 12].to_vec()),
            ("no trailer", m[..n - 8].to_vec()),
            ("half a trailer", m[..n - 3].to_vec()),
            ("crc", edit(&m, n - 8, 0xff)),
            ("length", edit(&m, n - 1, 1)),
        ];
        for (what, b) in &broken {
            assert!(flate2(b).is_err(), "flate2 accepts {what}");
            assert!(gunzip(b).is_err(), "{what} is accepted");
        }
    }

    #[test]
    fn crc32_is_ieee() {
        assert_eq!(!crc32_update(!0, b"123456789"), 0xcbf4_3926);
        let mut h = flate2::Crc::new();
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 31 % 256) as u8).collect();
        h.update(&data);
        assert_eq!(!crc32_update(!0, &data), h.sum());
    }
}
