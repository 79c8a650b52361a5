package coordinator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/atomicfile"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator/reputation"
)

// APIAddrFile is the file in the coordinator's directory that holds the
// address its JSON API listens on while it runs; `scatterbytes coordinator
// nodes` reads it.
const APIAddrFile = "api.addr"

// NodeView is one storage node as the JSON API and `coordinator nodes`
// show it.
type NodeView struct {
	Peer       string           `json:"peer"`
	State      reputation.State `json:"state"`
	AuditScore float64          `json:"audit_score"`
	ReachScore float64          `json:"reach_score"`
	Uptime     float64          `json:"uptime"`
	Audits     uint64           `json:"audits"`
	Failed     uint64           `json:"audits_failed"`
	Proven     uint64           `json:"epochs_proven"`
	Missed     uint64           `json:"epochs_missed"`
	LastEpoch  uint64           `json:"last_epoch"`
	Bytes      uint64           `json:"bytes"`
	Chunks     uint64           `json:"chunks"`
	SpotOK     uint64           `json:"spot_ok"`
	SpotFailed uint64           `json:"spot_failed"`
	EarnedMsat uint64           `json:"earned_msat"`
}

// StatusView is the network as the coordinator sees it.
type StatusView struct {
	Network string         `json:"network"`
	Epoch   uint64         `json:"epoch"`
	Length  time.Duration  `json:"epoch_length_ns"`
	Start   time.Time      `json:"epoch_start"`
	Beacon  []byte         `json:"beacon,omitempty"` // the signed beacon of Epoch
	Nodes   map[string]int `json:"nodes"`            // by state
	Bytes   uint64         `json:"bytes"`            // proven in each node's last proof
	// Pending is the credits recorded but not yet in the ledger.
	Pending int `json:"credits_pending"`
}

func viewOf(p peer.ID, r nodeRecord) NodeView {
	return NodeView{
		Peer: p.String(), State: r.Rep.State, AuditScore: r.Rep.AuditScore(), ReachScore: r.Rep.ReachScore(),
		Uptime: r.Rep.Uptime(), Audits: r.Rep.Audits, Failed: r.Rep.AuditsFailed,
		Proven: r.Rep.EpochsProven, Missed: r.Rep.EpochsMissed, LastEpoch: r.LastEpoch,
		Bytes: r.Bytes, Chunks: r.Chunks, SpotOK: r.SpotOK, SpotFailed: r.SpotFailed, EarnedMsat: r.Earned,
	}
}

// Nodes returns every storage node the coordinator has seen prove, sorted
// by peer ID.
func (c *Coordinator) Nodes() ([]NodeView, error) {
	var out []NodeView
	err := c.state.nodes(func(p peer.ID, r nodeRecord) error {
		out = append(out, viewOf(p, r))
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Peer < out[j].Peer })
	return out, err
}

// NodeStanding returns one node's view; ok is false for a node never seen.
func (c *Coordinator) NodeStanding(p peer.ID) (NodeView, bool, error) {
	r, ok, err := c.state.node(p)
	if !ok || err != nil {
		return NodeView{}, ok, err
	}
	return viewOf(p, r), true, nil
}

// Status returns the current epoch and network totals.
func (c *Coordinator) Status() (StatusView, error) {
	e := c.clock.now()
	v := StatusView{Network: c.cfg.Node.Profile.Name, Epoch: e, Length: c.clock.length,
		Start: c.clock.start(e), Nodes: map[string]int{}}
	b, err := c.state.beacon(e)
	if err != nil {
		return v, err
	}
	v.Beacon = b
	cs, err := c.state.credits()
	if err != nil {
		return v, err
	}
	v.Pending = len(cs)
	err = c.state.nodes(func(_ peer.ID, r nodeRecord) error {
		v.Nodes[r.Rep.State.String()]++
		if r.Rep.State.Paid() {
			v.Bytes += r.Bytes
		}
		return nil
	})
	return v, err
}

func (c *Coordinator) apiHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/status", func(w http.ResponseWriter, _ *http.Request) {
		v, err := c.Status()
		reply(w, v, err)
	})
	mux.Handle("GET /metrics", c.Metrics().Handler())
	mux.HandleFunc("GET /api/v1/nodes", func(w http.ResponseWriter, _ *http.Request) {
		v, err := c.Nodes()
		reply(w, v, err)
	})
	mux.HandleFunc("GET /api/v1/nodes/{peer}", func(w http.ResponseWriter, r *http.Request) {
		p, err := peer.Decode(r.PathValue("peer"))
		if err != nil {
			http.Error(w, "not a peer ID", http.StatusBadRequest)
			return
		}
		v, ok, err := c.NodeStanding(p)
		if err == nil && !ok {
			http.Error(w, "no such node", http.StatusNotFound)
			return
		}
		reply(w, v, err)
	})
	return mux
}

func reply(w http.ResponseWriter, v any, err error) {
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// listenAPI binds the JSON API. Anything but a loopback address is refused:
// the API is read-only but says who holds what and who earns what.
func listenAPI(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("coordinator: API address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("coordinator: API address %q is not a loopback address", addr)
	}
	return net.Listen("tcp", addr)
}

// serveAPI serves the JSON API on l until ctx ends, with its address in
// DIR/api.addr meanwhile.
func (c *Coordinator) serveAPI(ctx context.Context, l net.Listener) error {
	path := filepath.Join(c.cfg.Node.Dir, APIAddrFile)
	if err := atomicfile.Write(path, []byte(l.Addr().String()+"\n"), 0o644); err != nil {
		l.Close()
		return fmt.Errorf("coordinator: %w", err)
	}
	defer os.Remove(path)
	srv := &http.Server{Handler: c.apiHandler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("coordinator: API: %w", err)
	}
	return nil
}
