package fixed

func handleAll(items []int, handle func(int)) {
	jobs := make(chan int)
	go func() {
		for j := range jobs {
			handle(j)
		}
	}()
	defer close(jobs) // fixed: the last sender closes the channel, which ends the range
	for _, item := range items {
		jobs <- item
	}
}
