package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/erasure"
	"github.com/scatterbytes/scatterbytes/p2p/shard"
	"github.com/scatterbytes/scatterbytes/p2p/standing"
	"github.com/scatterbytes/scatterbytes/store"
)

// DefaultRepairRate bounds the bytes a node moves for repair (fetched
// and sent together) per second.
const DefaultRepairRate = 16 << 20

// RepairStats counts what a node's repairer did.
type RepairStats struct {
	Passes       int64         // passes run
	Epoch        uint64        // the epoch of the last pass that ended
	Endangered   int64         // stripes (and replicated chunks) found at or below their repair threshold
	Repaired     int64         // of those, repaired by this node
	Rebuilt      int64         // shards rebuilt and placed
	BytesFetched int64         // shard bytes fetched from other holders
	BytesSent    int64         // rebuilt bytes sent to new holders
	Failed       int64         // repairs that failed (tried again next pass)
	Corrupt      int64         // shards found not to hash to their ID, and passed over
	LastPass     time.Duration // how long the last pass took
	Busiest      time.Duration // the longest pass
	LastError    string
}

// repairer restores the redundancy of the stripes this node holds a
// shard of; see the package doc, "Repair".
type repairer struct {
	s    *Storage
	m    *mover
	log  *slog.Logger
	poke chan uint64

	mu    sync.Mutex
	stats RepairStats
}

func newRepairer(s *Storage, m *mover) *repairer {
	return &repairer{s: s, m: m, log: s.log.With("part", "repair"), poke: make(chan uint64, 1)}
}

// kick asks for a pass after the proof of epoch; a pass already asked for
// is replaced by the newer epoch.
func (r *repairer) kick(epoch uint64) {
	for {
		select {
		case r.poke <- epoch:
			return
		default:
		}
		select {
		case <-r.poke:
		default:
		}
	}
}

// run runs a pass after each kick until ctx ends.
func (r *repairer) run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case e := <-r.poke:
			t0 := time.Now()
			err := r.pass(ctx)
			took := time.Since(t0)
			r.mu.Lock()
			r.stats.LastPass, r.stats.Busiest = took, max(r.stats.Busiest, took)
			r.stats.Passes++
			r.stats.Epoch = e
			if err != nil && ctx.Err() == nil {
				r.stats.LastError = err.Error()
				r.log.Warn("repair pass", "epoch", e, "err", err)
			}
			r.mu.Unlock()
		}
	}
}

func (r *repairer) snapshot() RepairStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats
}

func (r *repairer) count(f func(*RepairStats)) {
	r.mu.Lock()
	f(&r.stats)
	r.mu.Unlock()
}

// pass finds the groups whose holders include a lost node (suspended or
// disqualified at the coordinator) and repairs those this node is the
// designated repairer of, the most endangered first.
func (r *repairer) pass(ctx context.Context) error {
	p := r.s.n.Profile()
	st, err := r.m.standings(ctx)
	if err != nil {
		return err
	}
	if !anyLost(st) {
		return nil // no node lost: nothing to repair, and no lookups
	}
	var todo []*group
	// The groups a batch at a time, each batch's holders eight groups at
	// once (the lookups wait on the network, not the CPU).
	err = eachGroups(ctx, r.s.st, func(gs []*group, _ int) error {
		if err := r.s.locateAll(ctx, gs, st); err != nil {
			return err // ctx ended
		}
		for _, g := range gs {
			at := p.RepairAt(g.order.K, g.order.M)
			if g.copies {
				at = g.target() - 1
			}
			if g.healthy >= g.target() || g.healthy > at {
				continue
			}
			r.count(func(s *RepairStats) { s.Endangered++ })
			if r.designated(g) {
				todo = append(todo, g)
			}
		}
		if len(todo) > maxRepairQueue {
			// Memory stays bounded however much was lost: the most
			// endangered are kept, the rest wait for the next pass.
			sortEndangered(todo)
			clear(todo[maxRepairQueue:])
			todo = todo[:maxRepairQueue]
		}
		return nil
	})
	if ctx.Err() != nil {
		return nil
	}
	if err != nil {
		return err
	}
	sortEndangered(todo)
	var errs []error
	for _, g := range todo {
		if err := r.repair(ctx, g, st); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			r.count(func(s *RepairStats) { s.Failed++ })
			errs = append(errs, fmt.Errorf("stripe of %s: %w", g.members[0], err))
			continue
		}
		r.count(func(s *RepairStats) { s.Repaired++ })
	}
	return errors.Join(errs...)
}

// maxRepairQueue bounds the stripes a pass keeps to repair: at about a
// kilobyte each, a few megabytes.
const maxRepairQueue = 4096

// sortEndangered puts the most endangered first: the fewest healthy
// shards above k.
func sortEndangered(gs []*group) {
	sort.SliceStable(gs, func(i, j int) bool {
		return gs[i].healthy-gs[i].order.K < gs[j].healthy-gs[j].order.K
	})
}

