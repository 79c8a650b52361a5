package soak

import (
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
	"github.com/scatterbytes/scatterbytes/store"
)

// conduct injects a fault every FaultEvery or so, and holds a checkpoint
// every CheckEvery, until ctx ends.
func (s *soak) conduct(ctx context.Context, r *rand.Rand) {
	last := time.Now()
	downTicks := 0
	for {
		d := time.Duration(float64(s.cfg.FaultEvery) * (0.5 + r.Float64()))
		if !wait.Sleep(ctx, d) {
			return
		}
		if time.Since(last) >= s.cfg.CheckEvery {
			// Not cut short when the clients' time ends meanwhile.
			s.checkpoint(context.WithoutCancel(ctx))
			last = time.Now()
		}
		s.nmu.Lock()
		down, full := s.down, s.full
		s.nmu.Unlock()
		if down == 0 {
			downTicks = 0
		} else {
			downTicks++
			if downTicks >= 2 && r.IntN(2) == 0 {
				s.restart(context.WithoutCancel(ctx), down) // checked whole, even at the end
				continue
			}
		}
		t0 := time.Now()
		s.inject(ctx, r, down, full)
		if d := time.Since(t0); d > 20*time.Second {
			s.cfg.Logf("soak: a fault took %s", d.Round(time.Second))
		}
	}
}

// inject injects one fault: a stop, a bit flip, a fill or an unfill.
func (s *soak) inject(ctx context.Context, r *rand.Rand, down, full int) {
	switch p := r.IntN(10); {
	case p < 3 && down == 0:
		s.kill(1 + r.IntN(s.cfg.Nodes))
	case p < 8:
		s.flip(r)
	case p < 9 && full == 0:
		s.fill(ctx, r, 1+r.IntN(s.cfg.Nodes))
	case full != 0:
		s.unfill(ctx, full)
	}
}

// kill stops node i while clients work, and notes the chunk files it
// holds so that its restart can be checked.
func (s *soak) kill(i int) {
	p := s.net.Peer(i)
	s.nmu.Lock()
	s.down, s.stops = i, s.stops+1
	s.nmu.Unlock()
	s.gate.RLock()
	err := p.Stop()
	s.gate.RUnlock()
	s.faults.add("kill")
	if err != nil {
		s.fail("node %d stopped with %v", i, err)
	}
	files, err := chunkFiles(p.Dir)
	if err != nil {
		s.fail("node %d: list chunk files: %v", i, err)
	}
	// Chunks their owners deleted that a commitment still held: the
	// restarted node carries those deletes out, so they are not lost.
	if b, err := os.ReadFile(filepath.Join(p.Dir, storage.PendingDeletesFile)); err == nil {
		for _, id := range strings.Fields(string(b)) {
			delete(files, id)
		}
	}
	s.nmu.Lock()
	s.beforeStop = files
	s.nmu.Unlock()
	s.cfg.Logf("soak: node %d stopped, %d chunk files", i, len(files))
}

// restart starts node i again with the clients paused, and checks that its
// store came back with every chunk file it had (but those flipped).
func (s *soak) restart(ctx context.Context, i int) {
	s.gate.Lock()
	defer s.gate.Unlock()
	p := s.net.Peer(i)
	if err := p.Start(); err != nil {
		s.fail("restart node %d: %v", i, err)
		return
	}
	s.faults.add("restart")
	s.nmu.Lock()
	before := s.beforeStop
	s.down, s.beforeStop = 0, nil
	s.nmu.Unlock()
	have := map[string]bool{}
	err := storeOf(p).Iterate(ctx, cid.Undef, func(in store.Info) error {
		have[in.ID.String()] = true
		return nil
	})
	if err != nil {
		s.fail("node %d: iterate after restart: %v", i, err)
		return
	}
	lost := 0
	for id := range before {
		if !have[id] && !s.m.wasFlippedS(i, id) {
			lost++
		}
	}
	if lost > 0 {
		s.fail("node %d lost %d of %d chunks across a restart", i, lost, len(before))
	}
	s.cfg.Logf("soak: node %d restarted, %d chunks", i, len(have))
}

func storeOf(p *testnet.Peer) store.Store {
	return p.Role().(*storage.Node).Storage().Store()
}

