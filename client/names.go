package client

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/client/catalog"
	"github.com/scatterbytes/scatterbytes/client/keys"
	"github.com/scatterbytes/scatterbytes/client/manifest"
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
	f, err := c.Open(ctx, e.Ref)
	if err != nil {
		return err
	}
	defer f.Close()
	var failed int
	for _, st := range f.m.Stripes {
		for _, s := range st.Shards {
			for _, h := range s.Holders {
				p, err := peer.IDFromBytes(h)
				if err == nil {
					if err := c.chunks.Delete(ctx, c.node.Host(), p, s.ID); err != nil {
						failed++
						c.log.Debug("delete shard", "chunk", s.ID, "peer", p, "err", err)
					}
				}
			}
		}
	}
	if cands, err := c.shards.Candidates(ctx, e.Ref.Manifest.KeyString(), 0, 0, nil); err == nil {
		for _, p := range cands {
			_ = c.chunks.Delete(ctx, c.node.Host(), p, e.Ref.Manifest) // only its holders have it
		}
	}
	if failed > 0 {
		c.log.Warn("some shards could not be deleted now; they expire with their orders", "shards", failed)
	}
	return c.cat.Delete(ctx, volume, name)
}
