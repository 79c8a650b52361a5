package storage

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/scatterbytes/scatterbytes/p2p/dash"
	"github.com/scatterbytes/scatterbytes/p2p/standing"
	"github.com/scatterbytes/scatterbytes/payments/ledger"
)

// Dashboard defaults.
const (
	// dashEpochs is how many epochs the proof chart shows.
	dashEpochs = 48
	// dashSamples bounds the samples a page draws.
	dashSamples = 240
	// dashWindow is how far back the page's charts reach.
	dashWindow = 24 * time.Hour
	// standingTimeout bounds one question to the coordinator.
	standingTimeout = 15 * time.Second
)

// dashboard is the node's operator view (package p2p/dash): the server,
// its history, and the coordinator's last answers.
type dashboard struct {
	srv     *dash.Server
	hist    *dash.History
	every   time.Duration
	refresh time.Duration

	mu       sync.Mutex
	standing *dash.Standing
	earnings *dash.Earnings
	askErr   string
}

// openDashboard binds the dashboard and opens its history in dir.
func (s *Storage) openDashboard(dir string, cfg Config) error {
	if cfg.Dashboard == "" {
		return nil
	}
	every := cfg.SampleEvery
	if every <= 0 {
		every = dash.SampleEvery
	}
	h, err := dash.OpenHistory(filepath.Join(dir, dash.HistoryDir))
	if err != nil {
		return err
	}
	d := &dashboard{hist: h, every: every, refresh: min(every, 30*time.Second)}
	view := func(r *http.Request) (any, error) { return s.View(r.Context()) }
	d.srv, err = dash.Listen(dash.Config{Addr: cfg.Dashboard, Dir: dir, Logger: s.log},
		dash.Handler("node", view, s.metrics.Handler()))
	if err != nil {
		h.Close()
		return err
	}
	s.dash = d
	return nil
}

// Dashboard is the dashboard's server, or nil when Config.Dashboard is
// empty: its address, URL and a token just made.
func (s *Storage) Dashboard() *dash.Server {
	if s.dash == nil {
		return nil
	}
	return s.dash.srv
}

// runDashboard serves the dashboard and samples the node until ctx ends.
func (s *Storage) runDashboard(ctx context.Context) error {
	d := s.dash
	errc := make(chan error, 1)
	go func() { errc <- d.srv.Run(ctx) }()
	t := time.NewTicker(d.every)
	defer t.Stop()
	for {
		s.sample(ctx)
		select {
		case <-ctx.Done():
			return <-errc
		case err := <-errc:
			return err
		case <-t.C:
		}
	}
}

// sample records the node's numbers and asks the coordinator again.
func (s *Storage) sample(ctx context.Context) {
	u, err := s.st.Usage(ctx)
	if err != nil {
		return
	}
	in, out := s.metrics.Bandwidth().Totals()
	if err := s.dash.hist.Add(dash.Sample{At: time.Now(), Used: u.Bytes, Capacity: u.Capacity,
		Chunks: u.Chunks, In: in, Out: out}); err != nil {
		s.log.Warn("dashboard history", "err", err)
	}
	s.askCoordinator(ctx)
}

// noteEpoch records a beacon's outcome in the history.
func (s *Storage) noteEpoch(epoch uint64, result string) {
	if s.dash == nil {
		return
	}
	e := dash.Epoch{Epoch: epoch, Result: result}
	if result == ProofPublished {
		e.Passed = 1
	} else {
		e.Missed = 1
	}
	if err := s.dash.hist.NoteEpoch(e); err != nil {
		s.log.Warn("dashboard history", "err", err)
	}
}

// askCoordinator asks the coordinator for the node's record and ledger
// statement and keeps the answers (or why there are none).
func (s *Storage) askCoordinator(ctx context.Context) {
	prof := s.n.Profile()
	coord := prof.CoordinatorID()
	if coord == "" {
		s.dash.setErr("the network profile names no coordinator")
		return
	}
	pid := prof.Protocol("standing", "1.0.0")
	ctx, cancel := context.WithTimeout(ctx, standingTimeout)
	defer cancel()
	r, epoch, err := s.askNode(ctx, s.n.ID())
	if err != nil {
		s.dash.setErr(err.Error())
		return
	}
	st := &dash.Standing{State: r.State, AuditScore: r.AuditScore, ReachScore: r.ReachScore, Uptime: r.Uptime,
		Audits: r.Audits, AuditsFailed: r.Failed, EpochsProven: r.Proven, EpochsMissed: r.Missed,
		Epoch: epoch, AsOf: time.Now()}
	var earn *dash.Earnings
	if resp, err := standing.Ask(ctx, s.n.Host(), coord, pid, standing.Request{Op: standing.OpStatement, Peer: s.n.ID()}); err == nil {
		var stmt ledger.Statement
		if json.Unmarshal(resp.Statement, &stmt) == nil {
			earn = earningsOf(&stmt)
		}
	}
	s.dash.mu.Lock()
	s.dash.standing, s.dash.askErr = st, ""
	if earn != nil {
		s.dash.earnings = earn
	}
	s.dash.mu.Unlock()
}