// flip flips one bit of a chunk file of a live file: a shard, or a copy of
// the manifest's root, where the stripe (or the root's copies) can bear it
// with one more node down.
func (s *soak) flip(r *rand.Rand) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	f := s.m.pick(r, live)
	if f == nil || f.man == nil {
		return
	}
	var id cid.Cid
	stripe := -1
	if r.IntN(4) == 0 || len(f.man.Stripes) == 0 { // no stripes: a small file, in its manifest
		if f.rootFlip {
			return
		}
		id = f.ref.Manifest
	} else {
		stripe = r.IntN(len(f.man.Stripes))
		if f.damaged[stripe] >= f.man.M-1 {
			return
		}
		sh := f.man.Stripes[stripe].Shards
		id = sh[r.IntN(len(sh))].ID
	}
	var on []int
	for _, p := range s.net.Nodes() {
		if _, err := os.Stat(chunkPath(p.Dir, id)); err == nil {
			on = append(on, p.Index)
		}
	}
	if len(on) == 0 || (stripe < 0 && len(on) < 3) {
		return
	}
	n := on[r.IntN(len(on))]
	if s.m.flipped[n] == nil {
		s.m.flipped[n] = map[string]bool{}
	}
	if s.m.flipped[n][id.String()] {
		return
	}
	if err := flipBit(chunkPath(s.net.Peer(n).Dir, id), r); err != nil {
		s.fail("flip %s on node %d: %v", id, n, err)
		return
	}
	s.m.flipped[n][id.String()] = true
	if stripe < 0 {
		f.rootFlip = true
		s.faults.add("flip-manifest")
	} else {
		f.damaged[stripe]++
		s.faults.add("flip-shard")
	}
}

// flipBit flips one bit of a chunk file: in the chunk's bytes nine times
// in ten, anywhere past the magic otherwise.
func flipBit(path string, r *rand.Rand) error {
	fh, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return err
	}
	var hdr [6]byte
	if _, err := fh.ReadAt(hdr[:], 0); err != nil {
		return err
	}
	from := int64(6 + binary.BigEndian.Uint16(hdr[4:]))
	if from >= st.Size() || r.IntN(10) == 0 {
		from = 4
	}
	off := from + r.Int64N(st.Size()-from)
	var b [1]byte
	if _, err := fh.ReadAt(b[:], off); err != nil {
		return err
	}
	b[0] ^= 1 << r.IntN(8)
	if _, err := fh.WriteAt(b[:], off); err != nil {
		return err
	}
	return fh.Sync()
}

// fill fills node i's store to capacity (under 512 bytes free) with
// chunks of its own, as if other clients had. A put refused for want of
// room (the clients' puts in flight hold room too) makes the next one
// half as big; at most 64 puts, each fsynced: thousands of small ones
// would take minutes.
func (s *soak) fill(ctx context.Context, r *rand.Rand, i int) {
	s.gate.RLock()
	defer s.gate.RUnlock()
	p := s.net.Peer(i)
	if p.Node() == nil {
		return
	}
	st := storeOf(p)
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], r.Uint64())
	src := rand.NewChaCha8(seed)
	limit := int64(4 << 20)
	for range 64 {
		u, err := st.Usage(ctx)
		if err != nil || u.Free() < 512 {
			break
		}
		n := min(limit, u.Free()-256)
		b := make([]byte, n)
		src.Read(b)
		id := store.Sum(b)
		err = st.Put(ctx, id, n, bytesReader(b), nil)
		if err == nil {
			s.fillers[i] = append(s.fillers[i], id.String())
			continue
		}
		if !errors.Is(err, store.ErrNoSpace) {
			break // stopping, most likely
		}
		limit = max(64, n/2)
	}
	if len(s.fillers[i]) == 0 {
		return
	}
	s.nmu.Lock()
	s.full = i
	s.nmu.Unlock()
	s.faults.add("fill")
	u, _ := st.Usage(ctx)
	s.cfg.Logf("soak: node %d filled: %d of %d bytes in %d chunks", i, u.Bytes, u.Capacity, len(s.fillers[i]))
}

// unfill deletes the fillers of node i (when it runs).
func (s *soak) unfill(ctx context.Context, i int) {
	s.gate.RLock()
	defer s.gate.RUnlock()
	p := s.net.Peer(i)
	if p.Node() == nil {
		return
	}
	st := storeOf(p)
	for _, id := range s.fillers[i] {
		c, _ := cid.Decode(id)
		if err := st.Delete(ctx, c); err != nil && !store.IsNotFound(err) {
			s.fail("node %d: delete filler: %v", i, err)
		}
	}
	delete(s.fillers, i)
	s.nmu.Lock()
	s.full = 0
	s.nmu.Unlock()
	s.faults.add("unfill")
}
