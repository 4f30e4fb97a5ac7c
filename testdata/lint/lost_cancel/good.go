package lost_cancel

import (
	"context"
	"time"
)

// The cancel function is deferred.
func (c *Client) PingOnce(parent context.Context) error {
	ctx, cancel := context.WithTimeout(parent, c.timeout)
	defer cancel()
	return c.conn.Ping(ctx)
}

// Stored in a field that Stop calls.
type Server struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func (s *Server) Start(parent context.Context) {
	ctx, cancel := context.WithCancel(parent)
	s.cancel = cancel
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		<-ctx.Done()
	}()
}

func (s *Server) Stop() {
	s.cancel()
	<-s.done
}

// An exported field may be called by another package.
type Job struct {
	Ctx    context.Context
	Cancel context.CancelFunc
}

func NewJob(parent context.Context, d time.Duration) Job {
	ctx, cancel := context.WithTimeout(parent, d)
	return Job{Ctx: ctx, Cancel: cancel}
}

// Stored, and also called on the error path: the variable is used, which is vet's business.
type Stream struct {
	closeFn context.CancelFunc
}

func (s *Stream) Close() { s.closeFn() }

func (s *Stream) Open(parent context.Context, dial func(context.Context) error) error {
	ctx, cancel := context.WithCancel(parent)
	if err := dial(ctx); err != nil {
		cancel()
		return err
	}
	s.closeFn = cancel
	return nil
}

// A field read through a method value counts as read.
type ticker struct {
	halt context.CancelFunc
}

func (t *ticker) stopper() func() { return t.halt }

func (t *ticker) start(parent context.Context) context.Context {
	ctx, halt := context.WithCancel(parent)
	t.halt = halt
	return ctx
}

// The parent is derived here and cancelled when the function returns, which releases the child too.
func (c *Client) probeUnder(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	probe, _ := context.WithTimeout(ctx, c.timeout)
	return c.conn.Ping(probe)
}
