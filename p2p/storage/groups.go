package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
	"golang.org/x/sync/errgroup"

	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/placement"
	"github.com/scatterbytes/scatterbytes/p2p/standing"
	"github.com/scatterbytes/scatterbytes/store"
)

// findTimeout bounds one DHT lookup of a shard's holders.
const findTimeout = 10 * time.Second

// maxHolders is how many provider records a lookup waits for: a shard
// has one holder, and a few more after repairs and while a lost holder's
// records live.
const maxHolders = 12

// group is what this node holds of one stripe, or of one replicated chunk
// (a stripe of one ID kept in k+m copies): what repair and exit work on.
type group struct {
	order   chunk.Order // an order this node holds that covers every member
	members []cid.Cid   // the stripe's shard IDs; one ID for copies
	copies  bool
	mine    []cid.Cid // the members this node holds

	holders [][]peer.ID // healthy holders of each member, this node included
	seen    []peer.ID   // every holder found, lost ones too
	healthy int         // members (copies: holders) with a healthy holder
}

// target is the healthy count the group is repaired back to.
func (g *group) target() int {
	if g.copies {
		return g.order.K + g.order.M
	}
	return len(g.members)
}

// exclusion names self and every holder found of any member (locate):
// the nodes a member handed on must not go to, so that no node holds two
// parts of the group.
func (g *group) exclusion(self peer.ID) map[peer.ID]bool {
	ex := map[peer.ID]bool{self: true}
	for _, p := range g.seen {
		ex[p] = true
	}
	return ex
}

// groupBatch is how many groups repair and exit read and locate at a
// time: what they hold in memory, however many chunks the node holds (a
// group with its order is about a kilobyte: 100,000 of them at once were
// a hundred megabytes).
var groupBatch = 512

// errBatchFull stops a store iteration once a batch is read.
var errBatchFull = errors.New("batch full")

// eachGroups calls fn with the stripes (and replicated chunks) this node
// holds a part of, groupBatch at a time, each once, and the number of
// chunks read for them, until fn fails or every chunk was read. Expired
// orders are left to the garbage collector.
func eachGroups(ctx context.Context, st store.Store, fn func(gs []*group, read int) error) error {
	for after := cid.Undef; ; {
		var infos []store.Info
		err := st.Iterate(ctx, after, func(info store.Info) error {
			infos = append(infos, info)
			if len(infos) == groupBatch {
				return errBatchFull
			}
			return ctx.Err()
		})
		if err != nil && !errors.Is(err, errBatchFull) {
			return err
		}
		// Made outside the iteration: groupAt asks the store for the
		// stripe's other members.
		now := time.Now()
		var gs []*group
		for _, info := range infos {
			if g := groupAt(ctx, st, info, now); g != nil {
				gs = append(gs, g)
			}
		}
		if len(infos) > 0 {
			if err := fn(gs, len(infos)); err != nil {
				return err
			}
		}
		if err == nil {
			return nil
		}
		after = infos[len(infos)-1].ID
	}
}

// groupAt returns the group of the chunk info, with every member of it
// the node holds, or nil when the chunk's order is not in force or the
// node holds a member before it in the store's order (the group is made
// there, so that a stripe of which the node holds two members is worked
// on once).
func groupAt(ctx context.Context, st store.Store, info store.Info, now time.Time) *group {
	o, ok := liveOrder(info, now)
	if !ok {
		return nil
	}
	g := &group{order: o, members: o.Stripe, copies: len(o.Stripe) == 0, mine: []cid.Cid{info.ID}}
	if g.copies {
		g.members = g.mine
		return g
	}
	key := groupKey(&o, info.ID)
	for _, m := range o.Stripe {
		if m.Equals(info.ID) {
			continue
		}
		mi, err := st.Stat(ctx, m)
		if err != nil {
			continue // not held (an error: taken as not held this pass)
		}
		if mo, ok := liveOrder(mi, now); !ok || groupKey(&mo, m) != key {
			continue
		}
		if bytes.Compare(m.Bytes(), info.ID.Bytes()) < 0 {
			return nil
		}
		g.mine = append(g.mine, m)
	}
	return g
}

