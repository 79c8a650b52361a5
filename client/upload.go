package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
	"golang.org/x/sync/errgroup"

	"github.com/scatterbytes/scatterbytes/client/catalog"
	"github.com/scatterbytes/scatterbytes/client/manifest"
	"github.com/scatterbytes/scatterbytes/client/stream"
	"github.com/scatterbytes/scatterbytes/internal/offheap"
	"github.com/scatterbytes/scatterbytes/p2p/erasure"
	"github.com/scatterbytes/scatterbytes/p2p/shard"
	"github.com/scatterbytes/scatterbytes/store"
)

// PutOptions shape one upload.
type PutOptions struct {
	// Volume and Name file the upload in the catalog; an empty Name files
	// nothing (the reference is the only way back).
	Volume, Name string
	// Redundancy is "k+m"; "" means the client's default.
	Redundancy string
	// ResumeID names the upload's journal: a later Put with the same ID,
	// size and redundancy resumes it. "" disables resuming. PutFile sets it.
	ResumeID string
	// Compress seals a zstd stream of the file instead of the file itself.
	// It pays off for text and logs; ranged reads of a compressed file
	// decompress from its start.
	Compress bool
	// Progress, if set, is called with the plaintext bytes stored so far.
	Progress func(done int64)
	// KeepReplaced leaves the data of the version a named Put replaces on
	// the nodes (until its orders expire), for a reference to it that was
	// shared. By default that version is deleted once the new one is
	// filed: a replaced file stops taking space, as a removed one does.
	KeepReplaced bool

	path string // the file's absolute path, set by PutFile
}

