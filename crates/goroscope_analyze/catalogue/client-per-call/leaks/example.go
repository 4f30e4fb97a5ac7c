package leaks

import (
	"io"
	"net/http"
)

func fetch(url string) ([]byte, error) {
	// leaks: a new pool of idle connections per call
	client := &http.Client{Transport: &http.Transport{}}
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
