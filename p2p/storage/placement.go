package storage

import (
	"context"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/placement"
	"github.com/scatterbytes/scatterbytes/p2p/standing"
)

// placed updates the placement record of o's stripe after this node
// (repairing, or leaving) placed ids[j] on holders[j] (holders may be
// shorter: a placement that failed part way): in its own book, then on
// every holder the record names that st does not find lost, the new ones
// included (each took the record's authority from the PUT it just
// received; the others know this node as a holder). A holder that does
// not take it keeps its older record; the peers nearest a rebuilt shard's
// ID, where Rehome put it, stay a reader's fallback.
func (s *Storage) placed(ctx context.Context, o chunk.Order, st *standing.Standings, ids []cid.Cid, holders []peer.ID) {
	if len(o.Stripe) == 0 || len(holders) == 0 {
		return
	}
	rec, ok, err := s.book.Get(ctx, placement.KeyOf(o.Stripe))
	if err != nil || !ok {
		rec = placement.New(o.K, o.M, o.Stripe)
	}
	now := time.Now()
	for i, id := range rec.Members {
		// What this node holds, in case it kept no record before.
		if has, err := s.st.Has(ctx, id); err == nil && has {
			rec.Add(i, s.n.ID(), now)
		}
	}
	for j, p := range holders {
		if i := rec.Index(ids[j]); i >= 0 && p != "" {
			rec.Add(i, p, now)
		}
	}
	merged, err := s.book.Merge(ctx, rec)
	if err != nil {
		s.log.Warn("record a stripe's new holders", "err", err)
		return
	}
	var to []peer.ID
	for _, p := range merged.Peers() {
		if p != s.n.ID() && (st == nil || !st.State(p).Excluded()) {
			to = append(to, p)
		}
	}
	told := s.move.net.TellPlacementTo(ctx, merged, to)
	s.log.Debug("stripe placement updated", "holders told", told, "of", len(to))
}

// pruneRecords deletes the placement records of stripes the node holds
// no member of any more (deleted by its owner, expired, handed over),
// and returns how many it deleted.
func (s *Storage) pruneRecords(ctx context.Context) (int, error) {
	var gone []placement.Key
	err := s.book.Each(ctx, func(r placement.Record) error {
		for _, id := range r.Members {
			if has, err := s.st.Has(ctx, id); err != nil || has {
				return err
			}
		}
		gone = append(gone, r.Key())
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range gone {
		if err := s.book.Delete(ctx, k); err != nil {
			return 0, err
		}
	}
	return len(gone), nil
}
