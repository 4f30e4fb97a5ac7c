package main

import (
	"errors"
	"sync"
	"time"
)

type fulfilment struct {
	orderID string
	done    chan error // buffered: the worker never waits for the handler
}

// startFulfilment starts a fixed pool of packing workers and returns their
// queue. The workers live as long as the service.
func (s *service) startFulfilment(workers int) chan<- fulfilment {
	jobs := make(chan fulfilment, 64)
	for i := 0; i < workers; i++ {
		go s.fulfilmentWorker(jobs)
	}
	return jobs
}

func (s *service) fulfilmentWorker(jobs <-chan fulfilment) {
	for job := range jobs {
		job.done <- s.pack(job.orderID)
	}
}

func (s *service) pack(orderID string) error {
	time.Sleep(2 * time.Millisecond)
	if !s.orders.update(orderID, func(o *order) { o.Status = "packed" }) {
		return errors.New("unknown order " + orderID)
	}
	return nil
}

// priceList is a local copy of the price list, refreshed in the background
// and used when the pricing service is slow.
type priceList struct {
	mu     sync.RWMutex
	prices map[string]int
	loaded time.Time
}

func (p *priceList) lookup(sku string) (int, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	cents, ok := p.prices[sku]
	return cents, ok
}

func (p *priceList) reload() {
	fresh := map[string]int{"KB-101": 4999, "MS-202": 2499, "HD-303": 8999}
	p.mu.Lock()
	p.prices, p.loaded = fresh, time.Now()
	p.mu.Unlock()
}

// refreshPrices reloads the price list on every tick until quit is closed.
// It is started once, when the service starts.
func (s *service) refreshPrices(every time.Duration, quit <-chan struct{}) {
	s.prices.reload()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.prices.reload()
		case <-quit:
			return
		}
	}
}
