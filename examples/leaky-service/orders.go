package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

const quoteTimeout = 20 * time.Millisecond

type order struct {
	ID       string `json:"id"`
	SKU      string `json:"sku"`
	Qty      int    `json:"qty"`
	Status   string `json:"status"`
	Shipment string `json:"shipment,omitempty"`
}

type orderBook struct {
	mu     sync.Mutex
	next   int
	orders map[string]*order
}

func newOrderBook() *orderBook {
	return &orderBook{orders: make(map[string]*order)}
}

func (b *orderBook) add(sku string, qty int) *order {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.next++
	o := &order{ID: "ord-" + strconv.Itoa(b.next), SKU: sku, Qty: qty, Status: "reserved"}
	b.orders[o.ID] = o
	return o
}

func (b *orderBook) update(id string, fn func(o *order)) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	o, ok := b.orders[id]
	if ok {
		fn(o)
	}
	return ok
}

func (b *orderBook) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.orders)
}

type orderEvent struct {
	OrderID string
	Kind    string
}

// pricingClient stands in for a remote pricing service that answers slowly.
type pricingClient struct{ latency time.Duration }

func (p *pricingClient) quote(sku string) int {
	time.Sleep(p.latency)
	return 999 + 100*len(sku)
}

// handleQuote asks the pricing service for a price, giving it quoteTimeout:
// GET /quote?sku=.
func (s *service) handleQuote(w http.ResponseWriter, r *http.Request) {
	sku := r.URL.Query().Get("sku")
	result := make(chan int)
	go func() {
		result <- s.pricing.quote(sku) // want leak: send-no-receiver likely
	}()
	select {
	case cents := <-result:
		fmt.Fprintf(w, "%s: %d cents\n", sku, cents)
	case <-time.After(quoteTimeout):
		if cents, ok := s.prices.lookup(sku); ok {
			fmt.Fprintf(w, "%s: %d cents (cached)\n", sku, cents)
			return
		}
		http.Error(w, "pricing timed out", http.StatusGatewayTimeout)
	}
}

// handleCreateOrder reserves stock and hands the order to the fulfilment
// workers: POST /orders?sku=&qty=.
func (s *service) handleCreateOrder(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	qty, err := strconv.Atoi(r.URL.Query().Get("qty"))
	if err != nil || qty <= 0 {
		http.Error(w, "bad qty", http.StatusBadRequest)
		return
	}
	o := s.orders.add(r.URL.Query().Get("sku"), qty)
	job := fulfilment{orderID: o.ID, done: make(chan error, 1)}
	select {
	case s.fulfil <- job:
	case <-r.Context().Done():
		return
	}
	if err := <-job.done; err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	go s.expireReservation(context.Background(), o.ID)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(o)
}

// expireReservation releases an unpaid reservation after a day, or when ctx
// is cancelled.
func (s *service) expireReservation(ctx context.Context, id string) {
	select { // want leak: select-never-fires likely
	case <-ctx.Done():
	case <-time.After(24 * time.Hour):
	}
	s.orders.update(id, func(o *order) {
		if o.Status == "reserved" {
			o.Status = "expired"
		}
	})
}

// handleCancel cancels an order and tells the notifier: POST /orders/cancel?id=.
func (s *service) handleCancel(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	id := r.URL.Query().Get("id")
	if !s.orders.update(id, func(o *order) { o.Status = "cancelled" }) {
		http.NotFound(w, r)
		return
	}
	go s.publish(orderEvent{OrderID: id, Kind: "cancelled"})
	fmt.Fprintf(w, "cancelled %s\n", id)
}

// publish hands an event to the notifier. s.events is created only when a
// notifier is configured, and this deployment has none.
func (s *service) publish(ev orderEvent) {
	s.events <- ev // want leak: nil-channel certain
}

type summary struct {
	Orders  int `json:"orders"`
	Stock   int `json:"stock"`
	Returns int `json:"returns"`
}

type atomicSummary struct{ v atomic.Value }

func (a *atomicSummary) load() summary {
	s, _ := a.v.Load().(summary)
	return s
}

// handleSummary serves the last dashboard summary and rebuilds it in the
// background: GET /orders/summary.
func (s *service) handleSummary(w http.ResponseWriter, r *http.Request) {
	go s.rebuildSummary()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.summary.load())
}

func (s *service) rebuildSummary() {
	sources := []func() (int, error){s.countOrders, s.countStock, countReturns}
	totals := make([]int, len(sources))
	var wg sync.WaitGroup
	wg.Add(len(sources))
	for i, src := range sources {
		go func(i int, src func() (int, error)) {
			n, err := src()
			if err != nil {
				return
			}
			totals[i] = n
			wg.Done()
		}(i, src)
	}
	wg.Wait() // want leak: waitgroup-mismatch likely
	s.summary.v.Store(summary{Orders: totals[0], Stock: totals[1], Returns: totals[2]})
}

func (s *service) countOrders() (int, error) { return s.orders.count(), nil }

func (s *service) countStock() (int, error) {
	s.inv.mu.RLock()
	defer s.inv.mu.RUnlock()
	total := 0
	for _, qty := range s.inv.stock {
		total += qty
	}
	return total, nil
}

// countReturns would ask the returns service, which is down.
func countReturns() (int, error) {
	return 0, errors.New("returns service unavailable")
}
