package shard

import (
	"context"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/placement"
)

// placeTimeout bounds one PLACE or PLACEMENT exchange: a small message
// each way.
const placeTimeout = 5 * time.Second

// Record returns the placement record of a stripe (ids, k+m distinct
// shard IDs) just placed on holders (holders[j] holds ids[j]), or false
// when ids are not a stripe an order can name (replicated copies).
func Record(ids []cid.Cid, k, m int, holders []peer.ID, at time.Time) (placement.Record, bool) {
	stripe := stripeOf(ids, k, m)
	if stripe == nil || len(holders) != len(ids) {
		return placement.Record{}, false
	}
	rec := placement.New(k, m, stripe)
	for j, p := range holders {
		rec.Add(j, p, at)
	}
	return rec, true
}

// TellPlacement sends rec to every peer it names but this node, at once,
// and returns how many took it (TellPlacementTo).
func (t *Net) TellPlacement(ctx context.Context, rec placement.Record) int {
	return t.TellPlacementTo(ctx, rec, rec.Peers())
}

// TellPlacementTo sends rec to each of to but this node, at once, and
// returns how many took it. It is best effort: a holder that refuses or
// cannot be reached is logged at debug level, and a reader that finds no
// record falls back on the DHT. It returns when every exchange has ended.
func (t *Net) TellPlacementTo(ctx context.Context, rec placement.Record, to []peer.ID) int {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		told int
	)
	for _, p := range to {
		if p == t.node.ID() {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ctx, placeTimeout)
			defer cancel()
			if _, err := t.chunks.Place(pctx, t.node.Host(), p, &rec); err != nil {
				t.log.Debug("tell a holder the stripe's placement", "peer", p, "err", err)
				return
			}
			mu.Lock()
			told++
			mu.Unlock()
		}()
	}
	wg.Wait()
	t.stats.PlacementsTold.Add(int64(told))
	return told
}

// StripeHolders returns, for each member of the stripe refs lists (in
// order), the holders its placement record names beyond those refs list:
// the copies repair and exit made since the manifest was written. It asks
// the stripe's holders for the record as a download does, and returns nil
// when none answers. A client that deletes a file deletes those copies
// too: they are held under its order, and a delete that missed them left
// the file readable by whoever has its reference until the order expired.
func (t *Net) StripeHolders(ctx context.Context, refs []Ref) [][]peer.ID {
	sp := &stripePlacement{t: t, refs: refs}
	rec, ok := sp.ask(ctx)
	if !ok {
		return nil
	}
	out := make([][]peer.ID, len(refs))
	for i, r := range refs {
		listed := map[peer.ID]bool{}
		for _, h := range r.Holders {
			if p, err := peer.IDFromBytes(h); err == nil {
				listed[p] = true
			}
		}
		if j := rec.Index(r.ID); j >= 0 {
			for _, p := range rec.Of(j) {
				if !listed[p] {
					out[i] = append(out[i], p)
				}
			}
		}
	}
	return out
}

// maxPlacementAsks bounds the holders a reader asks at once for a
// stripe's record.
const maxPlacementAsks = 8

// stripePlacement is a stripe's record as a download learns it: asked of
// one of the stripe's other holders when a listed holder failed, at most
// once per FetchStripe.
type stripePlacement struct {
	t    *Net
	refs []Ref

	mu    sync.Mutex
	asked bool
	rec   placement.Record
	ok    bool
}

// holdersOf returns the holders the stripe's record names for chunk id,
// asking for the record first if no one has yet.
func (sp *stripePlacement) holdersOf(ctx context.Context, id cid.Cid) []peer.ID {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if !sp.asked {
		sp.asked = true
		sp.rec, sp.ok = sp.ask(ctx)
	}
	if !sp.ok {
		return nil
	}
	i := sp.rec.Index(id)
	if i < 0 {
		return nil
	}
	return sp.rec.Of(i)
}

// ask asks up to maxPlacementAsks holders of the stripe's members at once,
// the fastest known first and those believed dead last, for the stripe's
// record, and takes the first answer.
func (sp *stripePlacement) ask(ctx context.Context) (placement.Record, bool) {
	type ask struct {
		p  peer.ID
		id cid.Cid
	}
	var asks []ask
	seen := map[peer.ID]bool{sp.t.node.ID(): true}
	for _, r := range sp.refs {
		for _, p := range sp.t.bySpeed(r.Holders, 0) {
			if !seen[p] {
				seen[p] = true
				asks = append(asks, ask{p, r.ID})
			}
		}
	}
	ps := make([]peer.ID, len(asks))
	for i, a := range asks {
		ps[i] = a.p
	}
	sp.t.speeds.order(ps, 0)
	chunkOf := map[peer.ID]cid.Cid{}
	for _, a := range asks {
		chunkOf[a.p] = a.id
	}
	ps = ps[:min(len(ps), maxPlacementAsks)]
	actx, cancel := context.WithTimeout(ctx, placeTimeout)
	defer cancel()
	type answer struct {
		rec placement.Record
		ok  bool
	}
	got := make(chan answer, len(ps))
	for _, p := range ps {
		go func() {
			rec, err := sp.t.chunks.Placement(actx, sp.t.node.Host(), p, chunkOf[p])
			if err != nil || len(rec.Members) != len(sp.refs) {
				sp.t.log.Debug("ask a holder for the stripe's placement", "peer", p, "err", err)
				got <- answer{}
				return
			}
			got <- answer{rec, true}
		}()
	}
	var (
		rec placement.Record
		ok  bool
	)
	for range ps { // every ask ends before ask returns
		if a := <-got; a.ok && !ok {
			rec, ok = a.rec, true
			cancel()
		}
	}
	if ok {
		sp.t.stats.PlacementsRead.Add(1)
	}
	return rec, ok
}
