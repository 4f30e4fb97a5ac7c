// Package grpc declares the part of google.golang.org/grpc's API that the client-per-call fixtures call.
package grpc

import "context"

// ClientConn is a client connection.
type ClientConn struct{ target string }

// DialOption configures a dial.
type DialOption interface{}

// Dial makes a connection.
func Dial(target string, opts ...DialOption) (*ClientConn, error) { return &ClientConn{target: target}, nil }

// DialContext makes a connection.
func DialContext(ctx context.Context, target string, opts ...DialOption) (*ClientConn, error) {
	return Dial(target, opts...)
}

// NewClient makes a connection.
func NewClient(target string, opts ...DialOption) (*ClientConn, error) { return Dial(target, opts...) }

// Close closes the connection.
func (c *ClientConn) Close() error { return nil }

// Target is the dialed address.
func (c *ClientConn) Target() string { return c.target }
