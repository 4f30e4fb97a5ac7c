package client_per_call

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"time"

	"google.golang.org/grpc"
)

// Made once, shared by every request.
var shared = &http.Client{Transport: &http.Transport{MaxIdleConns: 100}}

func backendStatus(w http.ResponseWriter, r *http.Request) {
	resp, err := shared.Get("http://backend/status")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	fmt.Fprintln(w, resp.Status)
}

// Closed when the handler returns.
func withClose(w http.ResponseWriter, r *http.Request) {
	conn, err := grpc.Dial("backend:443")
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintln(w, conn.Target())
}

// Idle connections closed at the end of each iteration.
func fetchEach(urls []string) {
	for _, u := range urls {
		tr := &http.Transport{}
		client := &http.Client{Transport: tr, Timeout: time.Second}
		if resp, err := client.Get(u); err == nil {
			resp.Body.Close()
		}
		tr.CloseIdleConnections()
	}
}

// No idle connections are kept.
func noKeepAlive(urls []string) {
	for _, u := range urls {
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		if resp, err := client.Get(u); err == nil {
			resp.Body.Close()
		}
	}
}

// A client on the shared default transport keeps no pool of its own.
func withTimeout(w http.ResponseWriter, r *http.Request) {
	client := &http.Client{Timeout: 5 * time.Second}
	if resp, err := client.Get("http://backend/ping"); err == nil {
		resp.Body.Close()
	}
}

// Handed on: the caller, or the struct, owns it now.
type pool struct{ conns []net.Conn }

func (p *pool) grow(addrs []string) error {
	for _, addr := range addrs {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			return err
		}
		p.conns = append(p.conns, conn)
	}
	return nil
}

func connect(ctx context.Context, target string) (*grpc.ClientConn, error) {
	for {
		conn, err := grpc.DialContext(ctx, target)
		if err == nil {
			return conn, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// Made once per process, in main-like start-up code, not per call.
func openDB(dsn string) (*sql.DB, error) {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return nil, err
	}
	return db, db.Ping()
}

// Closed in a deferred closure.
func deferredClose(w http.ResponseWriter, r *http.Request) {
	db, err := sql.Open("postgres", "dbname=app")
	if err != nil {
		return
	}
	defer func() {
		if err := db.Close(); err != nil {
			fmt.Println(err)
		}
	}()
	fmt.Fprintln(w, db.Stats().OpenConnections)
}

// Wrapped in a struct whose methods may close it: handed on.
type session struct{ conn net.Conn }

func (s session) run() { s.conn.Close() }

func serveAll(addrs []string) {
	for _, addr := range addrs {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			continue
		}
		s := session{conn: conn}
		s.run()
	}
}
