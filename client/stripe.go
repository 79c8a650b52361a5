package client

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// fetchStripe returns the sealed bytes of stripe i: any K of its shards,
// data shards first so that nothing needs decoding when they are all there.
// A shard that fails (gone, corrupt) is replaced by the next unused one; a
// last shard slower than three times the others' median is raced by a
// spare one.
//
// The data shards land in buf (at least K shard sizes; nil allocates), so
// when they all arrive the result is a prefix of buf, copied nowhere.
func (f *File) fetchStripe(ctx context.Context, i int, buf []byte) ([]byte, error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	// Stragglers write into buf: they must be gone before it is reused.
	defer wg.Wait()
	defer cancel()
	st := f.layout.Stripe(i)
	k, n := f.m.K, f.m.K+f.m.M
	ss := st.ShardSize
	if int64(cap(buf)) < int64(k)*ss {
		buf = make([]byte, int64(k)*ss)
	}
	buf = buf[:int64(k)*ss]
	type result struct {
		j    int
		dst  []byte
		err  error
		took time.Duration
	}
	results := make(chan result, n)
	next, pending := 0, 0
	launch := func() bool {
		if next >= n {
			return false
		}
		j := next
		next++
		pending++
		var dst []byte
		if j < k {
			dst = buf[int64(j)*ss : int64(j+1)*ss]
		} else {
			dst = make([]byte, ss)
		}
		s := f.m.Stripes[i].Shards[j]
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			_, err := f.c.fetchChunk(ctx, s.ID, s.Holders, dst)
			results <- result{j, dst, err, time.Since(t0)}
		}()
		return true
	}
	for range k {
		launch()
	}
	shards := make([][]byte, n)
	var (
		got     int
		took    []time.Duration
		hedge   <-chan time.Time
		lastErr error
	)
	for got < k {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-hedge:
			launch()
		case r := <-results:
			pending--
			if r.err != nil {
				lastErr = r.err
				if !launch() && pending == 0 {
					return nil, fmt.Errorf("stripe %d: %w: %d of %d needed (last error: %v)", i, ErrUnavailable, got, k, lastErr)
				}
				continue
			}
			shards[r.j] = r.dst
			got++
			took = append(took, r.took)
			if got == k-1 && hedge == nil {
				hedge = time.After(3 * median(took))
			}
		}
	}
	cancel() // the stragglers' shards are not needed
	for j := range k {
		if shards[j] == nil {
			return f.reconstruct(i, shards)
		}
	}
	return buf[:st.Len], nil
}

func (f *File) reconstruct(i int, shards [][]byte) ([]byte, error) {
	data, err := f.coder.Reconstruct(i, shards)
	if err != nil {
		return nil, fmt.Errorf("stripe %d: %w", i, err)
	}
	return data, nil
}