func (d *dashboard) setErr(msg string) {
	d.mu.Lock()
	d.askErr = msg
	d.mu.Unlock()
}

func earningsOf(st *ledger.Statement) *dash.Earnings {
	b := st.Balance
	e := &dash.Earnings{Payout: b.Payout, EarnedMsat: b.EarnedMsat, PaidSat: b.PaidSat,
		OpenSat: b.CommittedSat - b.PaidSat, BalanceSat: b.AvailableSat(), AsOf: time.Now()}
	for _, p := range st.Payouts {
		e.Payouts = append(e.Payouts, dash.Payout{ID: p.Payout, Sat: p.Sat, State: string(p.State), Txid: p.Txid})
	}
	return e
}

// View returns the node's numbers as its dashboard shows them.
func (s *Storage) View(ctx context.Context) (*dash.NodeView, error) {
	u, err := s.st.Usage(ctx)
	if err != nil {
		return nil, err
	}
	v := &dash.NodeView{Node: s.n.ID().String(), Network: s.n.Profile().Name, Now: time.Now(),
		Disk: dash.Disk{Used: u.Bytes, Capacity: u.Capacity, Chunks: u.Chunks, Quarantined: u.Quarantined}}
	st := s.status.snapshot()
	c, _ := s.prover.Committed()
	v.Proofs = dash.Proofs{Published: s.proofs.Load(), LastEpoch: st.LastEpoch,
		CommittedChunks: c.Count, CommittedBytes: c.Bytes}
	h := s.n.Host()
	v.Peers = dash.Peers{Connected: len(h.Network().Peers()), RoutingTable: s.n.DHT().RoutingTable().Size(),
		Verified: len(s.n.Gate().Members()), Reachability: "private network: no NAT traversal"}
	if s.n.Profile().Public {
		v.Peers.Reachability = "public network"
	}
	for _, a := range h.Network().ListenAddresses() {
		v.Peers.Listen = append(v.Peers.Listen, a.String())
	}
	v.Bandwidth.In, v.Bandwidth.Out = s.metrics.Bandwidth().Totals()
	r := s.Repairs()
	v.Upkeep = dash.Upkeep{RepairPasses: r.Passes, Endangered: r.Endangered, Repaired: r.Repaired, Rebuilt: r.Rebuilt,
		RepairIn: r.BytesFetched, RepairOut: r.BytesSent, RepairFailed: r.Failed, LastPass: r.LastPass}
	if sw, ok := s.LastSweep(); ok {
		v.Upkeep.Swept, v.Upkeep.Expired = sw.At, sw.Expired
	}
	v.Errors = s.recent.Last()
	if s.dash == nil {
		return v, nil
	}
	d := s.dash
	v.Refresh = d.refresh
	if v.History, err = d.hist.Samples(time.Now().Add(-dashWindow), dashSamples); err != nil {
		return nil, err
	}
	if _, in, out := dash.Rates(v.History); len(in) > 0 {
		v.Bandwidth.RateIn, v.Bandwidth.RateOut = in[len(in)-1], out[len(out)-1]
	}
	if v.Epochs, err = d.hist.Epochs(dashEpochs); err != nil {
		return nil, err
	}
	for _, e := range v.Epochs {
		v.Proofs.Passed += e.Passed
		v.Proofs.Missed += e.Missed
	}
	d.mu.Lock()
	v.Standing, v.Earnings, v.StandingError = d.standing, d.earnings, d.askErr
	d.mu.Unlock()
	return v, nil
}

// close closes the server if it never ran, and the history.
func (d *dashboard) close() {
	_ = d.srv.Close()  // already closed after Run
	_ = d.hist.Close() // already closed when Close follows Run
}
