package gossip_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/peer"
	libp2ptls "github.com/libp2p/go-libp2p/p2p/security/tls"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"

	"github.com/scatterbytes/scatterbytes/p2p/gossip"
)

// TestTopic runs the topic's rules on one network of real nodes: four
// storage nodes and the coordinator are members, three more nodes publish
// raw envelopes as misbehaving members would (a fresh one per subtest: a
// penalised peer is pruned from the meshes, and what it sends after would
// reach no one whatever the checks). The subtests run in order.
func TestTopic(t *testing.T) {
	g := newGossipNet(t, 5, 3, 0)

	t.Run("private protocols", func(t *testing.T) {
		protos := g.members[0].node.Host().Mux().Protocols()
		for _, want := range gossip.Protocols("/scatterbytes") {
			if !containsProto(protos, string(want)) {
				t.Errorf("%s not served", want)
			}
		}
		for _, stock := range []string{"/meshsub/1.1.0", "/meshsub/1.2.0", "/meshsub/1.0.0", "/floodsub/1.0.0"} {
			if containsProto(protos, stock) {
				t.Errorf("stock protocol %s served: an IPFS pubsub peer could mesh with us", stock)
			}
		}
	})

	t.Run("beacon reaches every member", func(t *testing.T) {
		coord := g.members[0]
		if err := coord.topic.Publish(testCtx(t), gossip.KindBeacon, testEpoch+1, []byte("beacon 11")); err != nil {
			t.Fatal(err)
		}
		g.waitDelivered(t, "beacon 11")
		for i, m := range g.members {
			msg, _ := m.has("beacon 11")
			if msg.Author != coord.id || msg.Kind != gossip.KindBeacon || msg.Epoch != testEpoch+1 {
				t.Errorf("member %d got %+v", i, msg)
			}
			if e, ok := m.topic.Epoch(); !ok || e != testEpoch+1 {
				t.Errorf("member %d is at epoch %d after beacon 11", i, e)
			}
		}
		if tr := coord.node.Gossip().Traffic(); tr.SentMessages == 0 || tr.SentDataBytes < int64(len("beacon 11")) || tr.SentBytes <= tr.SentDataBytes {
			t.Errorf("the coordinator's traffic counts no beacon: %+v", tr)
		}
	})

	t.Run("unverified peer cannot publish", func(t *testing.T) {
		h, err := libp2p.New(
			libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"),
			libp2p.Security(libp2ptls.ID, libp2ptls.New),
			libp2p.Transport(tcp.NewTCPTransport),
			libp2p.DisableRelay(),
		)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { h.Close() })
		r, err := gossip.NewRouter(testCtx(t), h, gossip.Config{
			Profile:    g.net.Profile,
			PeerFilter: func(peer.ID, string) bool { return true },
		})
		if err != nil {
			t.Fatal(err)
		}
		top, err := gossip.Join(r)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { top.Close() })
		top.RegisterValidator(gossip.KindBeacon, func(_ context.Context, _ peer.ID, _ uint64, _ []byte) gossip.Verdict { return gossip.Accept })
		top.SetEpoch(testEpoch + 1)
		if _, err := top.Subscribe(gossip.KindBeacon); err != nil {
			t.Fatal(err)
		}
		for _, m := range g.members {
			if err := h.Connect(testCtx(t), m.node.AddrInfo()); err != nil {
				t.Fatal(err)
			}
		}
		// It speaks our protocols and dialled every member; a member that
		// serves no enrolment hangs up on a peer without a certificate at
		// once (package gate), one that does keeps it for the enrolment
		// grace. Either way no stream of it is served and none is opened
		// to it, so what it publishes reaches no one.
		if err := top.Publish(testCtx(t), gossip.KindBeacon, testEpoch+1, []byte("outsider beacon")); err != nil {
			t.Fatal(err)
		}
		g.notDelivered(t, "outsider beacon", "marker b", true)
		if ps := top.Peers(); len(ps) != 0 {
			t.Errorf("the outsider knows %d topic peers", len(ps))
		}
		if mesh := r.Mesh(); len(mesh) != 0 {
			t.Errorf("the outsider has %d mesh peers", len(mesh))
		}
		for i, m := range g.members {
			if contains(m.topic.Peers(), h.ID()) || contains(m.node.Gossip().Mesh(), h.ID()) {
				t.Errorf("member %d counts the outsider as a topic or mesh peer", i)
			}
		}
	})

	t.Run("equivocation rejected", func(t *testing.T) {
		bad := g.raws[0]
		bad.publish(t, gossip.KindProof, testEpoch, "proof A")
		g.waitDelivered(t, "proof A")
		// Counted as relayed where another raw peer, which validates
		// nothing, forwarded B first.
		equivocations := count{"the equivocation", func(c gossip.Counts) int64 { return c.Equivocation + c.RelayedEquivocation }}
		g.expectCounted(t, bad, []count{equivocations}, func() {
			bad.publish(t, gossip.KindProof, testEpoch, "proof B")
		})
		g.notDelivered(t, "proof B", "marker d", true)
		// A member's own second proof for an epoch is refused before it is sent.
		m := g.members[2]
		if err := m.topic.Publish(testCtx(t), gossip.KindProof, testEpoch+1, []byte("own proof 1")); err != nil {
			t.Fatal(err)
		}
		if err := m.topic.Publish(testCtx(t), gossip.KindProof, testEpoch+1, []byte("own proof 2")); !isRefused(err) {
			t.Errorf("second own proof: %v, want ErrRefused", err)
		}
		// The same proof again is no equivocation.
		if err := m.topic.Publish(testCtx(t), gossip.KindProof, testEpoch+1, []byte("own proof 1")); err != nil {
			t.Errorf("same proof again: %v", err)
		}
	})

	t.Run("stale and future epochs", func(t *testing.T) {
		bad := g.raws[1]
		g.expectCounted(t, bad, []count{
			{"the stale proof", func(c gossip.Counts) int64 { return c.Stale }},
			{"the future proof", func(c gossip.Counts) int64 { return c.Early }},
		}, func() {
			bad.send(t, env(gossip.KindProof, testEpoch-5, "stale proof"), env(gossip.KindProof, 1<<40, "future proof"))
		})
		g.notDelivered(t, "stale proof", "marker e1", true)
		g.notDelivered(t, "future proof", "marker e2", true)
		m := g.members[2]
		if err := m.topic.Publish(testCtx(t), gossip.KindCRL, testEpoch-5, []byte("stale crl")); !isRefused(err) {
			t.Errorf("stale publish: %v, want ErrRefused", err)
		}
		if err := m.topic.Publish(testCtx(t), gossip.KindCRL, 1<<40, []byte("future crl")); !isRefused(err) {
			t.Errorf("future publish: %v, want ErrRefused", err)
		}
	})

	t.Run("malformed and oversize refused", func(t *testing.T) {
		bad := g.raws[2]
		huge := bytes.Repeat([]byte("h"), gossip.MaxEnvelope)
		g.expectCounted(t, bad, []count{
			{"the oversize envelope", func(c gossip.Counts) int64 { return c.Oversize }},
			{"the malformed envelope", func(c gossip.Counts) int64 { return c.Malformed }},
			{"the unvalidated kind", func(c gossip.Counts) int64 { return c.NoValidator }},
		}, func() {
			bad.send(t, env(gossip.KindProof, testEpoch+1, string(huge)), []byte("not an envelope"),
				env(gossip.Kind(99), testEpoch+1, "kind nobody validates"))
		})
		g.notDelivered(t, string(huge), "marker f1", true)
		g.notDelivered(t, "not an envelope", "marker f2", true)
		g.notDelivered(t, "kind nobody validates", "marker f3", true)
		m := g.members[2]
		err := m.topic.Publish(testCtx(t), gossip.KindProof, testEpoch+1, make([]byte, gossip.MaxPayload+1))
		if !errors.Is(err, gossip.ErrTooLarge) {
			t.Errorf("oversize publish: %v, want ErrTooLarge", err)
		}
		if err := m.topic.Publish(testCtx(t), gossip.Kind(99), testEpoch+1, []byte("x")); !errors.Is(err, gossip.ErrNoValidator) {
			t.Errorf("publish of a kind without validator: %v, want ErrNoValidator", err)
		}
	})

	t.Run("close ends subscriptions", func(t *testing.T) {
		m := g.members[4]
		// pubsub refuses to close a topic with live subscriptions: Close
		// must end them first.
		if err := m.topic.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := m.topic.Subscribe(gossip.KindProof); err == nil {
			t.Error("subscribed to a closed topic")
		}
	})
}

