package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
)

type inventory struct {
	mu    sync.RWMutex
	stock map[string]int
}

func newInventory(stock map[string]int) *inventory {
	return &inventory{stock: stock}
}

func (inv *inventory) level(sku string) int {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	return inv.stock[sku]
}

func (inv *inventory) set(sku string, qty int) {
	inv.mu.Lock()
	inv.stock[sku] = qty
	inv.mu.Unlock()
}

type stockItem struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

// handleInventory lists stock levels: GET /inventory.
func (s *service) handleInventory(w http.ResponseWriter, r *http.Request) {
	s.inv.mu.RLock()
	items := make([]stockItem, 0, len(s.inv.stock))
	for sku, qty := range s.inv.stock {
		items = append(items, stockItem{sku, qty})
	}
	s.inv.mu.RUnlock()
	sort.Slice(items, func(i, j int) bool { return items[i].SKU < items[j].SKU })
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(items)
}

// handleAdjust changes a stock level by delta: POST /inventory/adjust?sku=&delta=.
// Adjustments are serialised so that a level is never read and written by
// two requests at once.
func (s *service) handleAdjust(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	sku := r.URL.Query().Get("sku")
	delta, err := strconv.Atoi(r.URL.Query().Get("delta"))
	if err != nil {
		http.Error(w, "bad delta", http.StatusBadRequest)
		return
	}
	s.adjustMu.Lock() // want leak: lock-never-released likely
	level := s.inv.level(sku) + delta
	if level < 0 {
		http.Error(w, "not enough stock", http.StatusConflict)
		return
	}
	s.inv.set(sku, level)
	s.adjustMu.Unlock()
	fmt.Fprintf(w, "%s: %d\n", sku, level)
}

type stockRow struct {
	sku string
	qty int
}

// handleImport sets stock levels from "SKU QTY" lines in the request body:
// POST /inventory/import.
func (s *service) handleImport(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	rows := make(chan stockRow)
	go s.applyRows(rows)

	n := 0
	sc := bufio.NewScanner(r.Body)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			continue
		}
		qty, err := strconv.Atoi(fields[1])
		if err != nil {
			continue
		}
		rows <- stockRow{fields[0], qty}
		n++
	}
	fmt.Fprintf(w, "imported %d rows\n", n)
}

func (s *service) applyRows(rows <-chan stockRow) {
	for row := range rows { // want leak: range-never-closed likely
		s.inv.set(row.sku, row.qty)
	}
}
