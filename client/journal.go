package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/client/catalog"
	"github.com/scatterbytes/scatterbytes/client/keys"
	"github.com/scatterbytes/scatterbytes/client/manifest"
	"github.com/scatterbytes/scatterbytes/p2p/shard"
)

// journal is the resumable state of one upload, kept (sealed) in the
// catalog under the upload's resume ID, from the upload's start until it
// is filed. One that remains is an unfinished upload (Unfinished): it
// names every chunk the upload may have left on a node, so that removing
// it frees them.
type journal struct {
	Version    int                    `json:"v"`
	FileKey    []byte                 `json:"key"`
	Size       int64                  `json:"size"`
	Redundancy string                 `json:"redundancy"`
	Stripes    map[int][]journalShard `json:"stripes,omitempty"`
	// ID is the resume ID (the catalog does not keep it); Volume, Name and
	// Path say what the upload was of, Started when it began, Total how
	// many stripes the file has (0: not known yet).
	ID      string    `json:"id,omitempty"`
	Volume  string    `json:"volume,omitempty"`
	Name    string    `json:"name,omitempty"`
	Path    string    `json:"path,omitempty"`
	Started time.Time `json:"started,omitzero"`
	Total   int       `json:"total,omitempty"`
	// Strays are chunks sent to a node that no finished stripe records: a
	// failed stripe's, a manifest's, or an earlier attempt's under another
	// redundancy. Each may be held by its node.
	Strays []journalShard `json:"strays,omitempty"`

	key keys.FileKey `json:"-"`
	// stored says the catalog holds this journal as it stands but for
	// pending: saving it appends pending as a part instead of writing the
	// whole journal again.
	stored  bool
	pending journalPart
}

// A journalPart is what a journal gained between two saves: the catalog
// keeps the journal as its blob (everything but the stripes and strays,
// which older journals also kept there) followed by parts.
type journalPart struct {
	Stripes map[int][]journalShard `json:"stripes,omitempty"`
	Strays  []journalShard         `json:"strays,omitempty"`
}

// add merges p into the journal.
func (j *journal) add(p journalPart) {
	if j.Stripes == nil {
		j.Stripes = map[int][]journalShard{}
	}
	for i, st := range p.Stripes {
		j.Stripes[i] = st
	}
	j.Strays = append(j.Strays, p.Strays...)
}

// decodeJournal returns the journal the catalog holds as s.
func decodeJournal(s catalog.StoredJournal) (*journal, error) {
	var j journal
	if err := json.Unmarshal(s.Blob, &j); err != nil {
		return nil, err
	}
	if j.Version != 1 {
		return nil, fmt.Errorf("journal version %d, want 1", j.Version)
	}
	for _, b := range s.Parts {
		var p journalPart
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, err
		}
		j.add(p)
	}
	if j.Stripes == nil {
		j.Stripes = map[int][]journalShard{}
	}
	return &j, nil
}

// stripesPerPart bounds the stripes in each part of a journal written
// whole, far under the catalog's part size (a stripe is well under 2 KiB).
const stripesPerPart = 1024

type journalShard struct {
	ID      string   `json:"id"`
	Holders [][]byte `json:"holders"`
}

// loadJournal returns the journal for opts.ResumeID, or a fresh one when
// there is none or it does not match size and redundancy. A fresh one
// that replaces a journal keeps the chunks that journal names as strays.
func (c *Client) loadJournal(ctx context.Context, opts PutOptions, size int64, red string) (*journal, error) {
	fresh := &journal{Version: 1, Size: size, Redundancy: red, key: keys.NewFileKey(), Stripes: map[int][]journalShard{},
		ID: opts.ResumeID, Volume: opts.Volume, Name: opts.Name, Path: opts.path, Started: time.Now()}
	if opts.ResumeID == "" {
		return fresh, nil
	}
	s, err := c.cat.Journal(ctx, opts.ResumeID)
	if errors.Is(err, catalog.ErrNotFound) {
		return fresh, nil
	}
	if err != nil {
		return nil, err
	}
	j, err := decodeJournal(s)
	if err != nil {
		c.log.Info("starting the upload afresh", "resume", opts.ResumeID)
		return fresh, nil
	}
	j.key, err = keys.FileKeyFromBytes(j.FileKey)
	if err != nil || j.Size != size || j.Redundancy != red {
		c.log.Info("starting the upload afresh", "resume", opts.ResumeID)
		fresh.Strays = j.chunks()
		return fresh, nil
	}
	// Not stored as it stands: its first save writes it whole (the
	// names may have changed) and compacts the parts.
	j.ID, j.Volume, j.Name, j.Path = opts.ResumeID, opts.Volume, opts.Name, opts.path
	if j.Started.IsZero() {
		j.Started = fresh.Started
	}
	return j, nil
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
	if j.pending.Stripes == nil {
		j.pending.Stripes = map[int][]journalShard{}
	}
	j.pending.Stripes[i] = js
}

