package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
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

// groups reads the store's orders into the stripes (and replicated
// chunks) this node holds a part of. Expired orders are left to the
// garbage collector.
func (s *Storage) groups(ctx context.Context) ([]*group, error) {
	byKey := map[string]*group{}
	var out []*group
	now := time.Now()
	err := s.st.Iterate(ctx, cid.Undef, func(info store.Info) error {
		o, err := chunk.UnmarshalOrder(info.Meta)
		if err != nil || !o.Expiry.After(now) || !o.Covers(info.ID) || o.Size != info.Size {
			return nil
		}
		key, g := groupKey(&o, info.ID), (*group)(nil)
		if g = byKey[key]; g == nil {
			g = &group{order: o, members: o.Stripe, copies: len(o.Stripe) == 0}
			if g.copies {
				g.members = []cid.Cid{info.ID}
			}
			byKey[key] = g
			out = append(out, g)
		}
		g.mine = append(g.mine, info.ID)
		return ctx.Err()
	})
	return out, err
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
