//go:build go1.18

package main

// Queue is a generic type; its methods print as main.(*Queue[...]).Pop.
type Queue[T any] struct{ c chan T }

//go:noinline
func (q *Queue[T]) Pop() T { return <-q.c }

func popAll[T any](qs ...*Queue[T]) {
	for _, q := range qs {
		q.Pop()
	}
}

func startGeneric() {
	q := &Queue[string]{c: make(chan string)}
	keep = append(keep, q)
	go q.Pop()
	go popAll(&Queue[int]{c: make(chan int)})
}