// stray records the chunks a failed placement sent, if err says which.
func (j *journal) stray(err error) {
	if pe := (*shard.PlaceError)(nil); errors.As(err, &pe) {
		for _, s := range pe.Sent {
			j.strayChunk(s.ID, s.Node)
		}
	}
}

func (j *journal) strayChunk(id cid.Cid, p peer.ID) {
	s := journalShard{ID: id.String(), Holders: [][]byte{[]byte(p)}}
	j.Strays = append(j.Strays, s)
	j.pending.Strays = append(j.pending.Strays, s)
}

// chunks returns every chunk the journal names, with its holders.
func (j *journal) chunks() []journalShard {
	var out []journalShard
	for _, st := range j.Stripes {
		out = append(out, st...)
	}
	return append(out, j.Strays...)
}

// empty says whether the journal names no chunk: its upload left nothing
// on the nodes.
func (j *journal) empty() bool { return len(j.Stripes) == 0 && len(j.Strays) == 0 }

// saveJournal makes the catalog's copy of j what j is: the first save
// writes it whole; later ones append what changed since (one stripe's
// record, a few strays), so an upload's journal writes grow with the
// file, not with its square.
func (c *Client) saveJournal(ctx context.Context, j *journal) error {
	if j.ID == "" {
		return nil
	}
	var err error
	if j.stored {
		err = c.appendJournal(ctx, j)
	} else {
		err = c.writeJournal(ctx, j)
	}
	if err != nil {
		return fmt.Errorf("save upload journal: %w", err)
	}
	j.stored, j.pending = true, journalPart{}
	return nil
}

func (c *Client) appendJournal(ctx context.Context, j *journal) error {
	if len(j.pending.Stripes) == 0 && len(j.pending.Strays) == 0 {
		return nil
	}
	b, err := json.Marshal(j.pending)
	if err != nil {
		return err
	}
	return c.cat.AppendJournal(ctx, j.ID, b)
}

// writeJournal replaces the catalog's journal with j: its blob, then its
// stripes in parts of stripesPerPart, then its strays.
func (c *Client) writeJournal(ctx context.Context, j *journal) error {
	raw := j.key.Raw()
	h := *j
	h.FileKey, h.Stripes, h.Strays = raw[:], nil, nil
	blob, err := json.Marshal(&h)
	if err != nil {
		return err
	}
	var parts [][]byte
	add := func(p journalPart) error {
		b, err := json.Marshal(p)
		parts = append(parts, b)
		return err
	}
	p := journalPart{Stripes: map[int][]journalShard{}}
	for i, st := range j.Stripes {
		if p.Stripes[i] = st; len(p.Stripes) == stripesPerPart {
			if err := add(p); err != nil {
				return err
			}
			p.Stripes = map[int][]journalShard{}
		}
	}
	for strays := j.Strays; len(strays) > 0; strays = strays[min(len(strays), stripesPerPart):] {
		p.Strays = strays[:min(len(strays), stripesPerPart)]
		if err := add(p); err != nil {
			return err
		}
		p.Stripes = nil
	}
	if len(p.Stripes) > 0 {
		if err := add(p); err != nil {
			return err
		}
	}
	return c.cat.PutJournal(ctx, j.ID, blob, parts...)
}

// leaveJournal keeps the journal of a failed upload, even when ctx was
// cancelled, so that it is listed as unfinished with every chunk it
// left on a node; one that left none is deleted.
func (c *Client) leaveJournal(ctx context.Context, j *journal) {
	if j.ID == "" {
		return
	}
	ctx = context.WithoutCancel(ctx)
	var err error
	if j.empty() {
		err = c.cat.DeleteJournal(ctx, j.ID)
	} else {
		err = c.saveJournal(ctx, j)
	}
	if err != nil {
		c.log.Warn("could not record the unfinished upload", "name", j.Name, "err", err)
	}
}
