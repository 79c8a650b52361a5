package shard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/store"
)

// maxAttempts bounds how many nodes one shard is tried on.
const maxAttempts = 4

// PutStripe stores the k+m shards of a stripe, whose IDs are ids, on
// distinct nodes with room for them, chosen by the first shard's ID (the
// shards of a stripe are all one size), and returns the holder of each.
// Then it tells every holder the stripe's placement (TellPlacement), so
// that each finds the others without the DHT; a holder that did not take
// it does not fail the put.
func (t *Net) PutStripe(ctx context.Context, shards [][]byte, ids []cid.Cid, k, m int) ([]peer.ID, error) {
	cands, err := t.Candidates(ctx, ids[0].KeyString(), len(shards), int64(len(shards[0])), nil)
	if err != nil {
		return nil, err
	}
	holders, err := t.Place(ctx, ids, shards, cands, k, m)
	if err != nil {
		return holders, err
	}
	if rec, ok := Record(ids, k, m, holders, time.Now()); ok {
		t.TellPlacement(ctx, rec)
	}
	return holders, nil
}

// Replicate stores one chunk on `copies` distinct nodes closest to its CID
// that have room for it (fewer if fewer have), under orders that say k+m,
// and returns them. Repair keeps k+m copies of it (package p2p/storage):
// pass k+m = copies.
func (t *Net) Replicate(ctx context.Context, id cid.Cid, data []byte, copies, k, m int) ([]peer.ID, error) {
	// Asked for copies nodes, so that the standings admit as many vetting
	// nodes as the copies need; fewer will do.
	cands, err := t.Candidates(ctx, id.KeyString(), max(copies, 1), int64(len(data)), nil)
	if err != nil && (len(cands) == 0 || !errors.Is(err, ErrNotEnoughNodes)) {
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

// Place uploads datas[j] (named ids[j]) to a distinct node each, trying
// cands in order (at least len(datas) of them, as Candidates returns), each
// under an order for k+m. It is one race (see race): a failed upload
// moves to the next spare candidate (one the space cache has since learnt
// to be full is passed over), up to maxAttempts nodes per shard; once all
// but a few shards are stored, a shard still in flight after three times
// the median upload time is hedged on a spare node, and the first copy to
// land wins. It returns the holder of each shard. It returns only once
// every upload it started has ended: datas may be reused then.
//
// When ids are a whole stripe (k+m distinct IDs, at most chunk.MaxStripe),
// every order names the stripe (chunk.Order.Stripe): the record of the
// stripe that repair reads, and its authority to place a lost shard.
//
// A copy no one asked for (a hedged upload's twin that landed before its
// cancel did) is deleted again: it is in no manifest, so its owner could
// never remove it, and the network would pay for it until it expired.
func (t *Net) Place(ctx context.Context, ids []cid.Cid, datas [][]byte, cands []peer.ID, k, m int) ([]peer.ID, error) {
	stripe := stripeOf(ids, k, m)
	var (
		mu    sync.Mutex
		fresh = map[Sent]bool{} // sent, not found there already
	)
	holders, surplus, err := t.place(ctx, ids, datas, cands, func(ctx context.Context, p peer.ID, j int) error {
		res, err := t.putResult(ctx, p, ids[j], datas[j], k, m, stripe)
		if err == nil && !res.AlreadyStored {
			mu.Lock()
			fresh[Sent{ID: ids[j], Node: p}] = true
			mu.Unlock()
		}
		return err
	})
	for _, s := range surplus {
		if fresh[s] {
			t.dropSurplus(ctx, s)
		}
	}
	return holders, err
}

// dropSurplus deletes a copy Place made and does not count on.
func (t *Net) dropSurplus(ctx context.Context, s Sent) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), surplusDeleteTimeout)
	defer cancel()
	err := t.chunks.Delete(dctx, t.node.Host(), s.Node, s.ID)
	if err != nil && !store.IsNotFound(err) {
		t.log.Debug("delete a surplus copy", "chunk", s.ID, "peer", s.Node, "err", err)
		return
	}
	t.stats.SurplusDeleted.Add(1)
}

