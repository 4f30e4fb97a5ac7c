#!/usr/bin/env bash
# Installs what building and testing goroscope needs, when the machine lacks it:
#   - Rust 1.89 or later (cargo), for the tool itself;
#   - Go 1.25 or later, for the test suite, which builds and runs real Go programs;
#   - xmllint (Debian's libxml2-utils), with which the tests validate JUnit output against its schema;
#   - headless Chromium (Debian's chromium), in which the tests open the HTML report and the dashboard;
#   - cargo-fuzz (from crates.io), for scripts/fuzz.sh.
# Safe to run again: it changes nothing on a machine that has them all.
set -euo pipefail

need_go_minor=25
go_toolchain="go1.26.0"

have_root() { [ "$(id -u)" = 0 ]; }

apt_install() {
  if ! have_root || ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: cannot install $* (needs root and apt-get); install it by hand" >&2
    exit 2
  fi
  if [ -z "${APT_UPDATED:-}" ]; then
    apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found; installing Debian's cargo" >&2
  apt_install cargo
fi
rust_minor=$(rustc --version | sed -E 's/^rustc 1\.([0-9]+).*/\1/')
if [ "$rust_minor" -lt 89 ]; then
  echo "setup: $(rustc --version) is too old: goroscope needs Rust 1.89 or later." >&2
  echo "       Install a current toolchain with rustup and run this again." >&2
  exit 2
fi

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="/usr/local/go/bin:$PATH"
fi
if ! command -v go >/dev/null 2>&1; then
  echo "setup: go not found; installing Debian's golang-go" >&2
  apt_install golang-go
fi
go_minor=$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
if [ "$go_minor" -lt "$need_go_minor" ]; then
  # An old go can still fetch a current toolchain: it is an ordinary module on the Go module proxy.
  echo "setup: $(go env GOVERSION) is older than go1.$need_go_minor; fetching $go_toolchain as a module" >&2
  dir=$(cd "$(mktemp -d)" && GOFLAGS=-mod=mod go mod download -json "golang.org/toolchain@v0.0.1-$go_toolchain.linux-amd64" \
    | sed -nE 's/^\s*"Dir": "(.*)",?$/\1/p')
  chmod -R u+x "$dir/bin" "$dir/pkg/tool" 2>/dev/null || true
  mkdir -p /usr/local/bin
  ln -sf "$dir/bin/go" /usr/local/bin/go
  ln -sf "$dir/bin/gofmt" /usr/local/bin/gofmt
  export PATH="$dir/bin:$PATH"
  hash -r
fi
if ! command -v xmllint >/dev/null 2>&1; then
  echo "setup: xmllint not found; installing Debian's libxml2-utils" >&2
  apt_install libxml2-utils
fi
if ! command -v chromium >/dev/null 2>&1; then
  echo "setup: chromium not found; installing Debian's chromium" >&2
  apt_install chromium
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  # Pinned and --locked: the version scripts/fuzz.sh was written against, built as released.
  echo "setup: cargo-fuzz not found; installing it from crates.io" >&2
  cargo install cargo-fuzz --version 0.13.2 --locked --quiet
fi
echo "setup: $(cargo --version), $(cargo fuzz --version), $(go version), $(xmllint --version 2>&1 | head -n 1), $(chromium --version 2>/dev/null)"
