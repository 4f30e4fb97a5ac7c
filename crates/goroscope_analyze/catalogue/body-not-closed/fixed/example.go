package fixed

import (
	"io"
	"net/http"
)

func status(client *http.Client, url string) (int, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()               // fixed: closed on every path
	_, _ = io.Copy(io.Discard, resp.Body) // and drained, so the connection can be reused
	return resp.StatusCode, nil
}
