package large_array_copy

import "time"

type Page [4096]byte

type record struct {
	id   int64
	when time.Time
}

type ring struct {
	pages [8]Page
	log   [64]record
}

// Pointer receivers and pointer parameters copy nothing, and ranging over a pointer to an array does not copy it.
func (p *Page) Sum() (sum int) {
	for _, v := range p {
		sum += int(v)
	}
	return sum
}

func clearPage(p *[4096]byte) {
	for i := range p {
		p[i] = 0
	}
}

// Small arrays are cheap to copy.
func digest(sum [32]byte) string {
	var out []byte
	for _, v := range sum {
		out = append(out, "0123456789abcdef"[v>>4], "0123456789abcdef"[v&15])
	}
	return string(out)
}

// By index, by pointer, or by slice: no copy.
func (r *ring) used() (n int) {
	for i := range r.pages {
		n += r.pages[i].Sum()
	}
	for _, p := range &r.pages {
		n += len(p)
	}
	for _, p := range r.pages[:] {
		n += len(p)
	}
	return n
}

// Arrays of structs are not sized.
func (r *ring) last() int64 {
	var id int64
	for _, rec := range r.log {
		id = rec.id
	}
	return id
}

// Functions without bodies (interfaces, function types) copy nothing themselves.
type Hasher interface {
	Hash(block [4096]byte) uint64
}

type hashFunc func(block [4096]byte) uint64

// A slice, not an array.
func sumAll(pages []Page) (n int) {
	for _, p := range pages {
		n += len(p)
	}
	return n
}

var _ Hasher = nil
var _ hashFunc = nil

// A result is not passed in, and a parameter written to is the function's own copy.
func fresh(seed [4096]byte) (page Page, err error) {
	seed[0] = 1
	copy(page[:], seed[:])
	return page, nil
}

// A function that writes to its copy needs it.
func normalised(p Page) Page {
	for i := range p {
		p[i] &= 0x7f
	}
	return p
}

// A loop that writes to the array reads the values from before its writes.
func shift() [128]int64 {
	var window [128]int64
	for i, v := range window {
		if i > 0 {
			window[i-1] = v
		}
	}
	return window
}