func anyLost(st *standing.Standings) bool {
	for _, e := range st.ByPeer {
		if e.State.Excluded() {
			return true
		}
	}
	return false
}

// designated reports whether this node repairs g: the healthy holder with
// the lowest peer ID of the first member that has one. Every holder that
// sees the same records and standings picks the same one, so no stripe is
// repaired twice at once; views that differ cost at most a duplicate copy
// (a node that already holds a shard answers HAVE and takes no bytes).
func (r *repairer) designated(g *group) bool {
	for _, hs := range g.holders {
		if len(hs) > 0 {
			return hs[0] == r.s.n.ID()
		}
	}
	return false
}

// repair rebuilds g's missing members (copies: the missing copies) and
// places them on nodes that hold no part of g.
func (r *repairer) repair(ctx context.Context, g *group, st *standing.Standings) error {
	exclude := g.exclusion(r.s.n.ID())
	if g.copies {
		data, err := r.readOwn(ctx, g.members[0])
		if err != nil {
			return err
		}
		need := g.target() - g.healthy
		ids, datas := make([]cid.Cid, need), make([][]byte, need)
		for i := range ids {
			ids[i], datas[i] = g.members[0], data
		}
		return r.place(ctx, g, st, ids, datas, exclude)
	}
	k, m, size := g.order.K, g.order.M, g.order.Size
	shards := make([][]byte, k+m)
	var missing []int
	for i, hs := range g.holders {
		if len(hs) == 0 {
			missing = append(missing, i)
		}
	}
	// k shards: this node's own first (no transfer), then the others in
	// stripe order; a shard that cannot be had is replaced by the next.
	have := 0
	for _, id := range g.mine {
		if have == k {
			break
		}
		i := g.order.Shard(id)
		if b, err := r.readOwn(ctx, id); err == nil {
			shards[i] = b
			have++
		} else {
			r.log.Warn("own shard unreadable for repair", "chunk", id, "err", err)
		}
	}
	for i := 0; i < k+m && have < k; i++ {
		if shards[i] != nil || len(g.holders[i]) == 0 {
			continue
		}
		b, err := r.m.fetch(ctx, g.members[i], size, g.holders[i])
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.log.Debug("fetch for repair", "chunk", g.members[i], "err", err)
			continue // another member will do
		}
		r.count(func(s *RepairStats) { s.BytesFetched += size })
		shards[i] = b
		have++
	}
	if have < k {
		return fmt.Errorf("%w: %d of %d shards to be had, %d needed", shard.ErrUnavailable, have, k+m, k)
	}
	l := erasure.Layout{K: k, M: m, ShardSize: size, Size: int64(k) * size}
	coder, err := erasure.NewCoder(l)
	if err != nil {
		return err
	}
	if err := coder.Repair(0, shards); err != nil {
		return err
	}
	ids, datas := make([]cid.Cid, 0, len(missing)), make([][]byte, 0, len(missing))
	for _, i := range missing {
		// The inputs were checked against their IDs; so is the output,
		// which holds only if the stripe really is what its order says.
		if got := store.Sum(shards[i]); !got.Equals(g.members[i]) {
			return fmt.Errorf("rebuilt shard %d hashes to %s, not %s: the stripe's shards do not belong together", i, got, g.members[i])
		}
		ids, datas = append(ids, g.members[i]), append(datas, shards[i])
	}
	return r.place(ctx, g, st, ids, datas, exclude)
}

// place puts the rebuilt shards on new nodes under g's order, within the
// repair bandwidth.
func (r *repairer) place(ctx context.Context, g *group, st *standing.Standings, ids []cid.Cid, datas [][]byte, exclude map[peer.ID]bool) error {
	if len(ids) == 0 {
		return nil
	}
	holders, err := r.m.place(ctx, g.order, st, ids, datas, exclude)
	if err != nil {
		return err
	}
	var n int64
	for _, d := range datas {
		n += int64(len(d))
	}
	r.count(func(s *RepairStats) { s.Rebuilt += int64(len(ids)); s.BytesSent += n })
	r.log.Info("repaired", "stripe", g.members[0], "shards", len(ids), "holders", holders)
	return nil
}

// readOwn is Storage.readOwn, counting what it finds corrupt.
func (r *repairer) readOwn(ctx context.Context, id cid.Cid) ([]byte, error) {
	b, err := r.s.readOwn(ctx, id)
	// ErrCorrupt: quarantined by the scrub or a GET; ErrMismatch: found
	// rotten now.
	if errors.Is(err, store.ErrCorrupt) || errors.Is(err, store.ErrMismatch) {
		r.count(func(s *RepairStats) { s.Corrupt++ })
	}
	return b, err
}
