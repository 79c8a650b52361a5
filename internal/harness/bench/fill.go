package bench

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/store"
)

// Fill is the phase that loads one node process with many small chunks
// and reads what that costs it in memory: whatever a node keeps per chunk
// it holds (index caches, inventory for proofs, provider records) shows
// here, not in a put of one big file.
//
// The chunks arrive as real PUTs of the chunk protocol from a library
// client, each under its own signed order, rather than being written into
// the node's store before it starts: only the protocol path builds what a
// node really keeps per chunk (orders, provider records it announces, the
// client it learnt), and it is the path a node's chunks take.
type Fill struct {
	Chunks    int           // chunks stored
	ChunkSize int           // bytes each
	Wall      time.Duration // the PUTs' wall time
	PeakRSS   int64         // the node's peak resident bytes during the fill
	RSS       int64         // its resident bytes once the fill was done
}

// fillWorkers is how many PUTs are in flight at once: enough to keep a
// node's group commit busy, and half its per-peer stream limit (streams
// the node has not yet seen closed still count against it).
const fillWorkers = chunk.DefaultMaxStreamsPerPeer / 2

// fill puts n chunks of size bytes on the node process pid whose
// directory is dir.
func fill(ctx context.Context, net *testnet.Network, dir string, pid, n, size int) (*Fill, error) {
	k, err := identity.Load(filepath.Join(dir, node.KeyFile))
	if err != nil {
		return nil, fmt.Errorf("fill: %w", err)
	}
	target := k.PeerID()
	c, err := testclient.Start(ctx, net, nil)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	h, key := c.Node().Host(), c.Node().Key()
	// The coordinator knows every node's addresses; a fresh client's
	// routing table may not hold the target yet.
	ai := net.Coordinator().Node().Host().Peerstore().PeerInfo(target)
	if err := h.Connect(ctx, ai); err != nil {
		return nil, fmt.Errorf("fill: connect to %s: %w", target, err)
	}
	proto := chunk.Client{Protocol: net.Profile.Protocol("chunk", chunk.Version)}
	f := &Fill{Chunks: n, ChunkSize: size}
	resetPeakRSS(pid)
	start := time.Now()
	var next atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	for range fillWorkers {
		g.Go(func() error {
			data := make([]byte, size)
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				binary.BigEndian.PutUint64(data, uint64(i)) // each chunk its own bytes, and so its own ID
				binary.BigEndian.PutUint64(data[8:], uint64(start.UnixNano()))
				o := chunk.Order{Chunk: store.Sum(data), Size: int64(size), Expiry: time.Now().Add(24 * time.Hour), K: 1}
				if err := chunk.SignOrder(key, &o); err != nil {
					return err
				}
				if _, err := proto.Put(gctx, h, target, o, bytes.NewReader(data)); err != nil {
					return fmt.Errorf("fill: chunk %d: %w", i, err)
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	f.Wall = time.Since(start)
	f.PeakRSS, f.RSS = peakRSS(pid), currentRSS(pid)
	return f, nil
}
