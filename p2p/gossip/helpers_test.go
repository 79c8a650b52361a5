package gossip_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/gossip"
	"github.com/scatterbytes/scatterbytes/p2p/node"
)

// testEpoch is where every member's topic starts.
const testEpoch = 10

var kinds = []gossip.Kind{gossip.KindBeacon, gossip.KindProof, gossip.KindCRL}

// member is a peer that takes part through a gossip.Topic, with a
// validator that rejects payloads starting with "bad" and an inbox per kind.
type member struct {
	id    peer.ID
	node  *node.Node
	topic *gossip.Topic

	mu     sync.Mutex
	got    []gossip.Message
	judged [][]byte // payloads the kind validators saw
}

// raw is a verified peer that publishes envelopes on the topic without
// gossip.Topic: no validator of its own, as a misbehaving member would.
type raw struct {
	id    peer.ID
	node  *node.Node
	topic *pubsub.Topic
}

// gossipNet is a CA network whose coordinator and first `members` storage
// nodes are members and whose next `raws` nodes are raw publishers, every
// peer connected to every other, every member's epoch at testEpoch and
// every mesh formed.
type gossipNet struct {
	net     *testnet.Network
	members []*member
	raws    []*raw
	markers int
}

func newGossipNet(t *testing.T, members, raws int, invalidMemory time.Duration) *gossipNet {
	t.Helper()
	net := nettest.NewWith(t, testnet.Options{
		Nodes: members - 1 + raws, Epoch: time.Second,
		Configure: func(_ int, c *node.Config) { c.GossipInvalidMemory = invalidMemory },
	})
	peers := net.Running()
	ctx := testCtx(t)
	for i, a := range peers {
		for _, b := range peers[i+1:] {
			if err := a.Node().Host().Connect(ctx, b.Node().AddrInfo()); err != nil {
				t.Fatal(err)
			}
		}
	}
	g := &gossipNet{net: net}
	for _, p := range peers[:members] {
		g.members = append(g.members, join(t, p.Node()))
	}
	all := len(peers) - 1
	// Raw peers join last, once they know every member's subscription, so
	// that their meshes take everyone in (D = 6 covers a network of 7).
	for _, p := range peers[members:] {
		r := &raw{id: p.ID, node: p.Node()}
		ps := p.Node().PubSub()
		waitFor(t, func() error {
			if n := len(ps.ListPeers(gossip.TopicName(net.Profile))); n < members {
				return fmt.Errorf("raw peer knows %d members of the topic", n)
			}
			return nil
		})
		var err error
		if r.topic, err = ps.Join(gossip.TopicName(net.Profile)); err != nil {
			t.Fatal(err)
		}
		sub, err := r.topic.Subscribe()
		if err != nil {
			t.Fatal(err)
		}
		drain(t, sub)
		g.raws = append(g.raws, r)
	}
	waitFor(t, func() error {
		for _, p := range peers {
			if n := len(p.Node().Gossip().Mesh()); n < min(all, 5) {
				return fmt.Errorf("peer %d has %d mesh peers", p.Index, n)
			}
		}
		return nil
	})
	return g
}

// join makes n a member.
func join(t *testing.T, n *node.Node) *member {
	t.Helper()
	top, err := gossip.Join(n.Gossip())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { top.Close() })
	m := &member{id: n.ID(), node: n, topic: top}
	for _, k := range kinds {
		if err := top.RegisterValidator(k, m.validate); err != nil {
			t.Fatal(err)
		}
	}
	top.SetEpoch(testEpoch)
	for _, k := range kinds {
		sub, err := top.Subscribe(k)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		t.Cleanup(func() { cancel(); sub.Cancel(); <-done })
		go func() {
			defer close(done)
			for {
				msg, err := sub.Next(ctx)
				if err != nil {
					return
				}
				m.mu.Lock()
				m.got = append(m.got, msg)
				m.mu.Unlock()
			}
		}()
	}
	return m
}

func (m *member) validate(_ context.Context, _ peer.ID, _ uint64, payload []byte) gossip.Verdict {
	m.mu.Lock()
	m.judged = append(m.judged, bytes.Clone(payload))
	m.mu.Unlock()
	if bytes.HasPrefix(payload, []byte("bad")) {
		return gossip.Reject
	}
	return gossip.Accept
}

