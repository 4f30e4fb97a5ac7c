// Package fixed holds the example of off-heap-growth. example.go uses cgo, so
// the go command leaves it out when cgo is off (CGO_ENABLED=0 or no C
// compiler); this file keeps the package buildable, and go vet ./... of the
// catalogue working, everywhere.
package fixed
