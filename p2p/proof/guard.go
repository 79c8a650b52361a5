package proof

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/internal/atomicfile"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/store"
)

// Guard returns st as the chunk service should see it, so that a chunk
// deleted by its owner after the node committed to it does not look lost
// when the beacon samples it: a Delete of a chunk the outstanding
// commitment holds (or one being built) is deferred, the bytes kept until
// the next commitment, which leaves it out, replaces it (see doc.go,
// "Deletes"). Meanwhile the chunk is gone for every reader of the
// returned store (Stat, Has, Get, Iterate), and its owner may put it
// again, which cancels the delete. st must be the store the prover reads.
func (p *Prover) Guard(st store.Store) store.Store {
	p.mu.Lock()
	p.deleter = st
	p.mu.Unlock()
	g := &guarded{Store: st, p: p}
	if q, ok := st.(store.Quarantiner); ok {
		return &guardedQ{guarded: g, q: q}
	}
	return g
}

type guarded struct {
	store.Store
	p *Prover
}

type guardedQ struct {
	*guarded
	q store.Quarantiner
}

func (g *guardedQ) Quarantine(ctx context.Context, id cid.Cid, why error) error {
	if g.p.isPending(id) {
		return fmt.Errorf("quarantine chunk %s: %w", id, store.ErrNotFound)
	}
	return g.q.Quarantine(ctx, id, why)
}

func (g *guarded) Delete(ctx context.Context, id cid.Cid) error { return g.p.Delete(ctx, id) }

func (g *guarded) Has(ctx context.Context, id cid.Cid) (bool, error) {
	if g.p.isPending(id) {
		return false, nil
	}
	return g.Store.Has(ctx, id)
}

func (g *guarded) Stat(ctx context.Context, id cid.Cid) (store.Info, error) {
	if g.p.isPending(id) {
		return store.Info{}, fmt.Errorf("stat chunk %s: %w", id, store.ErrNotFound)
	}
	return g.Store.Stat(ctx, id)
}

func (g *guarded) Get(ctx context.Context, id cid.Cid, off, length int64) (io.ReadCloser, error) {
	if g.p.isPending(id) {
		return nil, fmt.Errorf("get chunk %s: %w", id, store.ErrNotFound)
	}
	return g.Store.Get(ctx, id, off, length)
}

func (g *guarded) Iterate(ctx context.Context, after cid.Cid, fn func(store.Info) error) error {
	return g.Store.Iterate(ctx, after, func(info store.Info) error {
		if g.p.isPending(info.ID) {
			return nil
		}
		return fn(info)
	})
}

// Put of a chunk whose delete is deferred: by the same client, the delete
// is cancelled and the chunk is there again (ErrExists: the chunk service
// answers with the order it holds); by another, the old chunk goes now
// and the new one is stored.
func (g *guarded) Put(ctx context.Context, id cid.Cid, size int64, r io.Reader, meta []byte) error {
	if g.p.isPending(id) {
		info, err := g.Store.Stat(ctx, id)
		if err == nil && sameClient(info.Meta, meta) {
			g.p.unpend(id)
			return fmt.Errorf("put chunk %s: %w", id, store.ErrExists)
		}
		g.p.unpend(id)
		if err := g.Store.Delete(ctx, id); err != nil && !store.IsNotFound(err) {
			return err
		}
	}
	return g.Store.Put(ctx, id, size, r, meta)
}

func sameClient(held, put []byte) bool {
	a, err1 := chunk.UnmarshalOrder(held)
	b, err2 := chunk.UnmarshalOrder(put)
	return err1 == nil && err2 == nil && a.Client == b.Client
}

