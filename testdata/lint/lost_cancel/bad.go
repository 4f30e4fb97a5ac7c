package lost_cancel

import (
	"context"
	"io"
	"net/http"
	"time"
)

type pinger interface {
	Ping(ctx context.Context) error
}

// Client talks to a backend with a per-call timeout.
type Client struct {
	conn    pinger
	http    *http.Client
	base    string
	timeout time.Duration
}

// The cancel function is thrown away: the timer and the child context live until the parent ends.
func (c *Client) Ping(parent context.Context) error {
	ctx, _ := context.WithTimeout(parent, c.timeout) // want GL301
	return c.conn.Ping(ctx)
}

// The response body may be read by the caller after Fetch returns, so deferring cancel here is not safe.
func (c *Client) Fetch(parent context.Context, path string) ([]byte, error) {
	ctx, _ := context.WithTimeout(parent, c.timeout) // want GL301
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// The derived context is returned: nobody can cancel it but its deadline.
func withDeadline(parent context.Context, at time.Time) context.Context {
	ctx, _ := context.WithDeadline(parent, at) // want GL301
	return ctx
}

// Worker runs until its context is cancelled, but nothing ever calls the cancel function it keeps.
type Worker struct {
	stopJobs context.CancelFunc
	jobs     chan func(context.Context)
}

func (w *Worker) Start(parent context.Context) {
	ctx, cancel := context.WithCancel(parent) // want GL301
	w.stopJobs = cancel
	go func() {
		for {
			select {
			case job := <-w.jobs:
				job(ctx)
			case <-ctx.Done():
				return
			}
		}
	}()
}

// session keeps its cancel function in a field set by a composite literal; nothing reads it either.
type session struct {
	ctx    context.Context
	stop   context.CancelCauseFunc
	userID string
}

func newSession(parent context.Context, userID string) *session {
	ctx, cancel := context.WithCancelCause(parent) // want GL301
	return &session{ctx: ctx, stop: cancel, userID: userID}
}

// Stored straight into a field that is never read.
type poller struct {
	ctx      context.Context
	stopPoll context.CancelFunc
}

func (p *poller) init(parent context.Context) {
	p.ctx, p.stopPoll = context.WithCancel(parent) // want GL301
}

// The name `cancel` is taken, so the fix cannot name the discarded one.
func (c *Client) PingTwice(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	probe, _ := context.WithTimeout(parent, c.timeout) // want GL301
	if err := c.conn.Ping(probe); err != nil {
		return err
	}
	return c.conn.Ping(ctx)
}
