package storage

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
	"golang.org/x/time/rate"

	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/shard"
	"github.com/scatterbytes/scatterbytes/p2p/standing"
)

// mover places chunks on other nodes under orders this node holds for
// them: repair places the shards it rebuilt, an exit the node's own
// chunks. Both draw on one bandwidth budget.
type mover struct {
	s   *Storage
	net *shard.Net
	lim *rate.Limiter
	cur atomic.Pointer[standing.Standings] // what placement passes nodes over by
}

func newMover(s *Storage, bytesPerSec int) (*mover, error) {
	chunks := chunk.Client{Protocol: s.n.Profile().Protocol("chunk", "1.0.0")}
	m := &mover{s: s}
	cfg := shard.DefaultConfig()
	cfg.Standings = m
	// A repair fetches a member from the holders its locate found (the
	// stripe's record, or the DHT already) and, when those fail, rebuilds
	// from another member: a provider lookup is never its best next step.
	// Under load a listed holder slow to answer was hedged with one, a DHT
	// walk for a holder the record already named.
	cfg.NoProviderLookups = true
	// The mover never signs an order: it places chunks under the
	// client's. The Net's key would sign only what it never sends.
	net, err := shard.New(s.n, chunks, s.n.Key(), cfg, s.log.With("part", "move"))
	if err != nil {
		return nil, err
	}
	m.net = net
	m.lim = rate.NewLimiter(rate.Limit(bytesPerSec), max(bytesPerSec, 2*chunk.DefaultMaxChunk))
	return m, nil
}

// take waits until n more bytes fit the budget (a chunk larger than the
// burst takes all of it).
func (m *mover) take(ctx context.Context, n int64) error {
	return m.lim.WaitN(ctx, int(min(n, int64(m.lim.Burst()))))
}

// standings asks the coordinator for the standings; their Epoch is the
// coordinator's epoch as it answered.
func (m *mover) standings(ctx context.Context) (*standing.Standings, error) {
	p := m.s.n.Profile()
	st, err := standing.Fetch(ctx, m.s.n.Host(), p.CoordinatorID(), p.Protocol("standing", "1.0.0"))
	if err != nil {
		return nil, fmt.Errorf("ask the coordinator for the standings: %w", err)
	}
	return st, nil
}

// place puts datas[j] (named ids[j], which o covers) on distinct nodes
// with room that exclude does not name and st does not find lost, under
// o, within the budget, and returns the new holder of each.
func (m *mover) place(ctx context.Context, o chunk.Order, st *standing.Standings, ids []cid.Cid, datas [][]byte, exclude map[peer.ID]bool) ([]peer.ID, error) {
	for _, d := range datas {
		if err := m.take(ctx, int64(len(d))); err != nil {
			return nil, err
		}
	}
	m.cur.Store(st)
	holders, err := m.net.Rehome(ctx, o, ids, datas, exclude)
	m.s.placed(ctx, o, st, ids, holders)
	return holders, err
}

// fetch fetches chunk id of size bytes from one of holders, within the
// budget.
func (m *mover) fetch(ctx context.Context, id cid.Cid, size int64, holders []peer.ID) ([]byte, error) {
	if err := m.take(ctx, size); err != nil {
		return nil, err
	}
	return m.net.Fetch(ctx, shard.Ref{ID: id, Holders: peerBytes(holders)}, make([]byte, size))
}

// Get serves the standings of the pass under way to placement
// (shard.Standings), so that the nodes found lost are the nodes passed
// over.
func (m *mover) Get(context.Context) *standing.Standings { return m.cur.Load() }

func peerBytes(ps []peer.ID) [][]byte {
	out := make([][]byte, len(ps))
	for i, p := range ps {
		out[i] = []byte(p)
	}
	return out
}
