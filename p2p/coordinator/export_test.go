package coordinator

import (
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/coordinator/reputation"
	"github.com/scatterbytes/scatterbytes/p2p/standing"
)

// AnswerStanding answers a standings request as the protocol's handler
// does, for tests of a coordinator that is not running (the gate verifies
// no one before Run, so nothing reaches it over the wire).
func (c *Coordinator) AnswerStanding(remote peer.ID, req *standing.Request) *standing.Response {
	return c.answerStanding(remote, req)
}

// SetState sets node p's standing as if its record had moved it there,
// for tests of what the standings change. A node set suspended gets a
// reachability record that keeps it suspended for many epochs of proofs;
// one set vetting has its audits forgotten, so it stays vetting.
func (c *Coordinator) SetState(p peer.ID, s reputation.State) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok, err := c.state.node(p)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("node %s never proved", p)
	}
	r.Rep.State = s
	switch s {
	case reputation.Suspended:
		r.Rep.ReachAlpha, r.Rep.ReachBeta = 0, 1e6
	case reputation.Vetting:
		r.Rep.Audits, r.Rep.AuditsFailed = 0, 0
	}
	b := newBatch()
	putNode(b, p, r)
	return c.state.write(b)
}
