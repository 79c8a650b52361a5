package chunk

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/placement"
	"github.com/scatterbytes/scatterbytes/store"
)

// place merges a stripe's placement record into the one the node keeps,
// for a stripe it holds a member of, from the client whose order it holds
// for that member, a holder its record names, or the peer that last put a
// member here (a repairer or a leaving node handing a shard over, which
// tells the new holder the record next). It answers with the merged
// record.
func (s *Service) place(ctx context.Context, str network.Stream, remote peer.ID, req *request) error {
	if s.cfg.Placements == nil {
		return fmt.Errorf("%w: this node keeps no placement records", store.ErrNotFound)
	}
	rec, err := placement.Unmarshal(req.Place)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadMessage, err)
	}
	for _, h := range rec.Holders {
		if h.At.After(s.cfg.Now().Add(maxPlaceSkew)) {
			// A time far ahead would keep its entry newest for good.
			return fmt.Errorf("%w: placement of a holder at %s, ahead of this node's clock", ErrBadMessage, h.At)
		}
	}
	o, id, err := s.heldMember(ctx, &rec)
	if err != nil {
		return err
	}
	if remote != o.Client && !s.putBy.is(id, remote) {
		cur, ok, err := s.cfg.Placements.Get(ctx, rec.Key())
		if err != nil {
			return err
		}
		if !ok || !names(&cur, remote) {
			return fmt.Errorf("%w: %s for the stripe of %s", ErrNotHolder, remote, id)
		}
	}
	merged, err := s.cfg.Placements.Merge(ctx, rec)
	if err != nil {
		return err
	}
	return s.sendPlacement(str, &merged)
}

// placement answers with the record of the stripe of a chunk the node
// holds; any verified member may ask, as it may GET the chunk.
func (s *Service) placement(ctx context.Context, str network.Stream, req *request) error {
	if s.cfg.Placements == nil {
		return fmt.Errorf("%w: this node keeps no placement records", store.ErrNotFound)
	}
	info, err := s.stat(ctx, req)
	if err != nil {
		return err
	}
	o, err := UnmarshalOrder(info.Meta)
	if err != nil || len(o.Stripe) == 0 {
		return fmt.Errorf("%w: %s is in no stripe", store.ErrNotFound, req.Chunk)
	}
	rec, ok, err := s.cfg.Placements.Get(ctx, placement.KeyOf(o.Stripe))
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: no placement record of the stripe of %s", store.ErrNotFound, req.Chunk)
	}
	return s.sendPlacement(str, &rec)
}

// maxPlaceSkew is how far ahead of the node's clock a holder's time in a
// PLACE may be: room for clocks that differ, not for an entry that would
// stay the newest for good.
const maxPlaceSkew = 10 * time.Minute

func (s *Service) sendPlacement(str network.Stream, rec *placement.Record) error {
	if err := writeResponse(str, &response{Status: codeOK, Place: rec.Marshal()}); err != nil {
		return fmt.Errorf("%w: %v", errAborted, err)
	}
	return nil
}

// heldMember finds a member of rec's stripe the node holds under an order
// that names the same stripe: store.ErrNotFound when it holds none,
// ErrOrderMismatch when its order names another stripe (or other k, m).
func (s *Service) heldMember(ctx context.Context, rec *placement.Record) (Order, cid.Cid, error) {
	for _, id := range rec.Members {
		info, err := s.cfg.Store.Stat(ctx, id)
		if store.IsNotFound(err) {
			continue
		}
		if err != nil {
			return Order{}, cid.Undef, err
		}
		o, err := UnmarshalOrder(info.Meta)
		if err != nil {
			continue
		}
		if o.K != rec.K || o.M != rec.M || len(o.Stripe) != len(rec.Members) || placement.KeyOf(o.Stripe) != rec.Key() {
			return Order{}, cid.Undef, fmt.Errorf("%w: placement of a stripe other than the order for %s names", ErrOrderMismatch, id)
		}
		return o, id, nil
	}
	return Order{}, cid.Undef, fmt.Errorf("%w: no member of the stripe is held here", store.ErrNotFound)
}

func names(r *placement.Record, p peer.ID) bool {
	for _, h := range r.Holders {
		if h.Peer == p {
			return true
		}
	}
	return false
}

// putters remembers who last put each of the latest chunks (a bounded
// ring), so that the node that handed a shard over may tell the new
// holder the stripe's record.
type putters struct {
	mu   sync.Mutex
	by   map[string]peer.ID
	ring []string
	next int
}

// maxPutters bounds the chunks putters remembers: far more than a repair
// or exit sends before it tells the records.
const maxPutters = 4096

func (u *putters) note(id cid.Cid, p peer.ID) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.by == nil {
		u.by, u.ring = map[string]peer.ID{}, make([]string, maxPutters)
	}
	k := id.KeyString()
	if _, ok := u.by[k]; !ok {
		if old := u.ring[u.next]; old != "" {
			delete(u.by, old)
		}
		u.ring[u.next] = k
		u.next = (u.next + 1) % maxPutters
	}
	u.by[k] = p
}

func (u *putters) is(id cid.Cid, p peer.ID) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.by[id.KeyString()] == p
}
