package leaks

func handleAll(items []int, handle func(int)) {
	jobs := make(chan int)
	go func() {
		for j := range jobs { // leaks: jobs is never closed, so this loop never ends
			handle(j)
		}
	}()
	for _, item := range items {
		jobs <- item
	}
}
