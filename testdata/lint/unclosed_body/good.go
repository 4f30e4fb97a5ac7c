package unclosed_body

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Deferred right after the error check.
func fetchStatusClosed(endpoint string) (int, error) {
	resp, err := http.Get(endpoint)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}

// Closed before every return.
func (c *apiClient) fetchUserClosed(ctx context.Context, id string) (*user, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/users/"+id, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("fetch user %s: %s", id, resp.Status)
	}
	var u user
	err = json.NewDecoder(resp.Body).Decode(&u)
	resp.Body.Close()
	return &u, err
}

// Closed in both branches, then returns.
func (c *apiClient) exists(path string) (bool, error) {
	resp, err := c.http.Head(c.base + path)
	if err != nil {
		return false, err
	}
	found := resp.StatusCode == http.StatusOK
	if found {
		resp.Body.Close()
	} else {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return found, nil
}

// Every case closes.
func (c *apiClient) classify(path string) (string, error) {
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		return "", err
	}
	switch {
	case resp.StatusCode < 300:
		resp.Body.Close()
	case resp.StatusCode < 500:
		resp.Body.Close()
		return "client error", nil
	default:
		resp.Body.Close()
		return "server error", nil
	}
	return "ok", nil
}

// The close's error is checked in an if header before returning.
func (c *apiClient) put(req *http.Request) error {
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	if cerr := resp.Body.Close(); cerr != nil {
		return cerr
	}
	return err
}

// Drained and closed by a deferred closure.
func (c *apiClient) touch(path string) error {
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		return err
	}
	defer func() {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusNoContent {
		return errors.New(resp.Status)
	}
	return nil
}

// Closed at the end of each iteration, and before each continue.
func (c *apiClient) healthy(paths []string) []string {
	var up []string
	for _, p := range paths {
		resp, err := c.http.Get(c.base + p)
		if err != nil {
			continue
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			continue
		}
		up = append(up, p)
		resp.Body.Close()
	}
	return up
}

// Returned: the caller closes it.
func (c *apiClient) open(path string) (*http.Response, error) {
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, errors.New(resp.Status)
	}
	return resp, nil
}

// Handed to a helper that may close it.
func (c *apiClient) fetchChecked(path string, v any) error {
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		return err
	}
	return decodeAndClose(resp, v)
}

func decodeAndClose(resp *http.Response, v any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

// The body is handed to a helper.
func (c *apiClient) fetchBody(path string, v any) error {
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		return err
	}
	return decodeBody(resp.Body, v)
}

func decodeBody(body io.ReadCloser, v any) error {
	defer body.Close()
	return json.NewDecoder(body).Decode(v)
}

// Closed by a goroutine that streams it.
func (c *apiClient) stream(path string, out io.Writer, done chan<- error) error {
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		return err
	}
	go func() {
		defer resp.Body.Close()
		_, err := io.Copy(out, resp.Body)
		done <- err
	}()
	return nil
}

// Not an http.Client: an interface the rule cannot see through.
type doer interface {
	Do(req *http.Request) (*http.Response, error)
}

func send(d doer, req *http.Request) (int, error) {
	resp, err := d.Do(req)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// A cache whose Get has the same shape.
type cache struct {
	entries map[string][]byte
}

func (c *cache) Get(key string) ([]byte, error) {
	v, ok := c.entries[key]
	if !ok {
		return nil, errors.New("miss")
	}
	return v, nil
}

func lookup(c *cache, key string) int {
	v, err := c.Get(key)
	if err != nil {
		return 0
	}
	return len(v)
}

// Read to its end: the transport hands the connection back.
func downloadAll(endpoint string) ([]byte, error) {
	resp, err := http.Get(endpoint)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(resp.Body)
}

// Closed in the success branch of the error check.
func (c *apiClient) ping(path string) bool {
	resp, err := c.http.Get(c.base + path)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	} else {
		return false
	}
	return true
}

// Closed when there is a response; none after an error.
func (c *apiClient) probe(req *http.Request) error {
	resp, err := c.http.Do(req)
	if resp != nil {
		resp.Body.Close()
	}
	return err
}
