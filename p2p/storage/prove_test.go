package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
)

// steppedNetwork starts a coordinator whose epochs follow clk and n
// storage nodes. The tests set clk an hour ahead of the wall clock: by
// the beacons' times no node is ever behind, so none asks the coordinator
// for a beacon unless it heard none since it started (or a test makes it).
func steppedNetwork(t *testing.T, n int, clk *nettest.SteppedClock) (*testnet.Network, *coordinator.Coordinator) {
	t.Helper()
	net := nettest.NewWith(t, testclient.WithStorage(testclient.WithCoordinator(
		testnet.Options{Nodes: n, Epoch: 2 * time.Second},
		func(c *coordinator.Config) { c.Clock = clk })))
	return net, net.Coordinator().Role().(*coordinator.Coordinator)
}

func storageOf(p *testnet.Peer) *storage.Storage { return p.Role().(*storage.Node).Storage() }

// waitUntil polls cond for up to a minute.
func waitUntil(t *testing.T, cond func() error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := wait.For(ctx, cond); err != nil {
		t.Fatal(err)
	}
}

// provenBy waits until the coordinator has recorded node p's proof of
// epoch e.
func provenBy(t *testing.T, c *coordinator.Coordinator, p peer.ID, e uint64) {
	t.Helper()
	waitUntil(t, func() error {
		views, err := c.Nodes()
		if err != nil {
			return err
		}
		for _, v := range views {
			if v.Peer == p.String() {
				if v.LastEpoch != e {
					return fmt.Errorf("node %s last proved epoch %d, waiting for %d", p, v.LastEpoch, e)
				}
				return nil
			}
		}
		return fmt.Errorf("node %s has not proved yet, waiting for epoch %d", p, e)
	})
}

// stepTo moves the coordinator to epoch e and waits until its beacon is
// out: both loops that sleep on the clock (the epochs and the spot
// checks) are parked again.
func stepTo(t *testing.T, c *coordinator.Coordinator, clk *nettest.SteppedClock, e uint64) {
	t.Helper()
	st, err := c.Status()
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(st.Start.Add(time.Duration(e-st.Epoch) * st.Length))
	waitUntil(t, func() error {
		st, err := c.Status()
		switch {
		case err != nil:
			return err
		case st.Epoch != e || st.Beacon == nil:
			return fmt.Errorf("coordinator in epoch %d (beacon %v), waiting for %d", st.Epoch, st.Beacon != nil, e)
		case clk.Waiting() < 2:
			return fmt.Errorf("%d of the coordinator's loops parked, waiting for 2", clk.Waiting())
		}
		return nil
	})
}

// TestLateNodeCatchesUp: a node that starts after the coordinator
// published the beacon of the epoch under way never hears it on gossip,
// and no other comes while the clock stands; it asks the coordinator and
// proves the epoch.
func TestLateNodeCatchesUp(t *testing.T) {
	clk := nettest.NewSteppedClock(time.Now().Add(time.Hour))
	net, c := steppedNetwork(t, 0, clk)
	st, err := c.Status()
	if err != nil {
		t.Fatal(err)
	}
	e := st.Epoch + 1
	stepTo(t, c, clk, e) // published with no storage node in the network
	p, err := net.AddNode()
	if err != nil {
		t.Fatal(err)
	}
	provenBy(t, c, p.ID, e)
	s := storageOf(p)
	if got, want := s.Beacons(), (storage.BeaconCounts{Asked: 1}); got != want {
		t.Errorf("beacons %+v, want %+v: the only beacon came from the coordinator", got, want)
	}
	// The node writes its status file after it publishes: the coordinator
	// may have recorded the proof first.
	var status storage.Status
	waitUntil(t, func() (err error) {
		status, err = storage.ReadStatus(p.Dir)
		if err == nil && status.LastEpoch != e {
			err = fmt.Errorf("status file at epoch %d, waiting for %d", status.LastEpoch, e)
		}
		return err
	})
	if s.Proofs() != 1 || status.Proofs != 1 || status.LastEpoch != e || status.LastError != "" {
		t.Errorf("%d proofs published; status %+v; want one proof of epoch %d", s.Proofs(), status, e)
	}
}

// TestEachEpochAnsweredOnce: a beacon that comes again by the catch-up
// after gossip brought it, or one older than the last answered, is
// dropped; only the first of an epoch is answered.
func TestEachEpochAnsweredOnce(t *testing.T) {
	clk := nettest.NewSteppedClock(time.Now().Add(time.Hour))
	net, c := steppedNetwork(t, 1, clk)
	p := net.Nodes()[0]
	s := storageOf(p)
	st, err := c.Status()
	if err != nil {
		t.Fatal(err)
	}
	first, older := st.Epoch, st.Beacon
	// The first epoch's beacon went out as the network started: the node
	// heard it or asked for it, whichever came first.
	provenBy(t, c, p.ID, first)
	before := s.Beacons()
	if before.Gossip+before.Asked != 1 || before.Skipped != 0 {
		t.Fatalf("beacons %+v after the first epoch, want one answered", before)
	}
	// The next comes by gossip: the node is in the mesh (its proof
	// reached the coordinator), and an hour ahead of the wall clock it is
	// never behind, so it does not ask.
	e := first + 1
	stepTo(t, c, clk, e)
	provenBy(t, c, p.ID, e)
	if got, want := s.Beacons(), (storage.BeaconCounts{Gossip: before.Gossip + 1, Asked: before.Asked}); got != want {
		t.Fatalf("beacons %+v, want %+v: epoch %d by gossip", got, want, e)
	}
	// The same beacon again, from the coordinator, then the older one.
	if err := s.CatchUpNow(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := s.HandBeacon(t.Context(), older); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() error { // the loop has taken both: answered or dropped
		if got := s.Beacons(); got.Gossip+got.Asked+got.Skipped != before.Gossip+before.Asked+3 {
			return fmt.Errorf("beacons %+v, waiting for the loop to take 2 more", got)
		}
		return nil
	})
	if got, want := s.Beacons(), (storage.BeaconCounts{Gossip: before.Gossip + 1, Asked: before.Asked, Skipped: 2}); got != want {
		t.Errorf("beacons %+v, want %+v", got, want)
	}
	var status storage.Status
	waitUntil(t, func() (err error) { // written after the publish the coordinator saw
		status, err = storage.ReadStatus(p.Dir)
		if err == nil && status.LastEpoch != e {
			err = fmt.Errorf("status file at epoch %d, waiting for %d", status.LastEpoch, e)
		}
		return err
	})
	if s.Proofs() != 2 || status.Proofs != 2 || status.LastEpoch != e {
		t.Errorf("%d proofs published, status %+v; want one for each of epochs %d and %d", s.Proofs(), status, first, e)
	}
}