// surplusDeleteTimeout bounds the delete of one surplus copy.
const surplusDeleteTimeout = 10 * time.Second

// Rehome places datas[j] (named ids[j], shards that o covers, rebuilt by a
// repairer) on distinct nodes with room that exclude does not name, under
// o, the order the repairer holds for its own shard of the stripe: the
// client's signature authorises every shard o's stripe names. Each shard
// goes to the node nearest its own ID that will take it, so a reader who
// finds the holders its manifest names gone finds the new one among the
// peers closest to the chunk's ID, with or without a provider record. It
// returns the new holder of each.
func (t *Net) Rehome(ctx context.Context, o chunk.Order, ids []cid.Cid, datas [][]byte, exclude map[peer.ID]bool) ([]peer.ID, error) {
	for _, id := range ids {
		if !o.Covers(id) {
			return nil, fmt.Errorf("rehome %s: %w: the order for %s does not cover it", id, chunk.ErrOrderMismatch, o.Chunk)
		}
	}
	ex := make(map[peer.ID]bool, len(exclude)+len(ids))
	for p := range exclude {
		ex[p] = true
	}
	holders := make([]peer.ID, 0, len(ids))
	for j, id := range ids {
		cands, err := t.Candidates(ctx, id.KeyString(), 1, o.Size, ex)
		if err != nil {
			return holders, err
		}
		// A surplus copy stays: o is the client's, and only the client
		// may delete under it (it expires with o).
		got, _, err := t.place(ctx, ids[j:j+1], datas[j:j+1], cands, func(ctx context.Context, p peer.ID, _ int) error {
			res, err := t.chunks.UploadShard(ctx, t.node.Host(), p, o, id, bytes.NewReader(datas[j]))
			t.learn(p, o.Size, res, err)
			if err == nil {
				t.count(res, len(datas[j]))
			}
			return err
		})
		if err != nil {
			return holders, err
		}
		holders = append(holders, got[0])
		ex[got[0]] = true
	}
	return holders, nil
}

// stripeOf is ids when they can be an order's stripe, else nil.
func stripeOf(ids []cid.Cid, k, m int) []cid.Cid {
	if len(ids) != k+m || len(ids) > chunk.MaxStripe {
		return nil
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id.KeyString()] {
			return nil
		}
		seen[id.KeyString()] = true
	}
	return ids
}

// place is Place with put(ctx, p, j) storing shard j on p. It also
// returns the surplus: copies that landed after their shard's slot was
// filled by another. When it fails, its error is a *PlaceError naming
// every chunk it sent to a node.
func (t *Net) place(ctx context.Context, ids []cid.Cid, datas [][]byte, cands []peer.ID, put func(ctx context.Context, p peer.ID, j int) error) ([]peer.ID, []Sent, error) {
	var (
		mu   sync.Mutex
		sent []Sent
	)
	holders, surplus, err := t.placeAll(ctx, ids, datas, cands, func(ctx context.Context, p peer.ID, j int) error {
		mu.Lock()
		sent = append(sent, Sent{ID: ids[j], Node: p})
		mu.Unlock()
		return put(ctx, p, j)
	})
	if err != nil {
		// placeAll returns once every put it started has: sent is whole.
		return nil, nil, &PlaceError{Sent: sent, Err: err}
	}
	return holders, surplus, nil
}