// has reports whether m was delivered a message with payload.
func (m *member) has(payload string) (gossip.Message, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, msg := range m.got {
		if string(msg.Payload) == payload {
			return msg, true
		}
	}
	return gossip.Message{}, false
}

// sawJudged reports whether a kind validator of m saw payload.
func (m *member) sawJudged(payload string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.judged {
		if string(p) == payload {
			return true
		}
	}
	return false
}

// publish sends an envelope from r, unchecked.
func (r *raw) publish(t *testing.T, kind gossip.Kind, epoch uint64, payload string) {
	t.Helper()
	r.send(t, env(kind, epoch, payload))
}

// send publishes data from r in one batch: every message leaves for the
// same peers at once, before any verdict can prune r from a mesh.
func (r *raw) send(t *testing.T, data ...[]byte) {
	t.Helper()
	var batch pubsub.MessageBatch
	for _, d := range data {
		if err := r.topic.AddToBatch(testCtx(t), &batch, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.node.PubSub().PublishBatch(&batch); err != nil {
		t.Fatal(err)
	}
}

func env(kind gossip.Kind, epoch uint64, payload string) []byte {
	return gossip.EncodeEnvelope(kind, epoch, []byte(payload))
}

// waitDelivered waits until every member (but skip) holds payload.
func (g *gossipNet) waitDelivered(t *testing.T, payload string, skip ...peer.ID) {
	t.Helper()
	waitFor(t, func() error {
		for i, m := range g.members {
			if _, ok := m.has(payload); !ok && !contains(skip, m.id) {
				return fmt.Errorf("member %d has not got %q", i, payload)
			}
		}
		return nil
	})
}

// notDelivered publishes a marker from an honest member after payload was
// sent, waits until the marker reached every member and then checks that
// payload reached none (nor any kind validator when unjudged): what a
// member would have accepted has had the time the marker took.
func (g *gossipNet) notDelivered(t *testing.T, payload, marker string, unjudged bool) {
	t.Helper()
	// Each marker takes its own (author, kind, epoch) slot: members 1..4,
	// epochs testEpoch and testEpoch+1.
	i := g.markers
	g.markers++
	from := g.members[1+i%(len(g.members)-1)]
	if err := from.topic.Publish(testCtx(t), gossip.KindCRL, testEpoch+uint64(i/(len(g.members)-1)%2), []byte(marker)); err != nil {
		t.Fatal(err)
	}
	g.waitDelivered(t, marker)
	for i, m := range g.members {
		if _, ok := m.has(payload); ok {
			t.Errorf("member %d was delivered %.20q", i, payload)
		}
		if unjudged && m.sawJudged(payload) {
			t.Errorf("member %d's validator judged %.20q", i, payload)
		}
	}
}

// count names a verdict counter of gossip.Counts.
type count struct {
	what  string
	field func(gossip.Counts) int64
}

// expectCounted runs publish, a raw peer's, and waits until every member
// in that peer's mesh has counted a verdict under each of counts: proof
// that what it sent arrived, and why it was dropped. publish sends
// everything at once: a penalised peer is pruned from the meshes at the
// next heartbeat, and what it sends after that reaches no one.
func (g *gossipNet) expectCounted(t *testing.T, r *raw, counts []count, publish func()) {
	t.Helper()
	mesh := r.node.Gossip().Mesh()
	before := map[peer.ID]gossip.Counts{}
	for _, m := range g.members {
		before[m.id] = m.topic.Counts()
	}
	publish()
	waitFor(t, func() error {
		n := 0
		for i, m := range g.members {
			if !contains(mesh, m.id) {
				continue
			}
			n++
			for _, c := range counts {
				if c.field(m.topic.Counts()) <= c.field(before[m.id]) {
					return fmt.Errorf("member %d has not counted %s", i, c.what)
				}
			}
		}
		if n == 0 {
			return errors.New("no member in the mesh of the raw peer")
		}
		return nil
	})
}

func contains(ps []peer.ID, p peer.ID) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func waitFor(t testing.TB, cond func() error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	if err := wait.For(ctx, cond); err != nil {
		t.Fatal(err)
	}
}

// drain reads sub until the test ends, so that pubsub never blocks on it.
func drain(t *testing.T, sub *pubsub.Subscription) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); sub.Cancel(); <-done })
	go func() {
		defer close(done)
		for {
			if _, err := sub.Next(ctx); err != nil {
				return
			}
		}
	}()
}

func isRefused(err error) bool { return errors.Is(err, gossip.ErrRefused) }
