package client

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
	"golang.org/x/sync/errgroup"

	"github.com/scatterbytes/scatterbytes/client/catalog"
	"github.com/scatterbytes/scatterbytes/client/manifest"
	"github.com/scatterbytes/scatterbytes/store"
)

// Unfinished is an upload that stopped before it was filed (interrupted,
// or failed: nodes out of space, a lost connection). Its shards may be on
// the nodes. Running the same PutFile again resumes it; RemoveUnfinished
// frees its shards and forgets it.
type Unfinished struct {
	ID           string // the resume ID, for RemoveUnfinished
	Volume, Name string // where it was to be filed ("" Name: nowhere)
	Path         string // the file's absolute path, when PutFile stored it
	Size         int64  // the file's size in bytes
	Redundancy   string
	Started      time.Time // when it began (zero: unknown)
	Stripes      int       // the file's stripes (0: not known)
	Done         int       // stripes stored
}

// ListUnfinished returns the unfinished uploads the catalog holds, by
// volume, then name. It reads only the catalog.
func ListUnfinished(ctx context.Context, cat *catalog.Catalog) ([]Unfinished, error) {
	blobs, err := cat.Journals(ctx)
	if err != nil {
		return nil, err
	}
	var out []Unfinished
	for _, b := range blobs {
		j, err := decodeJournal(b)
		if err != nil || j.ID == "" {
			continue // not one this version can name or remove
		}
		out = append(out, Unfinished{ID: j.ID, Volume: j.Volume, Name: j.Name, Path: j.Path, Size: j.Size,
			Redundancy: j.Redundancy, Started: j.Started, Stripes: j.Total, Done: len(j.Stripes)})
	}
	slices.SortFunc(out, func(a, b Unfinished) int {
		return cmp.Or(cmp.Compare(a.Volume, b.Volume), cmp.Compare(a.Name, b.Name), a.Started.Compare(b.Started))
	})
	return out, nil
}

// Unfinished returns the client's unfinished uploads (ListUnfinished).
func (c *Client) Unfinished(ctx context.Context) ([]Unfinished, error) {
	return ListUnfinished(ctx, c.cat)
}

// RemoveUnfinished deletes every shard the unfinished upload id left on
// the nodes (freeing their space), then forgets the upload. Shards on
// nodes that cannot be reached now expire with their orders. An unknown
// id is ErrNotFound.
func (c *Client) RemoveUnfinished(ctx context.Context, id string) error {
	b, err := c.cat.Journal(ctx, id)
	if errors.Is(err, catalog.ErrNotFound) {
		return fmt.Errorf("%w: no unfinished upload %q", ErrNotFound, id)
	}
	if err != nil {
		return err
	}
	j, err := decodeJournal(b)
	if err != nil {
		return fmt.Errorf("unfinished upload %q: %w", id, err)
	}
	if n := c.deleteChunks(ctx, j.chunks()); n > 0 {
		c.log.Warn("some shards could not be deleted now; they expire with their orders", "shards", n)
	}
	return c.cat.DeleteJournal(ctx, id)
}

// deleteStrays deletes, once an upload is filed, the chunks its journal
// holds as strays that the manifest m does not name on that node.
func (c *Client) deleteStrays(ctx context.Context, j *journal, m *manifest.Manifest) {
	if len(j.Strays) == 0 {
		return
	}
	kept := map[string]bool{}
	for _, st := range m.Stripes {
		for _, s := range st.Shards {
			for _, h := range s.Holders {
				kept[s.ID.String()+"/"+string(h)] = true
			}
		}
	}
	var strays []journalShard
	for _, s := range j.Strays {
		if len(s.Holders) == 1 && !kept[s.ID+"/"+string(s.Holders[0])] {
			strays = append(strays, s)
		}
	}
	if n := c.deleteChunks(ctx, strays); n > 0 {
		c.log.Debug("stray chunks of the upload not deleted; they expire with their orders", "chunks", n)
	}
}

// deleteChunks asks every holder of each chunk to delete it, each node
// in turn but the nodes at once, retries the failures once
// (retryDeletes), and returns how many failed twice.
func (c *Client) deleteChunks(ctx context.Context, chunks []journalShard) int {
	byNode := map[peer.ID][]cid.Cid{}
	asked := map[pendingDelete]bool{} // a chunk retried on a node is named twice
	for _, s := range chunks {
		id, err := parseID(s.ID)
		if err != nil {
			continue
		}
		for _, h := range s.Holders {
			p, err := peer.IDFromBytes(h)
			if err != nil || asked[pendingDelete{p, id}] {
				continue
			}
			asked[pendingDelete{p, id}] = true
			byNode[p] = append(byNode[p], id)
		}
	}
	var (
		mu     sync.Mutex
		failed []pendingDelete
		g      errgroup.Group
	)
	g.SetLimit(8)
	for p, ids := range byNode {
		g.Go(func() error {
			for _, id := range ids {
				if err := c.chunks.Delete(ctx, c.node.Host(), p, id); err != nil && !store.IsNotFound(err) {
					c.log.Debug("delete chunk", "chunk", id, "peer", p, "err", err)
					mu.Lock()
					failed = append(failed, pendingDelete{p, id})
					mu.Unlock()
				}
			}
			return nil
		})
	}
	g.Wait()
	return c.retryDeletes(ctx, failed)
}
