package fixed

import (
	"bytes"
	"errors"
	"io"
	"sync"
)

var (
	mu   sync.Mutex
	seen = map[string][]byte{} // upload id -> its first 16 bytes
)

func remember(upload io.Reader) error {
	body, err := io.ReadAll(upload) // a large body, for example 1 MiB
	if err != nil {
		return err
	}
	if len(body) < 16 {
		return errors.New("upload too short")
	}
	mu.Lock()
	defer mu.Unlock()
	seen[string(body[:16])] = bytes.Clone(body[:16]) // fixed: a copy; body can be collected
	return nil
}