// PutFile stores the file at path, resumably, and files it under its base
// name unless opts.Name says otherwise.
func (c *Client) PutFile(ctx context.Context, path string, opts PutOptions) (manifest.Ref, error) {
	f, err := os.Open(path)
	if err != nil {
		return manifest.Ref{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return manifest.Ref{}, err
	}
	if opts.Name == "" {
		opts.Name = filepath.Base(path)
	}
	opts.path, _ = filepath.Abs(path)
	if opts.ResumeID == "" {
		opts.ResumeID = fmt.Sprintf("%s|%d|%d", opts.path, st.Size(), st.ModTime().UnixNano())
	}
	return c.Put(ctx, f, st.Size(), opts)
}

// Put stores exactly size bytes read from r and returns the reference.
// With a ResumeID, an upload that fails having stored anything is left
// unfinished (see Unfinished): the same Put resumes it, RemoveUnfinished
// frees what it stored.
func (c *Client) Put(ctx context.Context, r io.Reader, size int64, opts PutOptions) (_ manifest.Ref, err error) {
	if opts.Volume == "" {
		opts.Volume = catalog.DefaultVolume
	}
	if opts.Name != "" {
		// Refused before a byte is sent, not once the file is stored.
		if err := catalog.CheckName(opts.Volume, opts.Name); err != nil {
			return manifest.Ref{}, err
		}
	}
	red, err := c.cfg.redundancy()
	if opts.Redundancy != "" {
		red, err = erasure.ParseRedundancy(opts.Redundancy)
	}
	if err != nil {
		return manifest.Ref{}, err
	}
	// The standings are asked of the coordinator while the journal is
	// synced and the file sealed. Waited for on the way out: at once
	// after a placement (which waited for them), up to the standings'
	// 5 s timeout after a put that failed before placing.
	defer c.shards.Warm(ctx)()
	j, err := c.loadJournal(ctx, opts, size, red.String())
	if err != nil {
		return manifest.Ref{}, err
	}
	defer func() {
		if err != nil {
			c.leaveJournal(ctx, j)
		}
	}()
	plainSize := size
	if opts.Compress {
		var cleanup func()
		if r, size, cleanup, err = c.compress(r, size); err != nil {
			return manifest.Ref{}, err
		}
		defer cleanup()
	}
	layout, err := erasure.NewLayout(red.K, red.M, stream.SealedSize(size), c.cfg.MaxShard)
	if err != nil {
		return manifest.Ref{}, err
	}
	j.Total = layout.Stripes()
	// Saved before any chunk is sent, so that an upload stopped even by a
	// crash is listed as unfinished.
	if err := c.saveJournal(ctx, j); err != nil {
		return manifest.Ref{}, err
	}
	m := &manifest.Manifest{
		Name: opts.Name, Size: plainSize, Compressed: opts.Compress, SegmentSize: stream.SegmentSize, CipherSize: layout.Size,
		K: red.K, M: red.M, ShardSize: layout.ShardSize,
		Stripes: make([]manifest.Stripe, layout.Stripes()), Created: time.Now(),
	}
	if layout.Size <= c.cfg.InlineMax && plainSize > 0 {
		if m.Data, err = sealAll(r, j, size, layout.Size); err != nil {
			return manifest.Ref{}, err
		}
		m.Stripes = nil
	} else if err := c.putStripes(ctx, r, size, layout, j, m, opts); err != nil {
		return manifest.Ref{}, err
	}
	ref, rootHolders, mchunks, err := c.putManifest(ctx, m, j)
	if err != nil {
		return manifest.Ref{}, err
	}
	if m.Inline() && opts.Progress != nil {
		opts.Progress(plainSize)
	}
	if opts.Name != "" {
		prev, perr := c.cat.Get(ctx, opts.Volume, opts.Name)
		e := catalog.Entry{Volume: opts.Volume, Name: opts.Name, Ref: ref, Size: plainSize, Redundancy: red.String(), Created: m.Created,
			RootHolders: rootHolders[:min(len(rootHolders), catalog.MaxRootHolders)]}
		// With no strays to delete first, the entry and the end of the
		// journal are one write.
		file := func() error { return c.cat.Put(ctx, e) }
		if opts.ResumeID != "" && len(j.Strays) == 0 {
			file = func() error { return c.cat.File(ctx, e, opts.ResumeID) }
		}
		if err := file(); err != nil {
			return ref, fmt.Errorf("stored, but not filed in the catalog: %w", err)
		}
		if perr == nil && !opts.KeepReplaced && prev.Ref.Manifest != ref.Manifest {
			c.freeReplaced(ctx, prev, m, mchunks)
		}
	}
	c.deleteStrays(ctx, j, m)
	if opts.ResumeID != "" && (opts.Name == "" || len(j.Strays) > 0) {
		_ = c.cat.DeleteJournal(ctx, opts.ResumeID)
	}
	return ref, nil
}

// sealAll seals the size bytes of r whole, into sealed bytes: a file
// stored in its manifest.
func sealAll(r io.Reader, j *journal, size, sealed int64) ([]byte, error) {
	b := make([]byte, sealed)
	if err := stream.NewSealer(r, j.key, size).Fill(b); err != nil {
		if errors.Is(err, stream.ErrShortSource) {
			err = fmt.Errorf("%w: %v", ErrChanged, err)
		}
		return nil, err
	}
	return b, nil
}

// putStripes seals r, cuts it into stripes and uploads them, a few at once.
func (c *Client) putStripes(ctx context.Context, r io.Reader, size int64, layout erasure.Layout,
	j *journal, m *manifest.Manifest, opts PutOptions) error {
	coder, err := erasure.NewCoder(layout)
	if err != nil {
		return err
	}
	coder.PadWith(padding(j.key))
	// The striper seals the file straight into stripe buffers.
	sealer := stream.NewSealer(r, j.key, size)
	g, ctx := errgroup.WithContext(ctx)
	var (
		mu   sync.Mutex
		done int64
	)
	// A free list of stripe buffers bounds memory to StripesInFlight
	// stripes being uploaded plus the one being read, and recycles them.
	// They live outside the Go heap (see internal/offheap) and are freed
	// after g.Wait: every goroutine that could touch them has returned by
	// then, the uploads that place cancelled included.
	var bufs offheap.Buffers
	defer bufs.Free()
	free := make(chan []byte, c.cfg.StripesInFlight+1)
	for range c.cfg.StripesInFlight + 1 {
		free <- nil // allocated on first use: a small file needs small buffers
	}
	g.Go(func() error { // the striper: reads stripes in order, uploads in parallel
		for i := range layout.Stripes() {
			st := layout.Stripe(i)
			var buf []byte
			select {
			case buf = <-free:
			case <-ctx.Done():
				return ctx.Err()
			}
			if buf == nil {
				buf = bufs.Alloc(int(layout.StripeBufferSize()))
			}
			if err := sealer.Fill(buf[:st.Len]); err != nil {
				if errors.Is(err, stream.ErrShortSource) {
					err = fmt.Errorf("%w: %v", ErrChanged, err)
				}
				return fmt.Errorf("stripe %d: %w", i, err)
			}
			mu.Lock()
			shards, ok := j.stripe(i)
			if ok {
				m.Stripes[i] = manifest.Stripe{Shards: shards}
			}
			mu.Unlock()
			if ok {
				free <- buf
				// Placed before the put stopped: tell its holders the
				// placement again, in case the stop came before they
				// were told.
				g.Go(func() error { c.tellPlacement(ctx, shards, layout); return nil })
				continue
			}
			g.Go(func() error {
				defer func() { free <- buf }()
				shards, ids, err := encodeStripe(coder, i, buf, st.Len, encodeBlock)
				if err != nil {
					return err
				}
				placed, err := c.putStripe(ctx, shards, ids, layout)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					j.stray(err)
					return fmt.Errorf("stripe %d: %w", i, err)
				}
				m.Stripes[i] = manifest.Stripe{Shards: placed}
				j.record(i, placed)
				// Saved even when another stripe failed (ctx cancelled):
				// the record is what frees these shards.
				if err := c.saveJournal(context.WithoutCancel(ctx), j); err != nil {
					return err
				}
				done += st.Len
				if opts.Progress != nil {
					opts.Progress(min(done*size/max(layout.Size, 1), size))
				}
				return nil
			})
		}
		return nil
	})
	return g.Wait()
}

