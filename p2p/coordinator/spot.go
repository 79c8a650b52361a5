package coordinator

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/syndtr/goleveldb/leveldb"

	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/proof"
	"github.com/scatterbytes/scatterbytes/store"
)

// spotTarget is a slice a node proved in an epoch's proof, kept so that a
// spot check can fetch it again directly from the node: the bytes are
// known, so the answer is checked without a proof.
type spotTarget struct {
	Chunk  cid.Cid `json:"chunk"`
	Offset int64   `json:"offset"`
	Bytes  []byte  `json:"bytes"`
}

// spotTimeout bounds one spot check.
const spotTimeout = 10 * time.Second

func spotTargets(res *proof.Result) []spotTarget {
	var out []spotTarget
	for _, s := range res.Samples {
		if s.Err == nil && len(s.Bytes) > 0 && len(out) < maxSpot {
			out = append(out, spotTarget{Chunk: s.Chunk, Offset: int64(s.Offset), Bytes: s.Bytes})
		}
	}
	return out
}

// spotCheck dials up to Config.SpotChecks nodes that proved recently, at
// random, and fetches one slice each directly (GET on the chunk protocol):
// a node that proves through someone else, or that cannot be reached by
// the clients who need it, shows here. Wrong bytes are an audit failure;
// no answer is a reachability failure, never loss.
func (c *Coordinator) spotCheck(ctx context.Context, e uint64) {
	type cand struct {
		p      peer.ID
		t      spotTarget
		proven uint64 // the epoch of the proof t was sampled in
	}
	var cands []cand
	c.mu.Lock()
	_ = c.state.nodes(func(p peer.ID, r nodeRecord) error {
		if len(r.Spot) > 0 && r.Rep.State.Paid() && r.LastEpoch+1 >= e {
			cands = append(cands, cand{p, r.Spot[rand.IntN(len(r.Spot))], r.LastEpoch})
		}
		return nil
	})
	c.mu.Unlock()
	rand.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	for _, x := range cands[:min(len(cands), c.cfg.SpotChecks)] {
		reached, intact := c.fetchSpot(ctx, x.p, x.t)
		if ctx.Err() != nil {
			return
		}
		c.recordSpot(x.p, e, reached, intact, x.proven)
	}
}

func (c *Coordinator) fetchSpot(ctx context.Context, p peer.ID, t spotTarget) (reached, intact bool) {
	ctx, cancel := context.WithTimeout(ctx, spotTimeout)
	defer cancel()
	cl := chunk.Client{Protocol: c.cfg.Node.Profile.Protocol("chunk", chunk.Version)}
	r, err := cl.Get(ctx, c.node.Host(), p, t.Chunk, t.Offset, int64(len(t.Bytes)))
	if err != nil {
		// A node that answers "not found" or "corrupt" was reached and
		// has lost the slice; anything else (no route, timeout) is
		// reachability.
		lost := errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrCorrupt)
		c.log.Info("spot check failed", "node", p, "chunk", t.Chunk, "err", err)
		return lost, false
	}
	defer r.Close()
	got, err := io.ReadAll(io.LimitReader(r, int64(len(t.Bytes))+1))
	if err != nil {
		return false, false
	}
	return true, bytes.Equal(got, t.Bytes)
}

// recordSpot books a spot check of a sample of the node's proof of epoch
// proven. A node keeps what a proof sampled until its next proof (an owner
// may delete a chunk meanwhile: the node keeps the bytes for the check),
// so a slice it no longer has, asked for after that next proof was
// recorded (a check that ran late), counts for nothing.
func (c *Coordinator) recordSpot(p peer.ID, e uint64, reached, intact bool, proven uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok, err := c.state.node(p)
	if err != nil || !ok {
		return
	}
	if reached && !intact && r.LastEpoch > proven {
		c.log.Info("spot check of a sample the node's next proof has superseded: not counted", "node", p, "epoch", e, "sampled in", proven)
		return
	}
	pr := c.cfg.Reputation
	r.Rep.Reach(pr, reached, false)
	if reached {
		r.Rep.Audit(pr, e, intact)
	}
	if reached && intact {
		r.SpotOK++
	} else {
		r.SpotFailed++
		c.log.Warn("spot check failed", "node", p, "epoch", e, "reached", reached, "state", r.Rep.State)
	}
	b := new(leveldb.Batch)
	putNode(b, p, r)
	_ = c.state.write(b)
}
