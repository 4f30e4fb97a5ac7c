package retained_subslice

import (
	"io"
	"os"
	"strings"
)

type Session struct {
	header []byte
	first  []byte
	scores []int
	fields []field
}

type field struct {
	name  string
	value []byte
}

var lastHost string

var frames = map[string][]byte{}

var wordCounts = map[string]int{}

// A piece of the caller's packet kept in a package-level map.
func remember(packet []byte) {
	frames[string(packet[:16])] = packet[16:48] // want GL601
}

// A substring of a long line kept in a package-level variable.
func rememberHost(line string) {
	if i := strings.IndexByte(line, ' '); i > 0 {
		lastHost = line[:i] // want GL601
	}
}

// The first word of a line kept as a map key.
func countWord(line string) {
	if i := strings.IndexByte(line, ' '); i > 0 {
		wordCounts[line[:i]] = 1 // want GL601
	}
}

// A piece of a 64 KiB read buffer kept in a package-level map.
func readFrame(r io.Reader, key string) error {
	buf := make([]byte, 64<<10)
	n, err := r.Read(buf)
	if err != nil {
		return err
	}
	frames[key] = buf[:n] // want GL601
	return nil
}

// The first line of a whole file kept in a field keeps the whole file.
func (s *Session) loadFirstLine(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if end := strings.IndexByte(string(data), '\n'); end >= 0 {
		s.first = data[:end] // want GL601
	}
	return nil
}

// A piece of a read buffer in a composite literal appended to a field.
func (s *Session) addField(r io.Reader, name string) error {
	buf := make([]byte, 4096)
	n, err := r.Read(buf)
	if err != nil {
		return err
	}
	s.fields = append(s.fields, field{
		name:  name,
		value: buf[:n], // want GL601
	})
	return nil
}

// A field of a pointer parameter.
func fill(dst *Session, body io.Reader) error {
	all, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	dst.header = all[:16] // want GL601
	return nil
}

// A slice of another element type: the fix copies with append.
func (s *Session) topScores(n int) {
	scores := make([]int, n)
	for i := range scores {
		scores[i] = i * i
	}
	s.scores = scores[n-3:] // want GL601
}
