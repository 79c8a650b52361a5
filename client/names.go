package client

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/client/catalog"
	"github.com/scatterbytes/scatterbytes/client/keys"
	"github.com/scatterbytes/scatterbytes/client/manifest"
	"github.com/scatterbytes/scatterbytes/p2p/shard"
	"github.com/scatterbytes/scatterbytes/store"
)

// OpenCatalog opens only the catalog of the client in dir, without joining
// the network: enough for listing, finding and sharing names.
func OpenCatalog(dir string, passphrase []byte) (*catalog.Catalog, error) {
	mk, err := keys.LoadMaster(filepath.Join(dir, MasterKeyFile), passphrase)
	if err != nil {
		return nil, err
	}
	return catalog.Open(filepath.Join(dir, CatalogDir), mk)
}

// Resolve turns a reference string or a catalog name into a reference.
func (c *Client) Resolve(ctx context.Context, volume, refOrName string) (manifest.Ref, error) {
	if ref, err := manifest.ParseRef(refOrName); err == nil {
		return ref, nil
	}
	if volume == "" {
		volume = catalog.DefaultVolume
	}
	e, err := c.cat.Get(ctx, volume, refOrName)
	if errors.Is(err, catalog.ErrNotFound) {
		return manifest.Ref{}, fmt.Errorf("%w: %q is neither a reference nor a name in volume %q", ErrNotFound, refOrName, volume)
	}
	if err == nil && len(e.RootHolders) > 0 {
		c.rootHints.Store(e.Ref.Manifest.KeyString(), e.RootHolders)
	}
	return e.Ref, err
}

// Remove deletes the named file: its shards and manifest root from the
// nodes that hold them (freeing their space), then its catalog entry.
// Shards on nodes that cannot be reached now expire with their orders.
func (c *Client) Remove(ctx context.Context, volume, name string) error {
	if volume == "" {
		volume = catalog.DefaultVolume
	}
	e, err := c.cat.Get(ctx, volume, name)
	if errors.Is(err, catalog.ErrNotFound) {
		return fmt.Errorf("%w: %s/%s", ErrNotFound, volume, name)
	}
	if err != nil {
		return err
	}
	if err := c.deleteData(ctx, e, nil); err != nil {
		return err
	}
	return c.cat.Delete(ctx, volume, name)
}

// deleteData deletes the chunks of e's file (its shards, then its
// manifest's chunks) from the nodes that hold them, except those keep names
// (by key string): the chunks of a newer version that shares them. A
// shard's holders are those the manifest lists and those its stripe's
// placement record names (the copies repair and exit made since).
func (c *Client) deleteData(ctx context.Context, e catalog.Entry, keep map[string]bool) error {
	if err := c.connected(ctx); err != nil {
		return err
	}
	m, lists, err := manifest.OpenChunks(ctx, manifest.FetcherFunc(c.fetchManifestChunk), e.Ref)
	if err != nil {
		return err
	}
	var failed []pendingDelete
	del := func(p peer.ID, id cid.Cid) {
		if err := c.chunks.Delete(ctx, c.node.Host(), p, id); err != nil && !store.IsNotFound(err) {
			failed = append(failed, pendingDelete{p, id})
			c.log.Debug("delete shard", "chunk", id, "peer", p, "err", err)
		}
	}
	for _, st := range m.Stripes {
		refs := make([]shard.Ref, len(st.Shards))
		all := true // every shard of the stripe is to go
		for i, s := range st.Shards {
			refs[i] = shard.Ref{ID: s.ID, Holders: s.Holders}
			all = all && !keep[s.ID.KeyString()]
		}
		// Asked before the deletes: once they are done, no holder is
		// left to ask. A stripe a newer version shares keeps its record.
		var more [][]peer.ID
		if all {
			more = c.shards.StripeHolders(ctx, refs)
		}
		for i, s := range st.Shards {
			if keep[s.ID.KeyString()] {
				continue
			}
			for _, h := range s.Holders {
				if p, err := peer.IDFromBytes(h); err == nil {
					del(p, s.ID)
				}
			}
			if more != nil {
				for _, p := range more[i] {
					del(p, s.ID)
				}
			}
		}
	}
	// The stripe lists of a large file's manifest, then its root: a root
	// deleted first would leave lists no one could find again.
	for _, id := range append(lists, e.Ref.Manifest) {
		if keep[id.KeyString()] {
			continue
		}
		var stored []peer.ID
		if id == e.Ref.Manifest {
			stored = e.RootHolders
		}
		for _, p := range c.rootHolders(ctx, id, stored) {
			// Only its holders have it: the others answer not found.
			if err := c.chunks.Delete(ctx, c.node.Host(), p, id); err != nil && !store.IsNotFound(err) {
				failed = append(failed, pendingDelete{p, id})
			}
		}
	}
	if n := c.retryDeletes(ctx, failed); n > 0 {
		c.log.Warn("some shards could not be deleted now; they expire with their orders", "shards", n)
	}
	return nil
}

// rootHolders returns the nodes that may hold a manifest's root: those
// the catalog recorded taking it (stored), the closest to its CID, where
// it was placed, and those that announced it. A lookup of the closest
// leaves out a node it could not query (one just back from a stop, still
// in the dialer's back-off), and a node stopped before its provider
// record went out is in no record: the catalog names it.
func (c *Client) rootHolders(ctx context.Context, root cid.Cid, stored []peer.ID) []peer.ID {
	var out []peer.ID
	seen := map[peer.ID]bool{}
	for _, p := range stored {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	if cands, err := c.shards.Candidates(ctx, root.KeyString(), 0, 0, nil); err == nil {
		for _, p := range cands {
			seen[p] = true
			out = append(out, p)
		}
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for ai := range c.node.DHT().FindProvidersAsync(pctx, root, 20) {
		if !seen[ai.ID] && ai.ID != c.node.ID() {
			seen[ai.ID] = true
			out = append(out, ai.ID)
		}
	}
	return out
}

// pendingDelete is a chunk a node did not delete when asked.
type pendingDelete struct {
	p  peer.ID
	id cid.Cid
}

// retryDeletes asks again, once, for the deletes that failed, and returns
// how many failed again. The retry dials afresh: a node that was down a
// moment ago is in the dialer's back-off for up to minutes after it came
// back, and a delete it misses leaves the file readable by whoever has
// the reference. A node that cannot be reached even so is not asked for
// its other chunks.
func (c *Client) retryDeletes(ctx context.Context, failed []pendingDelete) int {
	n := 0
	gone := map[peer.ID]bool{}
	dctx := network.WithForceDirectDial(ctx, "delete")
	for _, d := range failed {
		if gone[d.p] {
			n++
			continue
		}
		err := c.chunks.Delete(dctx, c.node.Host(), d.p, d.id)
		switch {
		case err == nil, store.IsNotFound(err):
		case c.node.Host().Network().Connectedness(d.p) != network.Connected:
			gone[d.p] = true
			fallthrough
		default:
			n++
			c.log.Debug("delete chunk", "chunk", d.id, "peer", d.p, "err", err)
		}
	}
	return n
}
