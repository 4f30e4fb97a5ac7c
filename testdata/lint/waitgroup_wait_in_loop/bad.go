package waitgroup_wait_in_loop

import (
	"context"
	"log"
	"sync"
)

type Image struct {
	Path   string
	Width  int
	Height int
}

func (img *Image) Resize(width int) {
	img.Height = img.Height * width / max(img.Width, 1)
	img.Width = width
}

// The counter is set for every image before the loop, and the loop waits after starting the first goroutine:
// Wait blocks forever when there is more than one image.
func ResizeAll(images []*Image, width int) {
	var wg sync.WaitGroup
	wg.Add(len(images))
	for _, img := range images {
		go func() {
			defer wg.Done()
			img.Resize(width)
		}()
		wg.Wait() // want GL203
	}
}

type Shard struct {
	ID   int
	Rows []string
}

func flush(ctx context.Context, shard Shard) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	log.Printf("flushed shard %d (%d rows)", shard.ID, len(shard.Rows))
	return nil
}

// A worker function handed the WaitGroup; the Wait sits in the loop that starts the workers.
func flushWorker(ctx context.Context, shard Shard, wg *sync.WaitGroup, errs chan<- error) {
	defer wg.Done()
	if err := flush(ctx, shard); err != nil {
		errs <- err
	}
}

func FlushShards(ctx context.Context, shards []Shard) []error {
	errs := make(chan error, len(shards))
	wg := new(sync.WaitGroup)
	wg.Add(1)
	for _, shard := range shards {
		go flushWorker(ctx, shard, wg, errs)
		wg.Wait() // want GL203
	}
	close(errs)
	var failed []error
	for err := range errs {
		failed = append(failed, err)
	}
	return failed
}

type Region struct {
	Name     string
	Endpoint string
}

// The WaitGroup goes to the goroutine as a parameter; the counter covers every region before the loop.
func ProbeRegions(ctx context.Context, regions []Region, probe func(context.Context, Region) error) map[string]error {
	var mu sync.Mutex
	results := make(map[string]error, len(regions))
	var wg sync.WaitGroup
	wg.Add(len(regions))
	for i := range regions {
		if regions[i].Endpoint == "" {
			continue
		}
		go func(region Region, wg *sync.WaitGroup) {
			defer wg.Done()
			err := probe(ctx, region)
			mu.Lock()
			results[region.Name] = err
			mu.Unlock()
		}(regions[i], &wg)
		wg.Wait() // want GL203
	}
	return results
}
