package shard

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"golang.org/x/sync/errgroup"

	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/store"
)

// What a Net learns of the nodes' free space, and for how long it
// trusts it. Placement filters by it (see Candidates); every PUT's answer
// refreshes it, so the nodes an upload uses stay fresh without a probe.
const (
	// spaceTTL is how long a node's stated free space is trusted.
	spaceTTL = time.Minute
	// probeTimeout bounds one SPACE probe; a node slower than that is
	// kept as a candidate of last resort, and its PUT will tell.
	probeTimeout = 2 * time.Second
	// probesInFlight bounds the SPACE probes one placement runs at once.
	probesInFlight = 8
	// chunkOverhead is what a node charges for a chunk beyond its bytes:
	// the disk store's header with the order is a few hundred bytes.
	chunkOverhead = 1 << 10
	// unprobedMax is the largest chunk placed without asking a node of
	// unknown free space first. A full node refuses a PUT before it reads
	// the bytes (package p2p/chunk), so a refused small PUT costs what the
	// probe would have, one round trip, and an accepted one saves it: a
	// CLI put of a small file (a manifest carrying it, DefaultInlineMax
	// in package client), a fresh process each time, has no cache and
	// would ask every node of the table before its first PUT.
	unprobedMax = 12 << 10
)

// room is what the cache knows of whether a chunk fits on a node.
type room int

const (
	roomUnknown room = iota // no fresh word: probe
	roomYes
	roomNo
	roomUnsure // the probe failed: try it last
)

// spaceCache holds, per node, its free bytes as last stated (by SPACE or a
// PUT's answer) or inferred from a refusal. Safe for concurrent use.
type spaceCache struct {
	ttl time.Duration
	now func() time.Time

	mu sync.Mutex
	m  map[peer.ID]spaceEntry
}

type spaceEntry struct {
	free  int64 // -1: no limit
	known bool  // false: the probe failed, free means nothing
	at    time.Time
}

func newSpaceCache(ttl time.Duration, now func() time.Time) *spaceCache {
	return &spaceCache{ttl: ttl, now: now, m: make(map[peer.ID]spaceEntry)}
}

// room reports whether need bytes fit on p, as far as the cache knows.
func (s *spaceCache) room(p peer.ID, need int64) room {
	s.mu.Lock()
	e, ok := s.m[p]
	s.mu.Unlock()
	switch {
	case !ok || s.now().Sub(e.at) >= s.ttl:
		return roomUnknown
	case !e.known:
		return roomUnsure
	case e.free < 0 || need <= e.free:
		return roomYes
	}
	return roomNo
}

// set records that p stated free bytes (-1: no limit).
func (s *spaceCache) set(p peer.ID, free int64) {
	s.put(p, spaceEntry{free: free, known: true, at: s.now()})
}

// refused records that p refused a chunk of need bytes for want of room,
// stating free bytes (-1: it did not say). Either way need does not fit,
// whatever p says: its free bytes do not count the PUTs in flight.
func (s *spaceCache) refused(p peer.ID, need, free int64) {
	if free < 0 || free >= need {
		free = need - 1
	}
	s.set(p, max(free, 0))
}

// failed records that p could not be asked.
func (s *spaceCache) failed(p peer.ID) { s.put(p, spaceEntry{at: s.now()}) }

// maxSpaceEntries is where the cache starts dropping stale entries.
const maxSpaceEntries = 4096

func (s *spaceCache) put(p peer.ID, e spaceEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= maxSpaceEntries {
		for q, old := range s.m {
			if e.at.Sub(old.at) >= s.ttl {
				delete(s.m, q)
			}
		}
	}
	s.m[p] = e
}

