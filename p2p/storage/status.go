package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/atomicfile"
	"github.com/scatterbytes/scatterbytes/p2p/node"
)

// StatusFile is the file in the node directory where a running storage
// node says, after every beacon it answers, how its proofs go; `scatterbytes
// node status` reads it. It is rewritten whole (atomically, 0644): it
// holds no secret.
const StatusFile = "status.json"

// maxStatus bounds what ReadStatus reads.
const maxStatus = 64 << 10

// Status is the node's own account of its proofs.
type Status struct {
	Node    string    `json:"node"`
	Updated time.Time `json:"updated"`
	// LastEpoch is the last epoch the node published a proof for.
	LastEpoch uint64 `json:"last_epoch_proven"`
	// Proofs counts the proofs published since the node started.
	Proofs int64 `json:"proofs_published"`
	// Chunks and Bytes are the commitment the next proof answers.
	Chunks uint64 `json:"committed_chunks"`
	Bytes  uint64 `json:"committed_bytes"`
	// LastError is the last failure to prove or publish, and its epoch.
	LastError      string `json:"last_error,omitempty"`
	LastErrorEpoch uint64 `json:"last_error_epoch,omitempty"`
	// Reachability says whether peers on the internet can dial the node
	// (node.Reachability), as of Updated.
	Reachability string `json:"reachability,omitempty"`
}

// ErrNoStatus means the node in a directory never ran (or never heard a
// beacon).
var ErrNoStatus = errors.New("no status file: the node has not run here yet")

// ReadStatus reads dir's status file.
func ReadStatus(dir string) (Status, error) {
	var s Status
	f, err := os.Open(filepath.Join(dir, StatusFile))
	if errors.Is(err, os.ErrNotExist) {
		return s, fmt.Errorf("%w (%s)", ErrNoStatus, dir)
	}
	if err != nil {
		return s, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxStatus+1))
	if err != nil {
		return s, err
	}
	if len(b) > maxStatus {
		return s, fmt.Errorf("status file %s: over %d bytes", f.Name(), maxStatus)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("status file %s: %w", f.Name(), err)
	}
	return s, nil
}

// status keeps the node's Status and writes it.
type status struct {
	path string
	// observe, if set, is told each outcome (see note), under mu.
	observe func(epoch uint64, result string)
	// reach, if set, is the node's reachability, noted with each outcome.
	reach func() node.Reachability
	mu    sync.Mutex
	cur   Status
}

// Proof results, as metrics and the dashboard name them.
const (
	ProofPublished     = "published"      // a proof was made and published
	ProofFailed        = "prove_failed"   // no proof could be made (the store failed)
	ProofPublishFailed = "publish_failed" // made, but gossip did not take it
)

// note records the outcome of answering the beacon of epoch (err nil:
// a proof was published) and rewrites the file. A write that fails is
// returned for the log; the node goes on proving.
func (st *status) note(epoch uint64, proofs int64, chunks, bytes uint64, err error) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.observe != nil {
		st.observe(epoch, proofResult(err, proofs > st.cur.Proofs))
	}
	st.cur.Updated = time.Now().UTC()
	st.cur.Proofs = proofs
	if st.reach != nil {
		st.cur.Reachability = st.reach().String()
	}
	if err != nil {
		st.cur.LastError, st.cur.LastErrorEpoch = err.Error(), epoch
	} else {
		st.cur.LastEpoch, st.cur.Chunks, st.cur.Bytes = epoch, chunks, bytes
	}
	b, _ := json.MarshalIndent(st.cur, "", "  ") // a Status always encodes
	return atomicfile.Write(st.path, append(b, '\n'), 0o644)
}

// proofResult names the outcome of a beacon answered with err; made says
// whether a proof was made (the count of proofs made moved since the
// last note: a proof whose publishing failed is counted as made).
func proofResult(err error, made bool) string {
	switch {
	case err == nil:
		return ProofPublished
	case made:
		return ProofPublishFailed
	}
	return ProofFailed
}

// snapshot returns the status as last noted.
func (st *status) snapshot() Status {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.cur
}
