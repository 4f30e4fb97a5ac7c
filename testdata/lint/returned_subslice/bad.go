package returned_subslice

import "io"

type Session struct {
	seen map[string][]byte
}

var lastSeen = map[string][]byte{}

var lastHeader []byte

// The message id is a view of the caller's packet, and handle keeps it in a package-level map.
func messageID(packet []byte) []byte {
	if len(packet) < 20 {
		return nil
	}
	return packet[4:20] // want GL602
}

func handle(peer string, packet []byte) {
	lastSeen[peer] = messageID(packet)
}

// The header is returned with the rest; keep keeps the header, through a local, in a package-level variable.
func splitHeader(b []byte) (header, body []byte) {
	return b[:8], b[8:] // want GL602
}

func keep(b []byte) {
	h, _ := splitHeader(b)
	lastHeader = h
}

// A method whose result a caller keeps in a map field.
func (s *Session) trailer(frame []byte, n int) []byte {
	return frame[len(frame)-n : len(frame)] // want GL602
}

func (s *Session) read(r io.Reader) error {
	frame := make([]byte, 1<<16)
	n, err := r.Read(frame)
	if err != nil {
		return err
	}
	lastHeader = append(lastHeader, s.trailer(frame[:n], 4)...)
	s.seen["trailer"] = s.trailer(frame[:n], 4)
	return nil
}
