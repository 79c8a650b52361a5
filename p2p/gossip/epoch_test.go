package gossip_test

import (
	"context"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/gossip"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
)

// TestEpochFromBeacon: until a beacon is accepted (or SetEpoch), a topic
// knows no epoch and takes no other kind, its own messages included; an
// accepted beacon sets the epoch, a rejected one does not.
func TestEpochFromBeacon(t *testing.T) {
	h, err := libp2p.New(libp2p.NoListenAddrs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	prof := &profile.Profile{Name: "test", ProtocolPrefix: "/scatterbytes", Epoch: profile.Duration(time.Second)}
	r, err := gossip.NewRouter(testCtx(t), h, gossip.Config{Profile: prof, PeerFilter: func(peer.ID, string) bool { return true }})
	if err != nil {
		t.Fatal(err)
	}
	top, err := gossip.Join(r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { top.Close() })
	check := func(_ context.Context, _ peer.ID, _ uint64, p []byte) gossip.Verdict {
		if string(p) == "bad" {
			return gossip.Reject
		}
		return gossip.Accept
	}
	top.RegisterValidator(gossip.KindBeacon, check)
	top.RegisterValidator(gossip.KindProof, check)
	if err := top.RegisterValidator(gossip.KindProof, check); err == nil {
		t.Error("a second validator for a kind was taken")
	}
	ctx := testCtx(t)
	if _, ok := top.Epoch(); ok {
		t.Fatal("an epoch is known before any beacon")
	}
	if err := top.Publish(ctx, gossip.KindProof, 7, []byte("proof")); !isRefused(err) {
		t.Errorf("proof before any epoch: %v, want ErrRefused", err)
	}
	if err := top.Publish(ctx, gossip.KindBeacon, 9, []byte("bad")); !isRefused(err) {
		t.Errorf("rejected beacon: %v, want ErrRefused", err)
	}
	if _, ok := top.Epoch(); ok {
		t.Fatal("a rejected beacon set the epoch")
	}
	if err := top.Publish(ctx, gossip.KindBeacon, 7, []byte("beacon")); err != nil {
		t.Fatal(err)
	}
	if e, ok := top.Epoch(); !ok || e != 7 {
		t.Fatalf("epoch after beacon 7 = %d, %v", e, ok)
	}
	if err := top.Publish(ctx, gossip.KindProof, 7, []byte("proof")); err != nil {
		t.Errorf("proof after the beacon: %v", err)
	}
	if c := top.Counts(); c.EpochUnknown != 1 || c.KindRejected != 1 || c.Accepted != 2 {
		t.Errorf("counts = %+v", c)
	}
	top.SetEpoch(5) // never back
	if e, _ := top.Epoch(); e != 7 {
		t.Errorf("SetEpoch(5) moved the epoch back to %d", e)
	}
}
