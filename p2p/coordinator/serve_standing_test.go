package coordinator_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator/reputation"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/proof"
	"github.com/scatterbytes/scatterbytes/p2p/standing"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
	"github.com/scatterbytes/scatterbytes/payments/ledger"
)

// waitKnown waits until the coordinator holds a record of at least n
// nodes (all when n is 0) and returns the nodes it knows.
func waitKnown(t *testing.T, net *testnet.Network, c *coordinator.Coordinator, n int) []*testnet.Peer {
	t.Helper()
	if n == 0 {
		n = len(net.Nodes())
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var known []*testnet.Peer
	if err := wait.For(ctx, func() error {
		views := nodeViews(t, c)
		known = known[:0]
		for _, p := range net.Nodes() {
			if _, ok := views[p.Node().ID().String()]; ok {
				known = append(known, p)
			}
		}
		if len(known) < n {
			return fmt.Errorf("%d of %d nodes have proved, waiting for %d", len(known), len(net.Nodes()), n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return known
}

// neverSuspend keeps the coordinator from suspending nodes that miss
// epochs under load (the race detector, a busy machine): only a node a
// test suspends is.
func neverSuspend(cfg *coordinator.Config) {
	cfg.Reputation.SuspendBelow, cfg.Reputation.ReinstateAbove = 0.001, 0.002
}

func standingPID(net *testnet.Network) (peer.ID, string) {
	p := coordOf(net).Profile()
	return p.CoordinatorID(), string(p.Protocol("standing", "1.0.0"))
}

// TestPlacementFollowsStandings: a disqualified and a suspended node get
// no shard of a new upload; of 2 vetting nodes, no 3+1 stripe has a shard
// on both while the 4 vetted ones suffice (TestAdmit in package shard
// covers too few vetted nodes).
func TestPlacementFollowsStandings(t *testing.T) {
	net := provingNetwork(t, 8, neverSuspend)
	c := coordOf(net)
	// Under load a node may be slow to join the gossip mesh: the test
	// sets the states of the first 7 known; the eighth, once it proves,
	// is vetting, which leaves 3 vetted nodes: with one vetting node they
	// still fill a stripe of 4.
	nodes := waitKnown(t, net, c, 7)
	state := map[peer.ID]reputation.State{}
	for i, p := range nodes {
		s := reputation.Vetted
		switch {
		case i == 0:
			s = reputation.Disqualified
		case i == 1:
			s = reputation.Suspended
		case i < 4:
			s = reputation.Vetting
		}
		state[p.Node().ID()] = s
		if err := c.SetState(p.Node().ID(), s); err != nil {
			t.Fatal(err)
		}
	}
	// The standings as a member sees them.
	coord, pid := standingPID(net)
	cl := clienttest.New(t, net, func(c *client.Config) { c.MaxShard = 4 << 10 })
	st, err := standing.Fetch(t.Context(), cl.Node().Host(), coord, protocolID(pid))
	if err != nil {
		t.Fatal(err)
	}
	for p, s := range state {
		if got := st.State(p); got.String() != s.String() {
			t.Errorf("node %s: standings say %s, the coordinator %s", p, got, s)
		}
	}
	var refs []client.PutOptions
	for i := range 3 {
		refs = append(refs, client.PutOptions{Name: fmt.Sprintf("f%d", i), Redundancy: "3+1"})
	}
	stripes, onVetting := 0, 0
	for _, o := range refs {
		data := make([]byte, 64<<10)
		rand.Read(data)
		ref, err := cl.Put(t.Context(), bytes.NewReader(data), int64(len(data)), o)
		if err != nil {
			t.Fatal(err)
		}
		f, err := cl.Open(t.Context(), ref)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range f.Manifest().Stripes {
			stripes++
			vetting := 0
			for _, sh := range s.Shards {
				for _, h := range sh.Holders {
					p, err := peer.IDFromBytes(h)
					if err != nil {
						t.Fatal(err)
					}
					s, ok := state[p]
					if !ok {
						continue // the node the test did not set
					}
					switch s {
					case reputation.Disqualified, reputation.Suspended:
						t.Errorf("%s stripe %d: a shard on %s node %s", o.Name, i, state[p], p)
					case reputation.Vetting:
						vetting++
					}
				}
			}
			if vetting > 1 {
				var where []string
				for _, sh := range s.Shards {
					for _, h := range sh.Holders {
						p, _ := peer.IDFromBytes(h)
						where = append(where, fmt.Sprintf("%s:%s", p.ShortString(), state[p]))
					}
				}
				t.Errorf("%s stripe %d: %d shards on vetting nodes: %v", o.Name, i, vetting, where)
			}
			onVetting += vetting
		}
		f.Close()
	}
	t.Logf("%d stripes, %d shards on vetting nodes", stripes, onVetting)
	if stripes < 10 {
		t.Fatalf("only %d stripes: the test needs more", stripes)
	}
}

// TestStandingProtocol: NODE answers any member with the node's view;
// STATEMENT answers only the node itself.
func TestStandingProtocol(t *testing.T) {
	net := provingNetwork(t, 4, neverSuspend)
	putFiles(t, net, 2, 20<<10, 0)
	c := coordOf(net)
	waitKnown(t, net, c, 0)
	// The running node's status file says it proves what it holds.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for _, p := range net.Nodes() {
		if err := wait.For(ctx, func() error {
			s, err := storage.ReadStatus(p.Dir)
			if err == nil && (s.LastEpoch == 0 || s.Proofs == 0 || s.Chunks == 0 || s.Node != p.Node().ID().String()) {
				err = fmt.Errorf("status of %s: %+v", p.Node().ID(), s)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	coord, pid := standingPID(net)
	a, b := net.Nodes()[0].Node(), net.Nodes()[1].Node()
	resp, err := standing.Ask(t.Context(), b.Host(), coord, protocolID(pid), standing.Request{Op: standing.OpNode, Peer: a.ID()})
	if err != nil {
		t.Fatal(err)
	}
	var v coordinator.NodeView
	if err := json.Unmarshal(resp.Node, &v); err != nil || v.Peer != a.ID().String() {
		t.Fatalf("NODE: %+v %v", v, err)
	}
	_, err = standing.Ask(t.Context(), b.Host(), coord, protocolID(pid), standing.Request{Op: standing.OpStatement, Peer: a.ID()})
	if !errors.Is(err, standing.ErrRefused) {
		t.Fatalf("another node's statement: %v, want a refusal", err)
	}
	resp, err = standing.Ask(t.Context(), a.Host(), coord, protocolID(pid), standing.Request{Op: standing.OpStatement, Peer: a.ID()})
	if err != nil {
		t.Fatal(err)
	}
	var s ledger.Statement
	if err := json.Unmarshal(resp.Statement, &s); err != nil || s.Node != a.ID() {
		t.Fatalf("STATEMENT: %+v %v", s, err)
	}
	k, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	stranger, _ := peer.IDFromPrivateKey(k)
	if _, err := standing.Ask(t.Context(), b.Host(), coord, protocolID(pid), standing.Request{Op: standing.OpNode, Peer: stranger}); !errors.Is(err, standing.ErrRefused) {
		t.Fatalf("a node never seen: %v", err)
	}
}

func protocolID(s string) protocol.ID { return protocol.ID(s) }

// TestBeaconOp: BEACON answers a member with the coordinator's current
// beacon, the bytes it stored and gossiped, and follows the epochs.
func TestBeaconOp(t *testing.T) {
	clk := nettest.NewSteppedClock(time.Now())
	net := nettest.NewWith(t, testclient.WithCoordinator(testnet.Options{Nodes: 1, Epoch: testEpoch},
		func(c *coordinator.Config) { c.Clock = clk }))
	c := coordOf(net)
	coord, pid := standingPID(net)
	member := net.Nodes()[0].Node()
	opts := proof.Options{Network: net.Profile.Name, CA: net.CA.Certificate(), Coordinator: coord}
	st, err := c.Status()
	if err != nil {
		t.Fatal(err)
	}
	// The beacon of the epoch under way, then of the next once the clock
	// moves there.
	for _, e := range []uint64{st.Epoch, st.Epoch + 1} {
		clk.Set(st.Start.Add(time.Duration(e-st.Epoch) * st.Length))
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		var got []byte
		err := wait.For(ctx, func() error {
			b, err := standing.Beacon(ctx, member.Host(), coord, protocolID(pid))
			if err != nil {
				return err
			}
			v, err := proof.VerifyBeacon(b, opts)
			if err != nil {
				return err
			}
			if v.Epoch != e {
				return fmt.Errorf("beacon of epoch %d, want %d", v.Epoch, e)
			}
			got = b
			return nil
		})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		now, err := c.Status()
		if err != nil {
			t.Fatal(err)
		}
		if now.Epoch != e || !bytes.Equal(got, now.Beacon) {
			t.Fatalf("epoch %d: BEACON answered %d bytes, not the %d stored for epoch %d", e, len(got), len(now.Beacon), now.Epoch)
		}
	}
}

// TestBeaconOpRefusedBeforeTheFirst: a coordinator that has not opened an
// epoch has no beacon to give, and says so.
func TestBeaconOpRefusedBeforeTheFirst(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "coordinator")
	if err := coordinator.Init(dir, "coord-test"); err != nil {
		t.Fatal(err)
	}
	cfg := coordinator.DefaultConfig(dir, newProfile(t, dir))
	cfg.Node.Listen = node.ListenAddrs("127.0.0.1", 0)
	cfg.API = ""
	c, err := coordinator.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	resp := c.AnswerStanding(c.ID(), &standing.Request{Op: standing.OpBeacon})
	if resp.Error == "" || resp.Beacon != nil {
		t.Fatalf("BEACON before the first epoch: error %q, %d bytes of beacon; want a refusal", resp.Error, len(resp.Beacon))
	}
}
