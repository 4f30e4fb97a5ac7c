package main

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"time"
)

// carrierClient stands in for the shipping carrier's tracking API.
type carrierClient struct{ calls int64 }

func (c *carrierClient) status(orderID string) string {
	if atomic.AddInt64(&c.calls, 1)%5 == 0 {
		return "delivered"
	}
	return "in transit"
}

// handleTrack starts following an order's shipment: POST /shipments/track?order=.
func (s *service) handleTrack(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	id := r.URL.Query().Get("order")
	go s.pollCarrier(id)
	w.WriteHeader(http.StatusAccepted)
	fmt.Fprintf(w, "tracking %s\n", id)
}

// pollCarrier copies the carrier's status into the order. It keeps polling
// after delivery: nothing ends the loop.
func (s *service) pollCarrier(id string) {
	for {
		status := s.carrier.status(id)
		s.orders.update(id, func(o *order) { o.Shipment = status })
		time.Sleep(100 * time.Millisecond) // want leak: loop-without-exit likely
	}
}
