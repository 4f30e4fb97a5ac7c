package leaks

import "net/http"

func status(client *http.Client, url string) (int, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, err
	}
	// leaks: the body is never closed, pinning the connection's goroutines
	return resp.StatusCode, nil
}
