package coordinator

import (
	"encoding/json"
	"math"
	"sort"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/coordinator/reputation"
	"github.com/scatterbytes/scatterbytes/p2p/standing"
	"github.com/scatterbytes/scatterbytes/payments/ledger"
)

// serveStanding serves the standings protocol (package p2p/standing) on
// the gated host: only verified members ask.
func (c *Coordinator) serveStanding() {
	standing.Serve(c.node.Host(), c.cfg.Node.Profile.Protocol("standing", "1.0.0"), c.answerStanding)
}

func (c *Coordinator) answerStanding(remote peer.ID, req *standing.Request) *standing.Response {
	resp := &standing.Response{Epoch: c.clock.now()}
	refuse := func(msg string) *standing.Response {
		return &standing.Response{Epoch: resp.Epoch, Error: msg}
	}
	switch req.Op {
	case standing.OpStandings:
		es, err := c.standings()
		if err != nil {
			c.log.Warn("standings", "err", err)
			return refuse("internal error")
		}
		resp.Entries, resp.Truncated = standing.Fit(es)
		if resp.Truncated {
			c.log.Warn("standings: over the message limit, vetting nodes left out", "listed", len(resp.Entries), "of", len(es))
		}
	case standing.OpNode:
		v, ok, err := c.NodeStanding(req.Peer)
		switch {
		case err != nil:
			c.log.Warn("standing of a node", "node", req.Peer, "err", err)
			return refuse("internal error")
		case !ok:
			return refuse("the coordinator has never seen this node prove")
		}
		resp.Node, _ = json.Marshal(v) // a NodeView always encodes, well under MaxNode
	case standing.OpStatement:
		if remote != req.Peer {
			return refuse("only the node itself may ask for its statement")
		}
		st, err := c.ledger.Statement(req.Peer)
		if err != nil {
			c.log.Warn("statement", "node", req.Peer, "err", err)
			return refuse("internal error")
		}
		resp.Statement, resp.CreditsOmitted = fitStatement(*st)
		if len(resp.Statement) > standing.MaxStatement {
			return refuse("the statement's payouts alone exceed the message limit")
		}
	case standing.OpBeacon:
		b := c.currentBeacon()
		if b == nil {
			return refuse("no beacon yet: the coordinator has not opened its first epoch")
		}
		// The canonical encoding: the very bytes publishBeacon gossiped.
		resp.Beacon = b.Marshal()
	}
	return resp
}

// standings lists every node not vetted in good standing: disqualified
// first, then suspended, then vetting, so that what standing.Fit leaves
// out of a full answer matters least.
func (c *Coordinator) standings() ([]standing.Entry, error) {
	var out []standing.Entry
	err := c.state.nodes(func(p peer.ID, r nodeRecord) error {
		if r.Rep.State == reputation.Vetted {
			return nil
		}
		s, err := standing.ParseState(r.Rep.State.String())
		if err != nil {
			return err
		}
		out = append(out, standing.Entry{Peer: p, State: s, AuditPPM: uint32(math.Round(r.Rep.AuditScore() * 1e6))})
		return nil
	})
	rank := func(s standing.State) int {
		switch s {
		case standing.Disqualified:
			return 0
		case standing.Suspended:
			return 1
		}
		return 2
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i].State) < rank(out[j].State) })
	return out, err
}

// fitStatement encodes st, leaving out its oldest credits until it fits
// standing.MaxStatement, and returns how many it left out.
func fitStatement(st ledger.Statement) ([]byte, uint64) {
	b, _ := json.Marshal(st)
	if len(b) <= standing.MaxStatement {
		return b, 0
	}
	// Halve the credits kept until it fits, then grow back by bisection.
	all := st.Credits
	lo, hi := 0, len(all) // lo credits (the newest) always fit
	for lo < hi {
		mid := (lo + hi + 1) / 2
		st.Credits = all[len(all)-mid:]
		if b, _ = json.Marshal(st); len(b) <= standing.MaxStatement {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	st.Credits = all[len(all)-lo:]
	b, _ = json.Marshal(st)
	return b, uint64(len(all) - lo)
}
