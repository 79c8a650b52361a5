package shard

import (
	"context"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/standing"
)

// Standings is where placement learns the coordinator's view of the
// nodes (package standing's Cache). Get returns nil when none is known:
// placement then treats every node as in good standing.
type Standings interface {
	Get(ctx context.Context) *standing.Standings
}

// admitted is a write's candidates after the standings.
type admitted struct {
	peers    []peer.ID
	excluded int // suspended or disqualified
	vetting  int // vetting nodes over the stripe's allowance
	allowed  int // vetting nodes admitted
	// spares are the vetting nodes over the allowance, in order: placed on
	// only when an admitted node fails (a node gone since the routing
	// table, or a client's memory of it, last heard of it), so that one
	// failure does not fail a write the live nodes could take.
	spares []peer.ID
}

// withSpares is the admitted peers followed by the spares.
func (a admitted) withSpares() []peer.ID {
	return append(a.peers[:len(a.peers):len(a.peers)], a.spares...)
}

// admit applies the standings to the candidates of a write of need
// shards, keeping their order: suspended and disqualified nodes are left
// out, and so is every vetting node after the first, unless the other
// nodes are too few for need: then just enough vetting nodes are kept to
// make up need (a new network is all vetting nodes, and they can only be
// vetted by holding data).
func admit(st *standing.Standings, ps []peer.ID, need int) admitted {
	if st == nil {
		return admitted{peers: ps}
	}
	var good, vetting int
	for _, p := range ps {
		switch s := st.State(p); {
		case s.Excluded():
		case s == standing.Vetting:
			vetting++
		default:
			good++
		}
	}
	a := admitted{allowed: min(vetting, max(1, need-good))}
	a.vetting = vetting - a.allowed
	kept := 0
	for _, p := range ps {
		switch s := st.State(p); {
		case s.Excluded():
			a.excluded++
		case s == standing.Vetting:
			if kept == a.allowed {
				a.spares = append(a.spares, p)
				continue
			}
			kept++
			a.peers = append(a.peers, p)
		default:
			a.peers = append(a.peers, p)
		}
	}
	return a
}

// standings returns the standings for a write, nil for a read.
func (t *Net) standings(ctx context.Context, size int64) *standing.Standings {
	if size <= 0 || t.cfg.Standings == nil {
		return nil
	}
	return t.cfg.Standings.Get(ctx)
}

// Warm asks now, in the background, for what a write's placement will
// need from afar, the standings, so that a placement that follows local
// work (a client sealing and journalling the file) finds them. The
// returned func waits for the question to end; call it before ctx is
// done with.
func (t *Net) Warm(ctx context.Context) (wait func()) {
	if t.cfg.Standings == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		t.cfg.Standings.Get(ctx)
	}()
	return func() { <-done }
}

// passedOver says, for an error, which nodes the standings left out.
func (a admitted) passedOver() string {
	if a.excluded == 0 && a.vetting == 0 {
		return ""
	}
	return fmt.Sprintf("; passed over: %d suspended or disqualified, %d vetting beyond %d per stripe", a.excluded, a.vetting, max(1, a.allowed))
}

// warnVetting logs once per Net that a stripe went on more than one
// vetting node because the others were too few.
func (t *Net) warnVetting(a admitted, need int) {
	if a.allowed > 1 && t.vettingWarned.CompareAndSwap(false, true) {
		t.log.Warn("too few vetted storage nodes: some stripes put more than one shard on a vetting node",
			"vetting", a.allowed, "shards", need)
	}
}
