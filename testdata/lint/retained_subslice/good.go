package retained_subslice

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

type reader struct {
	buf     []byte
	rest    []byte
	id      []byte
	name    string
	values  [][]byte
	entries [][]byte
}

var bufPool = sync.Pool{New: func() any { return make([]byte, 4096) }}

var lastName string

var index = map[string][]byte{}

// Copies: nothing of the buffer is kept.
func (r *reader) copies(packet []byte, line string) {
	r.id = bytes.Clone(packet[4:20])
	r.name = string(packet[:4])
	index[line] = bytes.Clone(packet[:4])
	lastName = strings.Clone(line[:3])
	r.id = append(r.id[:0], packet[:4]...)
	lastName = strings.ToUpper(line[:2])
}

// A decoder keeps views of the caller's buffer in its fields on purpose: the caller owns the buffer.
func (r *reader) decode(src []byte, n int) {
	r.id = src[:n]
	r.values[0] = src[n : n+4]
	r.name = r.name[:0] + string(src[:1])
}

// The rest of the caller's input: a suffix keeps most of it in use.
func (r *reader) reset(data []byte, n int) {
	index["rest"] = data[n:]
}

// The whole buffer, or none of it, kept for reuse.
func (r *reader) reuse(b []byte, key string) {
	index[key] = b[:0]
	index[key] = b[:len(b)]
	index[key] = b[:]
}

// A small buffer: the piece and the buffer are about the same size.
func (r *reader) readID(src io.Reader) error {
	buf := make([]byte, 16)
	n, err := src.Read(buf)
	if err != nil {
		return err
	}
	r.id = buf[:n]
	return nil
}

// Re-assigned to a copy before it is cut.
func (r *reader) owned(b []byte) {
	b = bytes.Clone(b)
	index["owned"] = b[:4]
}

// Stored in a local, a value receiver's field, a local map, or sent: nothing here outlives the call.
func (r reader) local(src io.Reader, out chan<- []byte) (int, error) {
	b, err := io.ReadAll(src)
	if err != nil {
		return 0, err
	}
	head := b[:4]
	m := map[string][]byte{}
	m["head"] = b[:4]
	var tmp reader
	tmp.id = b[:4]
	r.id = b[:4]
	out <- b[:4]
	return len(head) + len(m) + len(tmp.id) + len(r.id), nil
}

// Cut from a field or a pooled buffer, whose origin the function does not show.
func (r *reader) fromField() {
	r.id = r.buf[:4]
	pooled := bufPool.Get().([]byte)
	r.id = pooled[:4]
}

// An arena: one buffer made for the entries, cut into all of them.
func (r *reader) unmarshal(data []byte) bool {
	entries := make([]byte, len(data))
	copy(entries, data)
	for len(entries) > 0 {
		n := int(entries[0])
		if len(entries) < n+1 {
			return false
		}
		r.entries = append(r.entries, entries[1:n+1])
		entries = entries[n+1:]
	}
	return true
}

// A named result is returned, not stored.
func pairs(n int) (result [][]int) {
	flat := make([]int, 2*n)
	result = make([][]int, n)
	for i := range result {
		result[i] = flat[2*i : 2*i+2]
	}
	return result
}

// A closure's own parameter of the same name is another variable.
func (r *reader) shadowed(b []byte) func([]byte) {
	index["shadowed"] = bytes.Clone(b[:4])
	return func(b []byte) {
		index["inner"] = b[:4]
	}
}
