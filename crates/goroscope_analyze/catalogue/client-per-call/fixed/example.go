package fixed

import (
	"io"
	"net/http"
	"time"
)

// fixed: one client and Transport for the program; idle connections close after a while
var client = &http.Client{
	Timeout:   30 * time.Second,
	Transport: &http.Transport{IdleConnTimeout: 90 * time.Second},
}

func fetch(url string) ([]byte, error) {
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
