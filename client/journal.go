package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/scatterbytes/scatterbytes/client/catalog"
	"github.com/scatterbytes/scatterbytes/client/keys"
	"github.com/scatterbytes/scatterbytes/client/manifest"
)

// journal is the resumable state of one upload, kept (sealed) in the
// catalog under the upload's resume ID.
type journal struct {
	Version    int                      `json:"v"`
	FileKey    []byte                   `json:"key"`
	Size       int64                    `json:"size"`
	Redundancy string                   `json:"redundancy"`
	Stripes    map[int][]journalShard   `json:"stripes"`
	key        keys.FileKey             `json:"-"`
	done       map[int][]manifest.Shard `json:"-"`
}

type journalShard struct {
	ID      string   `json:"id"`
	Holders [][]byte `json:"holders"`
}

// loadJournal returns the journal for id, or a fresh one when there is none
// or it does not match size and redundancy.
func (c *Client) loadJournal(ctx context.Context, id string, size int64, red string) (*journal, error) {
	fresh := &journal{Version: 1, Size: size, Redundancy: red, key: keys.NewFileKey(), Stripes: map[int][]journalShard{}}
	if id == "" {
		return fresh, nil
	}
	b, err := c.cat.Journal(ctx, id)
	if errors.Is(err, catalog.ErrNotFound) {
		return fresh, nil
	}
	if err != nil {
		return nil, err
	}
	var j journal
	if err := json.Unmarshal(b, &j); err != nil || j.Version != 1 || j.Size != size || j.Redundancy != red {
		c.log.Info("starting the upload afresh", "resume", id)
		return fresh, nil
	}
	if j.key, err = keys.FileKeyFromBytes(j.FileKey); err != nil {
		return fresh, nil
	}
	if j.Stripes == nil {
		j.Stripes = map[int][]journalShard{}
	}
	return &j, nil
}

// stripe returns the finished shards of stripe i, if the journal has them.
func (j *journal) stripe(i int) ([]manifest.Shard, bool) {
	js, ok := j.Stripes[i]
	if !ok {
		return nil, false
	}
	out := make([]manifest.Shard, len(js))
	for k, s := range js {
		id, err := parseID(s.ID)
		if err != nil {
			return nil, false
		}
		out[k] = manifest.Shard{ID: id, Holders: s.Holders}
	}
	return out, true
}

func (j *journal) record(i int, shards []manifest.Shard) {
	js := make([]journalShard, len(shards))
	for k, s := range shards {
		js[k] = journalShard{ID: s.ID.String(), Holders: s.Holders}
	}
	j.Stripes[i] = js
}

func (c *Client) saveJournal(ctx context.Context, id string, j *journal) error {
	if id == "" {
		return nil
	}
	raw := j.key.Raw()
	j.FileKey = raw[:]
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	if err := c.cat.PutJournal(ctx, id, b); err != nil {
		return fmt.Errorf("save upload journal: %w", err)
	}
	return nil
}
