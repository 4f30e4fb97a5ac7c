package returned_subslice

import (
	"bytes"
	"fmt"
)

type parser struct {
	token []byte
	rest  []byte
}

// A tokeniser returns views on purpose; its callers only look at them.
func nextToken(b []byte) (token, rest []byte) {
	i := bytes.IndexByte(b, ' ')
	if i < 0 {
		return b, nil
	}
	return b[:i], b[i+1:]
}

func countTokens(b []byte) int {
	n := 0
	for len(b) > 0 {
		var token []byte
		token, b = nextToken(b)
		if len(token) > 0 {
			n++
		}
	}
	return n
}

// Trimming helpers return views; printing the result keeps nothing.
func trimQuotes(b []byte) []byte {
	if len(b) >= 2 && b[0] == '"' {
		return b[1 : len(b)-1]
	}
	return b
}

func printField(b []byte) {
	fmt.Println(string(trimQuotes(b)))
}

// Returns a copy: nothing of the caller's buffer is kept.
func header(b []byte) []byte {
	return bytes.Clone(b[:8])
}

func (p *parser) keepHeader(b []byte) {
	p.token = header(b)
}

// The rest of the input (a suffix), or all of it, or none of it.
func skip(b []byte, n int) []byte {
	if n == 0 {
		return b[:len(b)]
	}
	if n < 0 {
		return b[:0]
	}
	return b[n:]
}

func (p *parser) advance(b []byte) {
	p.rest = skip(b, 4)
}

// A decoder keeps the view in a field on purpose.
func name(b []byte) []byte {
	return b[2:10]
}

func (p *parser) decode(b []byte) {
	p.token = name(b)
}

// A func-typed field shares the method's name: its calls are not calls of the method.
type scanner struct {
	split func([]byte) []byte
	kept  map[string][]byte
}

func (s *scanner) scan(b []byte) {
	s.kept["token"] = s.split(b)
}

type splitter struct{}

func (splitter) split(b []byte) []byte {
	return b[:1]
}

// Stored, but the caller makes a copy of the view.
func body(b []byte) []byte {
	return b[4:12]
}

func (p *parser) keepBody(b []byte) {
	p.token = bytes.Clone(body(b))
}