// TestFlooderGraylisted: a verified member that floods messages the kind
// validator rejects is scored below the graylist threshold and pruned from
// every mesh; then even its valid messages go nowhere, while honest
// members' messages still flow and their scores stay at or above zero.
func TestFlooderGraylisted(t *testing.T) {
	// Invalid messages weigh for a day, so that the verdict outlasts the test.
	g := newGossipNet(t, 5, 1, 24*time.Hour)
	flooder := g.raws[0]
	graylist := g.members[0].node.Gossip().Thresholds().GraylistThreshold
	// One batch: every bad proof leaves for every member at once. Sent one
	// by one on a loaded machine, they straggled over several heartbeats;
	// a member prunes the flooder from its mesh at the first heartbeat
	// after a rejection, and gossipsub publishes to mesh peers only (no
	// flood publishing), so that member got no more of them (one counted 4
	// and scored the flooder -159.2, never below the graylist). Sixteen
	// cost 2560 where graylisting takes 400, and leave room in pubsub's
	// 32-message validation queue, whose overflow is dropped unscored.
	var flood [][]byte
	for i := range 16 {
		flood = append(flood, env(gossip.KindProof, testEpoch, fmt.Sprintf("bad proof %d", i)))
	}
	flooder.send(t, flood...)
	waitFor(t, func() error {
		for i, m := range g.members {
			if s := m.topic.Score(flooder.id); s >= graylist {
				return fmt.Errorf("member %d scores the flooder %.1f, graylist below %.1f", i, s, graylist)
			}
		}
		return nil
	})
	waitFor(t, func() error {
		for i, m := range g.members {
			if contains(m.node.Gossip().Mesh(), flooder.id) {
				return fmt.Errorf("member %d still has the flooder in its mesh", i)
			}
		}
		return nil
	})
	flooder.publish(t, gossip.KindProof, testEpoch+1, "flooder's valid proof")
	g.notDelivered(t, "flooder's valid proof", "honest marker", true)
	for i, m := range g.members {
		for _, o := range g.members {
			if o != m && m.topic.Score(o.id) < 0 {
				t.Errorf("member %d scores honest member %s at %.1f", i, o.id, m.topic.Score(o.id))
			}
		}
	}
}

func containsProto[T ~string](ps []T, s string) bool {
	for _, p := range ps {
		if string(p) == s {
			return true
		}
	}
	return false
}
