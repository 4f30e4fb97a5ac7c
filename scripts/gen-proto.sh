#!/usr/bin/env bash
# gen-proto.sh regenerates crates/goroscope_dump/src/proto/perftools.profiles.rs
# from crates/goroscope_dump/proto/profile.proto with prost-build, using the
# pure-Rust protox compiler (no protoc needed). The generated file is checked
# in, so a normal build needs neither.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src"
cat >"$work/Cargo.toml" <<'TOML'
[package]
name = "gen-proto"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
prost-build = "0.14"
protox = "0.10"

[workspace]
TOML
cat >"$work/src/main.rs" <<'RS'
fn main() {
    let mut args = std::env::args().skip(1);
    let (proto, out) = (args.next().unwrap(), args.next().unwrap());
    let dir = std::path::Path::new(&proto).parent().unwrap().to_owned();
    let files = protox::compile([&proto], [&dir]).expect("compile profile.proto");
    prost_build::Config::new()
        .out_dir(&out)
        .compile_fds(files)
        .expect("generate Rust code");
}
RS
out="$root/crates/goroscope_dump/src/proto"
mkdir -p "$out"
cargo run --quiet --manifest-path "$work/Cargo.toml" -- "$root/crates/goroscope_dump/proto/profile.proto" "$out"
echo "wrote $out/perftools.profiles.rs"