// liveOrder decodes the order a chunk is held under, if it is in force
// and is for that chunk.
func liveOrder(info store.Info, now time.Time) (chunk.Order, bool) {
	o, err := chunk.UnmarshalOrder(info.Meta)
	if err != nil || !o.Expiry.After(now) || !o.Covers(info.ID) || o.Size != info.Size {
		return chunk.Order{}, false
	}
	return o, true
}

func groupKey(o *chunk.Order, id cid.Cid) string {
	if len(o.Stripe) == 0 {
		return "c" + id.KeyString()
	}
	h := sha256.New()
	for _, s := range o.Stripe {
		h.Write([]byte(s.KeyString()))
	}
	return "s" + string(h.Sum(nil))
}

// locate finds every member's holders, from the stripe's placement record
// when the node keeps one, else (older data, a replicated chunk, a member
// the record names no holder of) through the DHT's provider records, and
// sorts them by st: lost (suspended, disqualified) or healthy.
func (s *Storage) locate(ctx context.Context, g *group, st *standing.Standings) {
	self := s.n.ID()
	seen := map[peer.ID]bool{}
	g.holders = make([][]peer.ID, len(g.members))
	g.seen, g.healthy = nil, 0
	rec, haveRec := s.record(ctx, g)
	for i, id := range g.members {
		found := map[peer.ID]bool{}
		for _, m := range g.mine {
			if m.Equals(id) {
				found[self] = true
			}
		}
		var named []peer.ID
		if haveRec {
			named = rec.Of(i)
		}
		for _, p := range named {
			found[p] = true
		}
		if len(named) == 0 {
			if !g.copies {
				s.providerLookups.Add(1)
			}
			fctx, cancel := context.WithTimeout(ctx, findTimeout)
			for ai := range s.n.DHT().FindProvidersAsync(fctx, id, maxHolders) {
				found[ai.ID] = true
			}
			cancel()
		}
		for p := range found {
			if !seen[p] {
				seen[p] = true
				g.seen = append(g.seen, p)
			}
			if !st.State(p).Excluded() {
				g.holders[i] = append(g.holders[i], p)
			}
		}
		sort.Slice(g.holders[i], func(a, b int) bool { return g.holders[i][a] < g.holders[i][b] })
		switch {
		case g.copies:
			g.healthy = len(g.holders[i])
		case len(g.holders[i]) > 0:
			g.healthy++
		}
	}
}

// record is the placement record of g's stripe the node keeps, if any.
func (s *Storage) record(ctx context.Context, g *group) (placement.Record, bool) {
	if g.copies {
		return placement.Record{}, false
	}
	rec, ok, err := s.book.Get(ctx, placement.KeyOf(g.members))
	if err != nil {
		s.log.Warn("read a placement record", "err", err)
		return placement.Record{}, false
	}
	return rec, ok && len(rec.Members) == len(g.members)
}

// locateParallel bounds the groups located at once: each is k+m DHT
// lookups of tens of milliseconds, one after the other.
const locateParallel = 8

// locateAll locates every group of gs (locate), locateParallel at once.
func (s *Storage) locateAll(ctx context.Context, gs []*group, st *standing.Standings) error {
	eg, ctx := errgroup.WithContext(ctx)
	eg.SetLimit(locateParallel)
	for _, g := range gs {
		eg.Go(func() error {
			s.locate(ctx, g, st)
			return ctx.Err()
		})
	}
	return eg.Wait()
}

// readOwn reads a chunk this node holds and checks it against its ID: a
// chunk rotten on this disk is nobody's input (store.ErrMismatch).
func (s *Storage) readOwn(ctx context.Context, id cid.Cid) ([]byte, error) {
	rc, err := s.st.Get(ctx, id, 0, -1)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(rc); err != nil {
		return nil, err
	}
	if got := store.Sum(buf.Bytes()); !got.Equals(id) {
		return nil, fmt.Errorf("%w: own copy of %s hashes to %s", store.ErrMismatch, id, got)
	}
	return buf.Bytes(), nil
}