// withRoom keeps the peers of ps that have room for a chunk of size bytes,
// in order, then those that could not be asked: they may well have room,
// and a PUT to them will tell. Peers without a fresh word in the cache are
// probed first, a few at once; with a fresh cache it does no I/O. A chunk
// of at most unprobedMax bytes asks no one: the peers without a word come
// after those with room, before those that could not be asked, and of
// them the first `want` not connected are dialled (reach), so that a node
// gone since the routing table (or a client's memory of the last run)
// heard of it goes last, not among the first choices with no spare behind.
// A peer whose dial failed on the way is left out (see noteDial).
func (t *Net) withRoom(ctx context.Context, ps []peer.ID, size int64, want int) []peer.ID {
	need := size + chunkOverhead
	if size <= unprobedMax {
		t.reach(ctx, ps, need, want)
	} else {
		var ask []peer.ID
		for _, p := range ps {
			if t.space.room(p, need) == roomUnknown {
				ask = append(ask, p)
			}
		}
		t.probe(ctx, ask)
	}
	var fit, unknown, unsure []peer.ID
	now := time.Now()
	for _, p := range ps {
		if t.unreach.has(p, now) { // its dial just failed (noteDial)
			continue
		}
		switch t.space.room(p, need) {
		case roomYes:
			fit = append(fit, p)
		case roomNo:
		case roomUnknown: // not asked
			unknown = append(unknown, p)
		default: // the probe failed, or ctx ended before it was done
			unsure = append(unsure, p)
		}
	}
	return append(append(fit, unknown...), unsure...)
}

// reach dials, in order, the peers of ps without a word on their space
// that are not connected, a few at once and each for probeTimeout at
// most, until want of ps are connected or none is left; a peer whose dial
// fails is recorded as one that could not be asked. The dials are the
// ones the PUTs would make.
func (t *Net) reach(ctx context.Context, ps []peer.ID, need int64, want int) {
	h := t.node.Host()
	var dial []peer.ID
	live := 0
	for _, p := range ps {
		switch {
		case h.Network().Connectedness(p) == network.Connected:
			live++
		case t.space.room(p, need) == roomUnknown:
			dial = append(dial, p)
		}
	}
	for len(dial) > 0 && live < want && ctx.Err() == nil {
		batch := dial[:min(len(dial), want-live, probesInFlight)]
		dial = dial[len(batch):]
		var (
			g  errgroup.Group
			ok atomic.Int32
		)
		for _, p := range batch {
			g.Go(func() error {
				dctx, cancel := context.WithTimeout(ctx, probeTimeout)
				defer cancel()
				if err := h.Connect(dctx, peer.AddrInfo{ID: p}); err != nil {
					if ctx.Err() == nil {
						t.log.Debug("placement dial failed", "peer", p, "err", err)
						t.space.failed(p)
						t.noteDial(p, err)
						// Out of the table and its addresses forgotten: a
						// lookup then starts from peers that answer and
						// learns where p is now, if it is anywhere.
						t.node.DHT().RoutingTable().RemovePeer(p)
						h.Peerstore().ClearAddrs(p)
					}
					return nil
				}
				ok.Add(1)
				return nil
			})
		}
		g.Wait()
		live += int(ok.Load())
	}
}

// probe asks each of ps for its free space and records the answers.
func (t *Net) probe(ctx context.Context, ps []peer.ID) {
	var g errgroup.Group
	g.SetLimit(probesInFlight)
	for _, p := range ps {
		g.Go(func() error {
			pctx, cancel := context.WithTimeout(ctx, probeTimeout)
			defer cancel()
			sp, err := t.chunks.Space(pctx, t.node.Host(), p)
			switch {
			case err == nil:
				t.space.set(p, sp.Free)
			case ctx.Err() != nil: // the caller gave up: nothing learnt
			default:
				t.log.Debug("space probe failed", "peer", p, "err", err)
				t.space.failed(p)
				t.noteDial(p, err)
			}
			return nil
		})
	}
	_ = g.Wait()
}

// learn records what a PUT of size bytes to p said of p's free space.
func (t *Net) learn(p peer.ID, size int64, res chunk.PutResult, err error) {
	switch {
	case err == nil && res.Free >= 0:
		t.space.set(p, res.Free)
	case errors.Is(err, store.ErrNoSpace):
		free := int64(-1)
		if re := (*chunk.RemoteError)(nil); errors.As(err, &re) {
			free = re.Free
		}
		t.space.refused(p, size+chunkOverhead, free)
	}
}
