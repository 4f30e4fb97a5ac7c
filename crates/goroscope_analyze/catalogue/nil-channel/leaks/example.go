package leaks

type squarer struct {
	results chan int
}

func newSquarer() *squarer {
	return &squarer{} // leaks: results is never made, so it stays nil
}

func (s *squarer) start(n int) {
	go func() { s.results <- n * n }() // a send on a nil channel blocks for ever
}
