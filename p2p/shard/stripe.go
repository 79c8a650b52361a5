package shard

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/erasure"
)

// paritySwapMin is how much sooner a parity shard must be expected than a
// data shard to be fetched in its place; see shardCost.
const paritySwapMin = 20 * time.Millisecond

// FetchStripe returns the bytes of stripe i of coder's layout, whose K+M
// shards are refs (in shard order): any K of its shards,
// the cheapest first by shardCost, which prefers data shards (nothing to
// decode when they are all there) unless a parity shard's holder is much
// faster. A shard that fails (gone, corrupt) is replaced by the cheapest
// unused one; a last shard slower than three times the others' median is
// raced by the cheapest spare.
//
// The data shards land in buf (at least K shard sizes; nil allocates), so
// when they all arrive the result is a prefix of buf, copied nowhere. A
// buf with room for all K+M shards takes the parity shards too, in their
// places after the data; otherwise each parity shard fetched is allocated.
func (t *Net) FetchStripe(ctx context.Context, coder *erasure.Coder, i int, refs []Ref, buf []byte) ([]byte, error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	// Stragglers write into buf: they must be gone before it is reused.
	defer wg.Wait()
	defer cancel()
	l := coder.Layout()
	st := l.Stripe(i)
	k, n := l.K, l.K+l.M
	if len(refs) != n {
		return nil, fmt.Errorf("stripe %d: %d shards named for %s", i, len(refs), l.Redundancy())
	}
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
	used := make([]bool, n)
	pending := 0
	launch := func() bool {
		j := t.cheapestUnused(refs, k, used, ss)
		if j < 0 {
			return false
		}
		used[j] = true
		pending++
		var dst []byte
		if j < k || int64(cap(buf)) >= int64(j+1)*ss {
			dst = buf[int64(j)*ss : int64(j+1)*ss]
		} else {
			dst = make([]byte, ss)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			_, err := t.Fetch(ctx, refs[j], dst)
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
	missing := false
	for j := range k {
		missing = missing || shards[j] == nil
	}
	if missing {
		// Rebuild the missing data shards in their places in buf, so the
		// stripe is again a prefix of it. A cancelled straggler may still
		// be writing there: wait for it first.
		wg.Wait()
		for j := range k {
			if shards[j] == nil {
				shards[j] = buf[int64(j)*ss : int64(j)*ss : int64(j+1)*ss]
			}
		}
		if err := coder.ReconstructData(i, shards); err != nil {
			return nil, fmt.Errorf("stripe %d: %w", i, err)
		}
		t.stats.StripesDecoded.Add(1)
	}
	return buf[:st.Len], nil
}

// cheapestUnused returns the unused shard of refs (K = k) with the lowest
// shardCost now, the lowest index among equals; -1 when all are used.
func (t *Net) cheapestUnused(refs []Ref, k int, used []bool, size int64) int {
	best, bestCost := -1, time.Duration(0)
	for j, u := range used {
		if u {
			continue
		}
		if c := t.shardCost(refs[j], j >= k, size); best < 0 || c < bestCost {
			best, bestCost = j, c
		}
	}
	return best
}

// shardCost ranks shard r: the time its fastest holder is expected to
// take, and for a parity shard the larger of twice that and
// that plus paritySwapMin. So a parity shard is fetched before a data
// shard only when it is expected in under half the time and at least
// paritySwapMin sooner. Half: speed estimates are noisy averages, and a
// swap on noise buys a decode for nothing; paritySwapMin: decoding a
// stripe costs a few milliseconds of CPU and a stripe-sized copy, which a
// gain of a millisecond on a fast network does not repay.
func (t *Net) shardCost(r Ref, parity bool, size int64) time.Duration {
	cost := time.Duration(-1)
	for _, h := range r.Holders {
		if p, err := peer.IDFromBytes(h); err == nil {
			if e := t.speeds.expect(p, size); cost < 0 || e < cost {
				cost = e
			}
		}
	}
	if cost < 0 { // no holder listed: only the DHT can find one
		cost = slowAfterFail
	}
	if parity {
		cost = max(2*cost, cost+paritySwapMin)
	}
	return cost
}
