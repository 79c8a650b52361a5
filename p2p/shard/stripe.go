package shard

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/erasure"
)

// paritySwapMin is how much sooner a parity shard must be expected than a
// data shard to be fetched in its place; see shardCost.
const paritySwapMin = 20 * time.Millisecond

// FetchStripe returns the bytes of stripe i of coder's layout, whose K+M
// shards are refs (in shard order): any K of its shards, the cheapest
// first by shardCost, which prefers data shards (nothing to decode when
// they are all there) unless a parity shard's holder is much faster. It is
// one race (see race) of K slots over the shards: a shard that fails
// (gone, corrupt) is replaced by the cheapest unused one, even while a
// twin is in flight; a shard whose holder has not answered within
// answerWithin (a holder dead without a reset) is raced by the cheapest
// spare, and so is a last shard slower than three times the others'
// median (a spare whose holders are believed dead comes last, but is
// raced still: a belief formed under load may be wrong, and waiting on a
// silent holder costs more than asking one). The slots are a pool: any k shards make
// the stripe, so a hedge that lands after its slot was filled fills
// another (on a loaded machine the stall rule may race live holders too,
// and the spares it spends must still count). It fails with ErrUnavailable as soon as
// fewer than K shards can still arrive.
//
// The data shards land in buf (at least K shard sizes; nil allocates), so
// when they all arrive the result is a prefix of buf, copied nowhere. A
// buf with room for all K+M shards takes the parity shards too, in their
// places after the data; otherwise each parity shard fetched is allocated.
// Missing data shards are rebuilt in their places in buf. No fetch writes
// into buf once FetchStripe has returned.
func (t *Net) FetchStripe(ctx context.Context, coder *erasure.Coder, i int, refs []Ref, buf []byte) ([]byte, error) {
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
	// shards[j] is where shard j is fetched to: each is fetched at most
	// once, by its own attempt; only the winners' are kept below.
	shards := make([][]byte, n)
	used := make([]bool, n)
	sp := &stripePlacement{t: t, refs: refs}
	r := race{
		slots: k, hedgeAt: k - 1, eager: true, pool: true, clock: t.clock,
		answerWithin: t.answerWithin(),
		next: func(int, int, bool) (int, bool) {
			j := t.cheapestUnused(refs, k, used, ss)
			if j < 0 {
				return 0, false
			}
			used[j] = true
			return j, true
		},
		attempt: func(ctx context.Context, _, j int, answered func()) error {
			dst := shardBuf(buf, j, k, ss)
			shards[j] = dst
			_, err := t.fetch(ctx, refs[j], dst, answered, false, sp)
			return err
		},
		hedged: func(int, int) { t.stats.Hedges.Add(1) },
	}
	wins, err := r.run(ctx)
	if ex := (*exhausted)(nil); errors.As(err, &ex) {
		return nil, fmt.Errorf("stripe %d: %w: %d of %d needed (last error: %v)", i, ErrUnavailable, ex.done, k, ex.err)
	}
	if err != nil {
		return nil, err
	}
	if err := t.rebuild(coder, i, buf, ss, shards, used, wins); err != nil {
		return nil, err
	}
	return buf[:st.Len], nil
}

// shardBuf is where shard j of a stripe of k shards of ss bytes is
// fetched to: its place in buf when buf has room for it (always for a data
// shard), else new memory.
func shardBuf(buf []byte, j, k int, ss int64) []byte {
	if j < k || int64(cap(buf)) >= int64(j+1)*ss {
		return buf[int64(j)*ss : int64(j+1)*ss]
	}
	return make([]byte, ss)
}

// rebuild keeps the shards of wins and, when a data shard is not among
// them, rebuilds the missing data shards in their places in buf, so the
// stripe is again a prefix of it. Every fetch has ended by now.
func (t *Net) rebuild(coder *erasure.Coder, i int, buf []byte, ss int64, shards [][]byte, won []bool, wins []int) error {
	clear(won)
	for _, j := range wins {
		won[j] = true
	}
	k := len(wins)
	missing := false
	for j := range shards {
		if !won[j] {
			shards[j] = nil
			missing = missing || j < k
		}
	}
	if !missing {
		return nil
	}
	for j := range k {
		if shards[j] == nil {
			shards[j] = buf[int64(j)*ss : int64(j)*ss : int64(j+1)*ss]
		}
	}
	if err := coder.ReconstructData(i, shards); err != nil {
		return fmt.Errorf("stripe %d: %w", i, err)
	}
	t.stats.StripesDecoded.Add(1)
	return nil
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