// placeAll is place without the record of what was sent.
func (t *Net) placeAll(ctx context.Context, ids []cid.Cid, datas [][]byte, cands []peer.ID, put func(ctx context.Context, p peer.ID, j int) error) ([]peer.ID, []Sent, error) {
	var surplus []Sent
	n := len(datas)
	spare := n // the next spare candidate
	r := race{
		slots: n, hedgeAt: n - max(1, n/4), maxTries: maxAttempts, clock: t.clock,
		next: func(j, tries int, _ bool) (int, bool) {
			if tries == 0 {
				return j, j < len(cands)
			}
			need := int64(len(datas[j])) + chunkOverhead
			for spare < len(cands) {
				spare++
				if t.space.room(cands[spare-1], need) != roomNo {
					return spare - 1, true
				}
			}
			return 0, false
		},
		attempt: func(ctx context.Context, j, c int, _ func()) error {
			return put(ctx, cands[c], j)
		},
		failed: func(j, c int, err error) {
			t.log.Debug("shard upload failed", "chunk", ids[j], "peer", cands[c], "err", err)
			t.noteDial(cands[c], err)
		},
		surplus: func(j, c int) { surplus = append(surplus, Sent{ID: ids[j], Node: cands[c]}) },
	}
	wins, err := r.run(ctx)
	if ex := (*exhausted)(nil); errors.As(err, &ex) {
		if errors.Is(ex.err, store.ErrNoSpace) {
			return nil, nil, fmt.Errorf("store shard %d (%s): %w (%w; last error: %v)%s", ex.slot, ids[ex.slot], ErrNotEnoughNodes, ErrNoSpace, ex.err, t.unreach.describe(time.Now()))
		}
		return nil, nil, fmt.Errorf("store shard %d (%s): %w (last error: %v)%s", ex.slot, ids[ex.slot], ErrNotEnoughNodes, ex.err, t.unreach.describe(time.Now()))
	}
	if err != nil {
		return nil, nil, err
	}
	holders := make([]peer.ID, n)
	for j, c := range wins {
		holders[j] = cands[c]
	}
	return holders, surplus, nil
}

// Put uploads one chunk to p under a fresh order for k+m signed with the
// Net's key, and notes what p's answer says of its free space. A chunk p
// already holds is not sent again.
func (t *Net) Put(ctx context.Context, p peer.ID, id cid.Cid, data []byte, k, m int) error {
	return t.put(ctx, p, id, data, k, m, nil)
}

// put is Put under an order that names stripe (nil: none).
func (t *Net) put(ctx context.Context, p peer.ID, id cid.Cid, data []byte, k, m int, stripe []cid.Cid) error {
	_, err := t.putResult(ctx, p, id, data, k, m, stripe)
	return err
}

// putResult is put with p's answer.
func (t *Net) putResult(ctx context.Context, p peer.ID, id cid.Cid, data []byte, k, m int, stripe []cid.Cid) (chunk.PutResult, error) {
	o := chunk.Order{Chunk: id, Size: int64(len(data)), Expiry: time.Now().Add(t.cfg.Lifetime), K: k, M: m, Stripe: stripe}
	if err := chunk.SignOrder(t.key, &o); err != nil {
		return chunk.PutResult{}, err
	}
	res, err := t.chunks.Upload(ctx, t.node.Host(), p, o, bytes.NewReader(data))
	t.learn(p, o.Size, res, err)
	if err != nil {
		return res, err
	}
	t.count(res, len(data))
	return res, nil
}

func (t *Net) count(res chunk.PutResult, n int) {
	if res.AlreadyStored {
		t.stats.ShardsSkipped.Add(1)
	} else {
		t.stats.ShardsSent.Add(1)
		t.stats.BytesSent.Add(int64(n))
	}
}

// Sent is a chunk sent (in full or in part) to a node.
type Sent struct {
	ID   cid.Cid
	Node peer.ID
}

// PlaceError is the error of a placement that failed once it had begun
// sending (Place, PutStripe, Replicate, Rehome): Err says why, and Sent
// names every chunk it sent to a node, each of which may hold it now
// although nothing refers to it. Whoever placed them deletes them, or
// they expire with their orders.
type PlaceError struct {
	Sent []Sent
	Err  error
}

func (e *PlaceError) Error() string { return e.Err.Error() }

func (e *PlaceError) Unwrap() error { return e.Err }
