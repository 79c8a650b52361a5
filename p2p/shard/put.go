package shard

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/chunk"
)

// maxAttempts bounds how many nodes one shard is tried on.
const maxAttempts = 4

// PutStripe stores the k+m shards of a stripe, whose IDs are ids, on
// distinct nodes with room for them, chosen by the first shard's ID (the
// shards of a stripe are all one size), and returns the holder of each.
func (t *Net) PutStripe(ctx context.Context, shards [][]byte, ids []cid.Cid, k, m int) ([]peer.ID, error) {
	cands, err := t.Candidates(ctx, ids[0].KeyString(), len(shards), int64(len(shards[0])), nil)
	if err != nil {
		return nil, err
	}
	return t.Place(ctx, ids, shards, cands, k, m)
}

// Replicate stores one chunk on `copies` distinct nodes closest to its CID
// that have room for it (fewer if fewer have), under orders that say k+m,
// and returns them.
func (t *Net) Replicate(ctx context.Context, id cid.Cid, data []byte, copies, k, m int) ([]peer.ID, error) {
	cands, err := t.Candidates(ctx, id.KeyString(), 1, int64(len(data)), nil)
	if err != nil {
		return nil, err
	}
	copies = min(copies, len(cands))
	ids := make([]cid.Cid, copies)
	datas := make([][]byte, copies)
	for i := range ids {
		ids[i], datas[i] = id, data
	}
	return t.Place(ctx, ids, datas, cands, k, m)
}

// attempt is one upload of one shard to one node.
type attempt struct {
	shard  int
	peer   peer.ID
	err    error
	took   time.Duration
	cancel context.CancelFunc
}

// Place uploads datas[j] (named ids[j]) to a distinct node each, trying
// cands in order (at least len(datas) of them, as Candidates returns), each
// under an order for k+m. A failed upload moves to the next spare candidate (one
// the space cache has since learnt to be full is passed over); once
// all but a few shards are stored, a shard still in flight after three
// times the median upload time is hedged on a spare node, and the first
// copy to land wins. It returns the holder of each shard. It returns
// only once every upload it started has ended: datas may be reused then.
func (t *Net) Place(ctx context.Context, ids []cid.Cid, datas [][]byte, cands []peer.ID, k, m int) ([]peer.ID, error) {
	ctx, cancelAll := context.WithCancel(ctx)
	var wg sync.WaitGroup
	// Cancelled attempts must be gone before the caller reuses datas.
	defer wg.Wait()
	defer cancelAll()
	n := len(datas)
	results := make(chan *attempt, 2*n)
	holders := make([]peer.ID, n)
	tries := make([]int, n)
	inflight := make([]map[*attempt]bool, n)
	next := n // next spare candidate
	start := func(j int, p peer.ID) {
		actx, cancel := context.WithCancel(ctx)
		a := &attempt{shard: j, peer: p, cancel: cancel}
		if inflight[j] == nil {
			inflight[j] = map[*attempt]bool{}
		}
		inflight[j][a] = true
		tries[j]++
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			a.err = t.Put(actx, p, ids[j], datas[j], k, m)
			a.took = time.Since(t0)
			results <- a
		}()
	}
	spare := func(j int) (peer.ID, bool) {
		need := int64(len(datas[j])) + chunkOverhead
		for next < len(cands) {
			next++
			if p := cands[next-1]; t.space.room(p, need) != roomNo {
				return p, true
			}
		}
		return "", false
	}
	for j := range n {
		start(j, cands[j])
	}
	var (
		done   int
		took   []time.Duration
		hedge  <-chan time.Time
		hedged = make([]bool, n)
	)
	for done < n {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-hedge:
			hedge = nil
			for j := range n {
				if holders[j] == "" && len(inflight[j]) == 1 && !hedged[j] {
					if p, ok := spare(j); ok {
						hedged[j] = true
						start(j, p)
					}
				}
			}
		case a := <-results:
			delete(inflight[a.shard], a)
			a.cancel()
			j := a.shard
			if holders[j] != "" {
				continue // a hedged twin landed first
			}
			if a.err == nil {
				holders[j] = a.peer
				done++
				for other := range inflight[j] {
					other.cancel() // nothing is stored by a cancelled PUT
				}
				took = append(took, a.took)
				if hedge == nil && done >= n-max(1, n/4) && done < n {
					hedge = time.After(3 * median(took))
				}
				continue
			}
			t.log.Debug("shard upload failed", "chunk", ids[j], "peer", a.peer, "err", a.err)
			if len(inflight[j]) > 0 {
				continue // its twin may still land
			}
			p, ok := spare(j)
			if !ok || tries[j] >= maxAttempts {
				return nil, fmt.Errorf("store shard %d (%s): %w (last error: %v)", j, ids[j], ErrNotEnoughNodes, a.err)
			}
			start(j, p)
		}
	}
	return holders, nil
}

// Put uploads one chunk to p under a fresh order for k+m signed with the
// Net's key, and notes what p's answer says of its free space. A chunk p
// already holds is not sent again.
func (t *Net) Put(ctx context.Context, p peer.ID, id cid.Cid, data []byte, k, m int) error {
	o := chunk.Order{Chunk: id, Size: int64(len(data)), Expiry: time.Now().Add(t.cfg.Lifetime), K: k, M: m}
	if err := chunk.SignOrder(t.key, &o); err != nil {
		return err
	}
	res, err := t.chunks.Upload(ctx, t.node.Host(), p, o, bytes.NewReader(data))
	t.learn(p, o.Size, res, err)
	if err != nil {
		return err
	}
	if res.AlreadyStored {
		t.stats.ShardsSkipped.Add(1)
	} else {
		t.stats.ShardsSent.Add(1)
		t.stats.BytesSent.Add(int64(len(data)))
	}
	return nil
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return max(s[len(s)/2], 50*time.Millisecond)
}
