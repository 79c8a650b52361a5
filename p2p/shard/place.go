package shard

import (
	"context"
	"fmt"
	"time"

	kb "github.com/libp2p/go-libp2p-kbucket"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
)

// Candidates returns storage nodes for a stripe or chunk keyed by key, in
// DHT distance order: at least need of them, or ErrNotEnoughNodes (with
// those found), wrapping ErrNoSpace too when there are need nodes but too
// few with room for size bytes. The Net's own node, the coordinator and verified peers of
// another role are left out; so is every peer in exclude (which may be
// nil).
//
// The nodes come from the node's own routing table, closest to key
// first, when it holds enough of them: placement needs distinct nodes
// spread over the key space, not the network-wide closest ones (the
// manifest names every holder), and a lookup per stripe cost 20–50 ms on
// the upload's critical path. A table too short for need falls back to
// a DHT lookup, and so does need = 0: a read looking for a chunk's holders
// beyond the manifest wants the peers closest to it network-wide.
//
// With size > 0 the nodes are to store chunks of size bytes: those known
// to lack the room are left out, and those that could not be asked come
// last (see withRoom). A fresh space cache costs no round trip.
func (t *Net) Candidates(ctx context.Context, key string, need int, size int64, exclude map[peer.ID]bool) ([]peer.ID, error) {
	if err := t.Connected(ctx); err != nil {
		return nil, err
	}
	d := t.node.DHT()
	st := t.standings(ctx, size)
	write := need > 0
	table := t.storageNodes(d.RoutingTable().NearestPeers(kb.ConvertKey(key), tableCandidates), exclude, write)
	a := admit(st, t.filter(ctx, table, size, need), need)
	if need > 0 && t.usable(a.peers, size) >= need {
		t.warnVetting(a, need)
		return a.withSpares(), nil
	}
	if need > 0 {
		// The table's peers did not answer (gone since it heard of
		// them): look up through one that does.
		if err := t.live(ctx); err != nil {
			return nil, err
		}
	}
	closest, cut, err := t.lookup(ctx, key, need, exclude)
	if err != nil {
		return nil, fmt.Errorf("find storage nodes: %w", err)
	}
	all := t.storageNodes(union(closest, table), exclude, write)
	a = admit(st, t.filter(ctx, all, size, need), need)
	if t.usable(a.peers, size) < need && cut {
		// Too few among the peers that answered first, counting only
		// those a PUT can count on: wait for the whole lookup (and so for
		// every dial) before giving up, noting the peers it cannot reach.
		if closest, _, err = t.closestReachable(ctx, key, func([]peer.ID) bool { return false }); err != nil {
			return nil, fmt.Errorf("find storage nodes: %w", err)
		}
		all = t.storageNodes(union(closest, all), exclude, write)
		a = admit(st, t.filter(ctx, all, size, need), need)
	}
	out := a.peers
	if len(out) < need {
		// Not those whose dial failed in withRoom: out of reach, not of space.
		all = t.storageNodes(all, exclude, write)
		unreach := t.unreach.describe(time.Now())
		switch {
		case size > 0 && len(all) >= need && a.excluded+a.vetting == 0:
			return out, fmt.Errorf("%w (%w): %d of %d with room for %d bytes, %d needed%s",
				ErrNotEnoughNodes, ErrNoSpace, len(out), len(all), size, need, unreach)
		case size > 0:
			return out, fmt.Errorf("%w: %d with room for %d bytes found, %d needed%s%s", ErrNotEnoughNodes, len(out), size, need, a.passedOver(), unreach)
		}
		return out, fmt.Errorf("%w: %d found, %d needed%s", ErrNotEnoughNodes, len(out), need, unreach)
	}
	t.warnVetting(a, need)
	return a.withSpares(), nil
}

// lookup finds the storage nodes closest to key for a placement of need
// shards without waiting on any one node's dial (closestReachable); a
// read (need 0) waits for the whole lookup, to find holders wherever
// they are.
func (t *Net) lookup(ctx context.Context, key string, need int, exclude map[peer.ID]bool) (_ []peer.ID, cut bool, _ error) {
	if need <= 0 {
		ps, err := t.node.DHT().GetClosestPeers(ctx, key)
		return ps, false, err
	}
	return t.closestReachable(ctx, key, func(heard []peer.ID) bool {
		return len(t.storageNodes(heard, exclude, true)) >= need
	})
}

// usable counts the peers of ps a write of size bytes may count on: not
// those that could not be asked or dialled (withRoom puts them last).
func (t *Net) usable(ps []peer.ID, size int64) int {
	n := 0
	for _, p := range ps {
		if size <= 0 || t.space.room(p, size+chunkOverhead) != roomUnsure {
			n++
		}
	}
	return n
}

// live waits, for 30 seconds at most, until the node is connected to a
// verified peer: a lookup asks its routing table's peers, and those a
// client remembered from its last run may all be gone, while the
// bootstrap round finds the network.
func (t *Net) live(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return wait.For(ctx, func() error {
		for _, p := range t.node.Host().Network().Peers() {
			if _, ok := t.node.Gate().Verified(p); ok {
				return nil
			}
		}
		return fmt.Errorf("%w: %w: connected to no verified peer", ErrNotEnoughNodes, ErrNoPeers)
	})
}

// filter is withRoom, or nothing when size is 0 (a read).
func (t *Net) filter(ctx context.Context, ps []peer.ID, size int64, need int) []peer.ID {
	if size <= 0 {
		return ps
	}
	return t.withRoom(ctx, ps, size, need)
}

// union is a followed by the peers of b not in a.
func union(a, b []peer.ID) []peer.ID {
	seen := make(map[peer.ID]bool, len(a))
	out := make([]peer.ID, 0, len(a)+len(b))
	for _, p := range append(a[:len(a):len(a)], b...) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// tableCandidates is how many routing-table peers a placement considers:
// a k-bucket's worth, so failures and hedges have spares.
const tableCandidates = 20

// storageNodes keeps the peers of ps that may hold chunks, in order; for a
// write, not those a lookup lately failed to reach (a read or a delete
// tries every holder).
func (t *Net) storageNodes(ps []peer.ID, exclude map[peer.ID]bool, write bool) []peer.ID {
	var out []peer.ID
	now := time.Now()
	for _, p := range ps {
		if p == t.node.ID() || p == t.coord || exclude[p] || (write && t.unreach.has(p, now)) {
			continue
		}
		if m, ok := t.node.Gate().Verified(p); ok && m.Role != cert.RoleNode {
			continue
		}
		out = append(out, p)
	}
	return out
}
