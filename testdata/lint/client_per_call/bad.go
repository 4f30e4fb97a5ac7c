package client_per_call

import (
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"

	"google.golang.org/grpc"
)

// A transport, and its pool of idle connections, per URL.
func fetchAll(urls []string) error {
	for _, u := range urls {
		client := &http.Client{Transport: &http.Transport{MaxIdleConns: 10}} // want GL605
		resp, err := client.Get(u)
		if err != nil {
			return err
		}
		resp.Body.Close()
	}
	return nil
}

// A transport per URL that is used once, without a name.
func headAll(urls []string) {
	for _, u := range urls {
		if resp, err := (&http.Client{Transport: &http.Transport{}}).Head(u); err == nil { // want GL605
			resp.Body.Close()
		}
	}
}

// A transport per request, through a local.
func proxy(w http.ResponseWriter, r *http.Request) {
	transport := &http.Transport{} // want GL605
	client := &http.Client{Transport: transport}
	resp, err := client.Get("http://backend" + r.URL.Path)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	io.Copy(w, resp.Body)
}

// A gRPC connection per request, wrapped in a generated-style client.
func status(w http.ResponseWriter, r *http.Request) {
	conn, err := grpc.Dial("backend:443") // want GL605
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	client := NewStatusClient(conn)
	fmt.Fprintln(w, client.Status())
}

// A database pool per request.
func count(w http.ResponseWriter, r *http.Request) {
	db, err := sql.Open("postgres", "dbname=app") // want GL605
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM users").Scan(&n); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	fmt.Fprintln(w, n)
}

// A connection per address, never closed.
func ping(addrs []string) {
	for _, addr := range addrs {
		conn, err := net.Dial("tcp", addr) // want GL605
		if err != nil {
			continue
		}
		fmt.Fprintf(conn, "PING\r\n")
	}
}

// A connection per request whose only use is reading its target.
func announce(w http.ResponseWriter, r *http.Request) {
	c, err := grpc.NewClient("registry:443") // want GL605
	if err != nil {
		return
	}
	fmt.Fprintln(w, c.Target())
}

// StatusClient stands for a generated gRPC client.
type StatusClient struct{ conn *grpc.ClientConn }

// NewStatusClient wraps a connection, like generated code does.
func NewStatusClient(conn *grpc.ClientConn) *StatusClient { return &StatusClient{conn: conn} }

// Status asks the backend.
func (c *StatusClient) Status() string { return c.conn.Target() }
