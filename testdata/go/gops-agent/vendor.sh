#!/usr/bin/env bash
# vendor.sh re-creates vendor/ with `go mod vendor` (needs the module proxy)
# and then removes the files of golang.org/x/sys/unix that no linux or darwin
# build on amd64 or arm64 compiles, which leaves about 1 MB of the 7 MB
# package. Building then needs no network on those platforms; for another
# one, run `go mod vendor` alone.
#
# Usage: testdata/go/gops-agent/vendor.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
go mod vendor
unix=vendor/golang.org/x/sys/unix
keep=$(mktemp)
trap 'rm -f "$keep"' EXIT
for target in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64; do
	GOOS=${target%/*} GOARCH=${target#*/} go list -mod=vendor \
		-f '{{range .GoFiles}}{{.}}{{"\n"}}{{end}}{{range .SFiles}}{{.}}{{"\n"}}{{end}}{{range .CgoFiles}}{{.}}{{"\n"}}{{end}}' \
		golang.org/x/sys/unix
done | sort -u >"$keep"
for f in "$unix"/*; do
	grep -qxF "$(basename "$f")" "$keep" || rm -f "$f"
done
for target in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64; do
	GOOS=${target%/*} GOARCH=${target#*/} go vet -mod=vendor ./...
done
du -sh vendor
