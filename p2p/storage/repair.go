package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
	"golang.org/x/time/rate"

	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/erasure"
	"github.com/scatterbytes/scatterbytes/p2p/shard"
	"github.com/scatterbytes/scatterbytes/p2p/standing"
	"github.com/scatterbytes/scatterbytes/store"
)

// DefaultRepairRate bounds the bytes a node moves for repair (fetched
// and sent together) per second.
const DefaultRepairRate = 16 << 20

// findTimeout bounds one DHT lookup of a shard's holders.
const findTimeout = 10 * time.Second

// maxHolders is how many provider records a lookup waits for: a shard
// has one holder, and a few more after repairs and while a lost holder's
// records live.
const maxHolders = 12

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
	net  *shard.Net
	lim  *rate.Limiter
	log  *slog.Logger
	poke chan uint64
	cur  atomic.Pointer[standing.Standings] // the pass's, for placement

	mu    sync.Mutex
	stats RepairStats
}

func newRepairer(s *Storage, bytesPerSec int) (*repairer, error) {
	chunks := chunk.Client{Protocol: s.n.Profile().Protocol("chunk", "1.0.0")}
	// The repairer never signs an order: it places shards under the
	// client's. The Net's key would sign only what it never sends.
	r := &repairer{s: s, log: s.log.With("part", "repair"), poke: make(chan uint64, 1)}
	cfg := shard.DefaultConfig()
	cfg.Standings = r
	net, err := shard.New(s.n, chunks, s.n.Key(), cfg, r.log)
	if err != nil {
		return nil, err
	}
	r.net = net
	r.lim = rate.NewLimiter(rate.Limit(bytesPerSec), max(bytesPerSec, 2*chunk.DefaultMaxChunk))
	return r, nil
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

// group is what this node holds of one stripe, or of one replicated chunk
// (a stripe of one ID kept in k+m copies).
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

// pass finds the groups whose holders include a lost node (suspended or
// disqualified at the coordinator) and repairs those this node is the
// designated repairer of, the most endangered first.
func (r *repairer) pass(ctx context.Context) error {
	p := r.s.n.Profile()
	st, err := standing.Fetch(ctx, r.s.n.Host(), p.CoordinatorID(), p.Protocol("standing", "1.0.0"))
	if err != nil {
		return fmt.Errorf("ask the coordinator for the standings: %w", err)
	}
	if !anyLost(st) {
		return nil // no node lost: nothing to repair, and no lookups
	}
	groups, err := r.groups(ctx)
	if err != nil {
		return err
	}
	var todo []*group
	for _, g := range groups {
		if ctx.Err() != nil {
			return nil
		}
		r.locate(ctx, g, st)
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
	// The most endangered first: the fewest healthy shards above k.
	sort.SliceStable(todo, func(i, j int) bool {
		return todo[i].healthy-todo[i].order.K < todo[j].healthy-todo[j].order.K
	})
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

func anyLost(st *standing.Standings) bool {
	for _, e := range st.ByPeer {
		if e.State.Excluded() {
			return true
		}
	}
	return false
}

// groups reads the store's orders into the stripes (and replicated
// chunks) this node holds a part of. Expired orders are left to the
// garbage collector.
func (r *repairer) groups(ctx context.Context) ([]*group, error) {
	byKey := map[string]*group{}
	var out []*group
	now := time.Now()
	err := r.s.st.Iterate(ctx, cid.Undef, func(info store.Info) error {
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

// locate finds every member's holders through the DHT's provider records
// and sorts them by st: lost (suspended, disqualified) or healthy.
func (r *repairer) locate(ctx context.Context, g *group, st *standing.Standings) {
	self := r.s.n.ID()
	seen := map[peer.ID]bool{}
	g.holders = make([][]peer.ID, len(g.members))
	g.healthy = 0
	for i, id := range g.members {
		found := map[peer.ID]bool{}
		for _, m := range g.mine {
			if m.Equals(id) {
				found[self] = true
			}
		}
		fctx, cancel := context.WithTimeout(ctx, findTimeout)
		for ai := range r.s.n.DHT().FindProvidersAsync(fctx, id, maxHolders) {
			found[ai.ID] = true
		}
		cancel()
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
	exclude := map[peer.ID]bool{r.s.n.ID(): true}
	for _, p := range g.seen {
		exclude[p] = true
	}
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
		if err := r.lim.WaitN(ctx, int(min(size, int64(r.lim.Burst())))); err != nil {
			return err
		}
		b, err := r.net.Fetch(ctx, shard.Ref{ID: g.members[i], Holders: peerBytes(g.holders[i])}, make([]byte, size))
		if err != nil {
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
	for _, d := range datas {
		if err := r.lim.WaitN(ctx, int(min(int64(len(d)), int64(r.lim.Burst())))); err != nil {
			return err
		}
	}
	r.cur.Store(st)
	holders, err := r.net.Rehome(ctx, g.order, ids, datas, exclude)
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

// readOwn reads a chunk this node holds and checks it against its ID: a
// shard rotten on this disk is not a repair's input.
func (r *repairer) readOwn(ctx context.Context, id cid.Cid) ([]byte, error) {
	rc, err := r.s.st.Get(ctx, id, 0, -1)
	if errors.Is(err, store.ErrCorrupt) { // quarantined by the scrub or a GET
		r.count(func(s *RepairStats) { s.Corrupt++ })
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(rc); err != nil {
		return nil, err
	}
	if got := store.Sum(buf.Bytes()); !got.Equals(id) {
		r.count(func(s *RepairStats) { s.Corrupt++ })
		return nil, fmt.Errorf("%w: own copy of %s hashes to %s", store.ErrMismatch, id, got)
	}
	return buf.Bytes(), nil
}

func peerBytes(ps []peer.ID) [][]byte {
	out := make([][]byte, len(ps))
	for i, p := range ps {
		out[i] = []byte(p)
	}
	return out
}

// Get serves the pass's standings to placement (shard.Standings), so that
// the nodes found lost are the nodes passed over.
func (r *repairer) Get(context.Context) *standing.Standings { return r.cur.Load() }