// Delete removes chunk id from the store Guard was given, now if no
// commitment can be challenged on it, else once the commitment that
// leaves it out has replaced the one that holds it.
func (p *Prover) Delete(ctx context.Context, id cid.Cid) error {
	p.mu.Lock()
	d := p.deleter
	defer p.mu.Unlock()
	if d == nil {
		return fmt.Errorf("delete chunk %s: the prover guards no store", id)
	}
	if _, ok := p.pending[id.KeyString()]; ok {
		return fmt.Errorf("delete chunk %s: %w", id, store.ErrNotFound)
	}
	if p.building || p.holds(id) {
		if ok, err := d.Has(ctx, id); err != nil || !ok {
			return fmt.Errorf("delete chunk %s: %w", id, store.ErrNotFound)
		}
		p.pending[id.KeyString()] = id
		if err := p.savePending(); err != nil {
			delete(p.pending, id.KeyString())
			return fmt.Errorf("delete chunk %s: %w", id, err)
		}
		return nil
	}
	return d.Delete(ctx, id)
}

// maxPending bounds the deferred deletes a Pending file may name when it
// is read back.
const maxPending = 1 << 20

// loadPending reads the deferred deletes a previous run left in
// cfg.Pending: they stay hidden and are carried out by the first
// commitment installed. A missing file is none; a line that is not a
// chunk ID is skipped.
func (p *Prover) loadPending() error {
	if p.cfg.Pending == "" {
		return nil
	}
	b, err := os.ReadFile(p.cfg.Pending)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read deferred deletes: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || len(p.pending) >= maxPending {
			continue
		}
		id, err := cid.Decode(line)
		if err != nil || store.CheckID(id) != nil {
			p.log.Warn("deferred deletes: a line that is not a chunk ID skipped")
			continue
		}
		p.pending[id.KeyString()] = id
	}
	return nil
}

// savePending writes the deferred deletes to cfg.Pending (atomically,
// synced), or removes it when there are none. Called with p.mu held.
func (p *Prover) savePending() error {
	if p.cfg.Pending == "" {
		return nil
	}
	if len(p.pending) == 0 {
		if err := os.Remove(p.cfg.Pending); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	var b strings.Builder
	for _, id := range p.pending {
		b.WriteString(id.String())
		b.WriteByte('\n')
	}
	return atomicfile.Write(p.cfg.Pending, []byte(b.String()), 0o600)
}

func (p *Prover) isPending(id cid.Cid) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.pending[id.KeyString()]
	return ok
}

func (p *Prover) unpend(id cid.Cid) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.pending[id.KeyString()]; !ok {
		return
	}
	delete(p.pending, id.KeyString())
	if err := p.savePending(); err != nil {
		p.log.Warn("save deferred deletes", "err", err)
	}
}

// holds reports whether a commitment the node may still be asked about
// holds chunk id: the outstanding one, or the one the last proof
// answered. Called with p.mu held.
func (p *Prover) holds(id cid.Cid) bool {
	for _, s := range []*snapshot{p.snap, p.proven} {
		if s != nil && s.has(id) {
			return true
		}
	}
	return false
}

// install makes s the outstanding commitment and carries out the
// deferred deletes that no commitment the node may still be asked about
// holds. After a proof (answered), the commitment s replaces is the
// proven one: the coordinator may spot-check its samples until the
// node's next proof. Called with p.mu held.
func (p *Prover) install(ctx context.Context, s *snapshot, answered bool) {
	p.proven = nil
	if answered {
		p.proven = p.snap
	}
	p.snap, p.building = s, false
	if p.deleter == nil {
		return
	}
	done := 0
	for k, id := range p.pending {
		if p.holds(id) {
			continue
		}
		if err := p.deleter.Delete(ctx, id); err != nil && !store.IsNotFound(err) {
			p.log.Warn("deferred delete failed", "chunk", id, "err", err)
			continue // asked again at the next commitment
		}
		delete(p.pending, k)
		done++
	}
	if done > 0 {
		if err := p.savePending(); err != nil {
			p.log.Warn("save deferred deletes", "err", err)
		}
	}
}

// has reports whether the snapshot holds chunk id. Entries are in CID
// byte order, which for chunk IDs (one fixed prefix) is digest order.
func (s *snapshot) has(id cid.Cid) bool {
	d, err := store.Digest(id)
	if err != nil {
		return false
	}
	i := sort.Search(len(s.entries), func(i int) bool { return bytes.Compare(s.entries[i].digest[:], d[:]) >= 0 })
	return i < len(s.entries) && s.entries[i].digest == d
}
