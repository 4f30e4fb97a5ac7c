//! A protobuf writer just big enough for `perftools.profiles.Profile` (FORMATS.md §4): fields are written by
//! hand so that tests can also write what no real encoder would (ids that point nowhere, cycles, bad indexes).
#![allow(dead_code, unreachable_pub)]

/// One message being written.
#[derive(Debug, Default, Clone)]
pub struct Msg(pub Vec<u8>);

impl Msg {
    pub fn new() -> Msg {
        Msg::default()
    }

    fn varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.0.push((value as u8) | 0x80);
            value >>= 7;
        }
        self.0.push(value as u8);
    }

    fn key(&mut self, field: u32, wire: u8) {
        self.varint((u64::from(field) << 3) | u64::from(wire));
    }

    /// A varint field (int64, uint64, bool), written even when 0.
    pub fn int(mut self, field: u32, value: i64) -> Msg {
        self.key(field, 0);
        self.varint(value as u64);
        self
    }

    /// A length-delimited field: bytes, a string or an embedded message.
    pub fn bytes(mut self, field: u32, bytes: &[u8]) -> Msg {
        self.key(field, 2);
        self.varint(bytes.len() as u64);
        self.0.extend_from_slice(bytes);
        self
    }

    pub fn msg(self, field: u32, msg: &Msg) -> Msg {
        self.bytes(field, &msg.0)
    }

    /// A repeated varint field, packed as Go writes it when it has more than two values, else one field each.
    pub fn ints(self, field: u32, values: &[i64]) -> Msg {
        if values.len() <= 2 {
            return values.iter().fold(self, |m, &v| m.int(field, v));
        }
        let mut packed = Msg::new();
        for &v in values {
            packed.varint(v as u64);
        }
        self.bytes(field, &packed.0)
    }
}

/// `ValueType{type, unit}` as string indexes.
pub fn value_type(kind: i64, unit: i64) -> Msg {
    Msg::new().int(1, kind).int(2, unit)
}

/// `Function{id, name, system_name, filename}`.
pub fn function(id: u64, name: i64, file: i64) -> Msg {
    Msg::new().int(1, id as i64).int(2, name).int(3, name).int(4, file)
}

/// `Location{id, address, line…}` with `Line{function_id, line}` entries, innermost first.
pub fn location(id: u64, address: u64, lines: &[(u64, i64)]) -> Msg {
    let mut m = Msg::new().int(1, id as i64).int(2, 1).int(3, address as i64);
    for &(function, line) in lines {
        m = m.msg(4, &Msg::new().int(1, function as i64).int(2, line));
    }
    m
}

/// `Sample{location_id…, value, label…}` with string-valued labels as (key, value) indexes.
pub fn sample(locations: &[u64], count: i64, labels: &[(i64, i64)]) -> Msg {
    let ids: Vec<i64> = locations.iter().map(|&l| l as i64).collect();
    let mut m = Msg::new().ints(1, &ids).ints(2, &[count]);
    for &(key, value) in labels {
        m = m.msg(3, &Msg::new().int(1, key).int(2, value));
    }
    m
}

/// A goroutine profile: sample type `goroutine/count` (or another `kind`), then the given messages, then the
/// string table last, as Go writes it. `strings[0]` must be `""`.
pub fn profile(kind: i64, unit: i64, body: &[(u32, Msg)], strings: &[&[u8]]) -> Vec<u8> {
    let mut m = Msg::new().msg(1, &value_type(kind, unit));
    for (field, msg) in body {
        m = m.msg(*field, msg);
    }
    for s in strings {
        m = m.bytes(6, s);
    }
    m.int(9, 1_700_000_000_000_000_000).msg(11, &value_type(kind, unit)).int(12, 1).0
}

/// Gzip, as `runtime/pprof` writes the profile.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}