// putManifest seals the manifest and stores each of its chunks on M+2
// nodes closest to the chunk's CID, under orders for 1+(M+1), the copies
// repair keeps. It returns the nodes that took the root and the IDs of
// the manifest's chunks.
func (c *Client) putManifest(ctx context.Context, m *manifest.Manifest, j *journal) (manifest.Ref, []peer.ID, []cid.Cid, error) {
	ref, chunks, err := manifest.Seal(m, j.key)
	if err != nil {
		return manifest.Ref{}, nil, nil, err
	}
	copies := m.M + 2
	var (
		rootHolders []peer.ID
		mu          sync.Mutex
		stored      []shard.Sent // chunks stored, strays if another fails
	)
	g, gctx := errgroup.WithContext(ctx)
	for _, ch := range chunks {
		g.Go(func() error {
			holders, err := c.shards.Replicate(gctx, ch.ID, ch.Data, copies, 1, copies-1)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				j.stray(err)
				return fmt.Errorf("store manifest chunk %s: %w", ch.ID, err)
			}
			for _, p := range holders {
				stored = append(stored, shard.Sent{ID: ch.ID, Node: p})
			}
			if ch.ID == ref.Manifest {
				rootHolders = holders
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		for _, s := range stored {
			j.strayChunk(s.ID, s.Node)
		}
		return manifest.Ref{}, nil, nil, err
	}
	ids := make([]cid.Cid, len(chunks))
	for i, ch := range chunks {
		ids[i] = ch.ID
	}
	return ref, rootHolders, ids, nil
}

// putStripe stores the shards of a stripe, named ids, on distinct nodes
// and returns them as the manifest records them.
func (c *Client) putStripe(ctx context.Context, shards [][]byte, ids []cid.Cid, l erasure.Layout) ([]manifest.Shard, error) {
	holders, err := c.shards.PutStripe(ctx, shards, ids, l.K, l.M)
	if err != nil {
		return nil, err
	}
	out := make([]manifest.Shard, len(shards))
	for k := range shards {
		out[k] = manifest.Shard{ID: ids[k], Holders: [][]byte{[]byte(holders[k])}}
	}
	return out, nil
}

// tellPlacement tells the holders of a stripe placed earlier its
// placement record (shard.Net.TellPlacement), best effort.
func (c *Client) tellPlacement(ctx context.Context, shards []manifest.Shard, l erasure.Layout) {
	ids := make([]cid.Cid, len(shards))
	holders := make([]peer.ID, len(shards))
	for k, s := range shards {
		ids[k] = s.ID
		if len(s.Holders) > 0 {
			holders[k], _ = peer.IDFromBytes(s.Holders[0])
		}
		if holders[k] == "" {
			return
		}
	}
	if rec, ok := shard.Record(ids, l.K, l.M, holders, time.Now()); ok {
		c.shards.TellPlacement(ctx, rec)
	}
}

func parseID(s string) (cid.Cid, error) { return store.ParseID(s) }

// compress writes the zstd stream of r (size bytes) to a temporary file in
// the client directory and returns a reader of it, its size, and a cleanup.
// zstd is deterministic, so a resumed upload seals the same bytes again.
func (c *Client) compress(r io.Reader, size int64) (io.Reader, int64, func(), error) {
	tmp, err := os.CreateTemp(c.cfg.Dir, "put-*.zst")
	if err != nil {
		return nil, 0, nil, err
	}
	cleanup := func() { tmp.Close(); os.Remove(tmp.Name()) }
	zw, err := stream.Compress(tmp)
	if err == nil {
		var n int64
		n, err = io.Copy(zw, io.LimitReader(r, size))
		if err == nil && n != size {
			err = fmt.Errorf("%w: read %d of %d bytes", ErrChanged, n, size)
		}
		if cerr := zw.Close(); err == nil {
			err = cerr
		}
	}
	var csize int64
	if err == nil {
		csize, err = tmp.Seek(0, io.SeekCurrent)
	}
	if err == nil {
		_, err = tmp.Seek(0, io.SeekStart)
	}
	if err != nil {
		cleanup()
		return nil, 0, nil, fmt.Errorf("compress: %w", err)
	}
	return tmp, csize, cleanup, nil
}

// freeReplaced deletes the data of prev, the catalog entry a Put of m
// (its manifest stored as the chunks mchunks) replaced, keeping any chunk
// the new version shares with it. A failure costs only space until prev's
// orders expire, so it is logged, not returned: the new version is stored
// and filed.
func (c *Client) freeReplaced(ctx context.Context, prev catalog.Entry, m *manifest.Manifest, mchunks []cid.Cid) {
	keep := map[string]bool{}
	for _, id := range mchunks {
		keep[id.KeyString()] = true
	}
	for _, st := range m.Stripes {
		for _, s := range st.Shards {
			keep[s.ID.KeyString()] = true
		}
	}
	if err := c.deleteData(ctx, prev, keep); err != nil {
		c.log.Warn("the replaced version's data stays until its orders expire", "volume", prev.Volume, "name", prev.Name, "err", err)
	}
}
