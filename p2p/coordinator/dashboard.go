package coordinator

import (
	"context"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/scatterbytes/scatterbytes/p2p/dash"
	"github.com/scatterbytes/scatterbytes/p2p/proof"
)

// dashEpochs is how many epochs the proof chart shows; dashPayouts how
// many payouts the page lists.
const (
	dashEpochs  = 48
	dashPayouts = 10
)

// openDashboard binds the dashboard (Config.Dashboard) with its page,
// JSON API and /metrics.
func (c *Coordinator) openDashboard() error {
	if c.cfg.Dashboard == "" {
		return nil
	}
	view := func(r *http.Request) (any, error) {
		q := r.URL.Query()
		return c.View(r.Context(), q.Get("sort"), q.Get("desc") == "1")
	}
	var err error
	c.dash, err = dash.Listen(dash.Config{Addr: c.cfg.Dashboard, Dir: c.cfg.Node.Dir, Logger: c.log},
		dash.Handler("coordinator", view, c.Metrics().Handler()))
	return err
}

// Dashboard is the dashboard's server, or nil when Config.Dashboard is
// empty.
func (c *Coordinator) Dashboard() *dash.Server { return c.dash }

// View returns the network as the coordinator's dashboard shows it, the
// nodes sorted by the column sortBy (a JSON name of dash.NodeRow).
func (c *Coordinator) View(_ context.Context, sortBy string, desc bool) (*dash.CoordinatorView, error) {
	st, err := c.Status()
	if err != nil {
		return nil, err
	}
	v := &dash.CoordinatorView{Network: st.Network, Node: c.ID().String(), Now: time.Now(),
		Refresh: min(max(st.Length/2, time.Second), 30*time.Second),
		Epoch:   st.Epoch, EpochStart: st.Start, EpochLength: st.Length, StoredBytes: st.Bytes,
		NodesByState: st.Nodes, CreditsPending: st.Pending, Errors: c.recent.Last()}
	if st.Beacon != nil {
		if b, err := proof.UnmarshalBeacon(st.Beacon); err == nil {
			h := b.Hash()
			v.BeaconHash, v.BeaconRandomness = hex.EncodeToString(h[:]), hex.EncodeToString(b.Randomness[:])
		}
	}
	nodes, err := c.Nodes()
	if err != nil {
		return nil, err
	}
	for _, n := range nodes {
		v.Nodes = append(v.Nodes, dash.NodeRow{Peer: n.Peer, State: n.State.String(), AuditScore: n.AuditScore,
			ReachScore: n.ReachScore, Uptime: n.Uptime, Audits: n.Audits, Failed: n.Failed, Proven: n.Proven,
			Missed: n.Missed, LastEpoch: n.LastEpoch, Bytes: n.Bytes, Chunks: n.Chunks, EarnedMsat: n.EarnedMsat})
	}
	v.Sort, v.Desc = dash.SortNodes(v.Nodes, sortBy, desc), desc
	from := uint64(0)
	if st.Epoch >= dashEpochs {
		from = st.Epoch - dashEpochs + 1
	}
	passed, failed, err := c.state.proofsByEpoch(from, st.Epoch)
	if err != nil {
		return nil, err
	}
	first := st.Epoch + 1
	for e := range passed {
		first = min(first, e)
	}
	for e := range failed {
		first = min(first, e)
	}
	for e := first; e <= st.Epoch; e++ {
		v.Epochs = append(v.Epochs, dash.Epoch{Epoch: e, Passed: passed[e], Missed: failed[e]})
	}
	if err := c.payoutTotals(v); err != nil {
		return nil, err
	}
	h := c.node.Host()
	v.Peers = dash.Peers{Connected: len(h.Network().Peers()), RoutingTable: c.node.DHT().RoutingTable().Size(),
		Verified: len(c.node.Gate().Members())}
	return v, nil
}

func (c *Coordinator) payoutTotals(v *dash.CoordinatorView) error {
	ps, err := c.ledger.Payouts()
	if err != nil {
		return err
	}
	v.Payouts = dash.PayoutTotals{Count: map[string]int{}, Sat: map[string]uint64{}}
	for i, p := range ps {
		s := string(p.State)
		v.Payouts.Count[s]++
		v.Payouts.Sat[s] += p.Total()
		if i >= len(ps)-dashPayouts {
			txid := p.Txid
			if txid == "" && len(p.Attempts) > 0 {
				txid = p.Last().Txid
			}
			v.Payouts.Recent = append(v.Payouts.Recent, dash.Payout{ID: p.ID, Sat: p.Total(), State: s, Txid: txid})
		}
	}
	return nil
}
