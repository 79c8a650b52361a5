package soak

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
	"github.com/scatterbytes/scatterbytes/store"
)

// The disk store's layout (store/disk's doc.go) under a node directory.
func storeDir(node string) string { return filepath.Join(node, storage.ChunksDir) }

func chunkPath(node string, id cid.Cid) string {
	d, _ := store.Digest(id)
	return filepath.Join(storeDir(node), "chunks", fmt.Sprintf("%02x", d[0]), id.String())
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// chunkFiles lists the chunk files in node's store, by CID string.
func chunkFiles(node string) (map[string]bool, error) {
	out := map[string]bool{}
	shards, err := os.ReadDir(filepath.Join(storeDir(node), "chunks"))
	if err != nil {
		return nil, err
	}
	for _, sh := range shards {
		es, err := os.ReadDir(filepath.Join(storeDir(node), "chunks", sh.Name()))
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			out[e.Name()] = true
		}
	}
	return out, nil
}

// onDisk is what a store holds by its files.
type onDisk struct {
	Bytes, Chunks, Quarantined, Tmp int64
}

func diskUsage(node string) (onDisk, error) {
	var u onDisk
	count := func(dir string, n *int64) error {
		return filepath.WalkDir(filepath.Join(storeDir(node), dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			in, err := d.Info()
			if err != nil {
				return err
			}
			*n++
			if dir != "tmp" {
				u.Bytes += in.Size()
			}
			return nil
		})
	}
	for _, c := range []struct {
		dir string
		n   *int64
	}{{"chunks", &u.Chunks}, {"quarantine", &u.Quarantined}, {"tmp", &u.Tmp}} {
		if err := count(c.dir, c.n); err != nil {
			return u, err
		}
	}
	return u, nil
}

// checkUsage compares each running node's usage counters with its disk,
// waiting a little for puts the clients gave up on to end on the node.
func (s *soak) checkUsage(ctx context.Context) {
	for _, p := range s.net.Running()[1:] {
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := wait.For(wctx, func() error {
			u, err := storeOf(p).Usage(wctx)
			if err != nil {
				return err
			}
			d, err := diskUsage(p.Dir)
			if err != nil {
				return err
			}
			if u.Bytes != d.Bytes || u.Chunks != d.Chunks || u.Quarantined != d.Quarantined || d.Tmp != 0 {
				return fmt.Errorf("usage says %d bytes, %d chunks, %d quarantined; disk has %d bytes, %d chunks, %d quarantined, %d in tmp",
					u.Bytes, u.Chunks, u.Quarantined, d.Bytes, d.Chunks, d.Quarantined, d.Tmp)
			}
			return nil
		})
		cancel()
		if err != nil && ctx.Err() == nil {
			s.fail("node %d: %v", p.Index, err)
		}
	}
}

// checkpoint pauses the clients, checks every running node's usage and
// reads every live file back.
func (s *soak) checkpoint(ctx context.Context) {
	s.gate.Lock()
	defer s.gate.Unlock()
	t0 := time.Now()
	s.checkUsage(ctx)
	n := s.verifyAll(ctx, "checkpoint")
	s.faults.add("checkpoint")
	s.cfg.Logf("soak: checkpoint: %d files read back in %s; ops %s; faults %s; failures %d",
		n, time.Since(t0).Round(time.Millisecond), &s.ops, &s.faults, len(s.failures))
}

// verifyAll reads every live file back, retrying for up to 30s one that
// cannot be read (a node may just have stopped); one still unreadable is a
// failure, since the faults stay within what the redundancy bears.
func (s *soak) verifyAll(ctx context.Context, why string) int {
	n := 0
	for i, f := range s.m.inState(live) {
		c := s.clients[i%len(s.clients)]
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		var last error
		err := wait.For(wctx, func() error {
			rctx, rcancel := context.WithTimeout(wctx, 10*time.Second)
			defer rcancel()
			last = s.verify(rctx, c, f, false, 0, 0)
			return last
		})
		cancel()
		if ctx.Err() != nil {
			return n
		}
		if err != nil {
			s.fail("%s: %s (%d bytes, %s) unreadable: %v", why, f.name, f.size, f.red, last)
			continue
		}
		s.verified.add(why)
		n++
	}
	return n
}

// final brings every node back, empties the filled one, waits for the
// network and checks everything: live files, deleted files, usage.
func (s *soak) final(ctx context.Context) {
	s.nmu.Lock()
	down, full := s.down, s.full
	s.nmu.Unlock()
	if down != 0 {
		s.restart(ctx, down)
	}
	if full != 0 {
		s.unfill(ctx, full)
	}
	rctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := s.net.Ready(rctx); err != nil {
		s.fail("network not ready at the end: %v", err)
	}
	s.gate.Lock()
	defer s.gate.Unlock()
	s.checkUsage(ctx)
	s.verifyAll(ctx, "final")
	for _, f := range s.m.inState(deleted) {
		octx, cancel := context.WithTimeout(ctx, 30*time.Second)
		h, err := s.clients[0].Open(octx, f.ref)
		cancel()
		switch {
		case err == nil && f.clean:
			h.Close()
			s.fail("%s was removed with every node up but still opens", f.name)
		case err == nil:
			h.Close()
			s.verified.add("deleted-still-readable(node down at delete)")
		case f.clean:
			s.verified.add("deleted-gone")
		default:
			s.verified.add("deleted-gone(node down at delete)")
		}
		if err != nil && !errors.Is(err, errNoManifest) {
			s.opError("open-deleted", err)
		}
	}
	s.leftovers()
}
