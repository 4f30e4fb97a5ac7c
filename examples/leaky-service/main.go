// Command leaky-service is a small orders and inventory API that leaks
// goroutines on purpose, in the classic ways, next to healthy parts that
// leave many goroutines parked by design. See README.md for the endpoints.
//
// With -drive N -dump FILE it drives every endpoint itself, writes its own
// goroutine dump (debug=2) to FILE and exits.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"sync"
	"time"
)

type service struct {
	inv      *inventory
	orders   *orderBook
	pricing  *pricingClient
	carrier  *carrierClient
	prices   *priceList
	fulfil   chan<- fulfilment
	events   chan orderEvent // created by the notifier, when one is configured
	adjustMu sync.Mutex      // serialises stock adjustments
	summary  atomicSummary
}

func newService() *service {
	s := &service{
		inv:     newInventory(map[string]int{"KB-101": 40, "MS-202": 25, "HD-303": 10, "CB-404": 120}),
		orders:  newOrderBook(),
		pricing: &pricingClient{latency: 60 * time.Millisecond},
		carrier: &carrierClient{},
		prices:  &priceList{},
	}
	s.fulfil = s.startFulfilment(8)
	go s.refreshPrices(250*time.Millisecond, make(chan struct{}))
	return s
}

func (s *service) routes(mux *http.ServeMux) {
	mux.HandleFunc("/inventory", s.handleInventory)
	mux.HandleFunc("/inventory/adjust", s.handleAdjust)
	mux.HandleFunc("/inventory/import", s.handleImport)
	mux.HandleFunc("/quote", s.handleQuote)
	mux.HandleFunc("/orders", s.handleCreateOrder)
	mux.HandleFunc("/orders/cancel", s.handleCancel)
	mux.HandleFunc("/orders/summary", s.handleSummary)
	mux.HandleFunc("/shipments/track", s.handleTrack)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen `address`")
	drive := flag.Int("drive", 0, "drive every endpoint for `N` rounds, write a goroutine dump and exit")
	dump := flag.String("dump", "", "`FILE` to write the goroutine dump to (with -drive)")
	flag.Parse()
	if *drive > 0 && *dump == "" {
		fmt.Fprintln(os.Stderr, "leaky-service: -drive needs -dump FILE")
		os.Exit(2)
	}

	newService().routes(http.DefaultServeMux)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("pprof http://%s\n", ln.Addr())

	if *drive == 0 {
		log.Fatal(http.Serve(ln, nil))
	}
	go func() { log.Fatal(http.Serve(ln, nil)) }()
	if err := driveAndDump("http://"+ln.Addr().String(), *drive, *dump); err != nil {
		log.Fatal(err)
	}
}
