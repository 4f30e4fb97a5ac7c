package unclosed_body

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
)

type user struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type apiClient struct {
	base string
	http *http.Client
}

// Only the status is read; the body is never closed.
func fetchStatus(endpoint string) (int, error) {
	resp, err := http.Get(endpoint) // want GL501
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// The early return on a bad status skips the close further down.
func (c *apiClient) fetchUser(ctx context.Context, id string) (*user, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/users/"+id, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req) // want GL501
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch user %s: %s", id, resp.Status)
	}
	var u user
	err = json.NewDecoder(resp.Body).Decode(&u)
	resp.Body.Close()
	return &u, err
}

// `continue` skips the close at the end of the iteration.
func (c *apiClient) unhealthy(paths []string) []string {
	var down []string
	for _, p := range paths {
		resp, err := c.http.Get(c.base + p) // want GL501
		if err != nil {
			down = append(down, p)
			continue
		}
		if resp.StatusCode >= http.StatusInternalServerError {
			down = append(down, p)
			continue
		}
		resp.Body.Close()
	}
	return down
}

// The decoder stops after one JSON value: the body is neither read to its end nor closed.
func decodeInto(req *http.Request, v any) error {
	resp, err := http.DefaultClient.Do(req) // want GL501
	if err != nil {
		return err
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// Read to the end on success, but the status check returns before the read.
func download(client *http.Client, endpoint string) ([]byte, error) {
	resp, err := client.Get(endpoint) // want GL501
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download %s: %s", endpoint, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// The response is dropped: nothing can close its body.
func notify(endpoint string, payload []byte) error {
	_, err := http.Post(endpoint, "application/json", bytes.NewReader(payload)) // want GL501
	return err
}

// Closed only when the status is OK; the function then falls off its end.
func submit(client *http.Client, endpoint string, form url.Values) {
	resp, err := client.PostForm(endpoint, form) // want GL501
	if err != nil {
		log.Printf("submit: %v", err)
		return
	}
	if resp.StatusCode == http.StatusOK {
		resp.Body.Close()
	}
}
