package gate

import (
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
)

// A verdict is read through the deny list and the clock every time: these
// cases settle and read verdicts directly, in the orders a revocation or an
// expiry can meet an exchange under way.
func TestVerdictHoldsOnlyWhileNotDeniedAndUnexpired(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, tg *testGate, p peer.ID)
	}{
		{"exchange ends after the revocation", func(t *testing.T, tg *testGate, p peer.ID) {
			tg.deny(p)
			tg.g.settle(p, tg.member(p), nil)
			tg.wantVerified(t, p, false)
		}},
		{"exchange ends after the revocation and the forget", func(t *testing.T, tg *testGate, p peer.ID) {
			tg.deny(p)
			tg.g.DropDenied()
			tg.g.forget(p)
			tg.g.settle(p, tg.member(p), nil)
			tg.wantVerified(t, p, false)
		}},
		{"revoked after the verdict", func(t *testing.T, tg *testGate, p peer.ID) {
			tg.g.settle(p, tg.member(p), nil)
			tg.wantVerified(t, p, true)
			tg.deny(p)
			tg.wantVerified(t, p, false)
		}},
		{"certificate expires after the verdict", func(t *testing.T, tg *testGate, p peer.ID) {
			tg.g.settle(p, tg.member(p), nil)
			tg.wantVerified(t, p, true)
			tg.advance(2 * time.Hour)
			tg.wantVerified(t, p, false)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, newTestGate(t), randomPeer(t))
		})
	}
}

type testGate struct {
	g *Gate

	mu     sync.Mutex
	denied map[peer.ID]bool
	now    time.Time
}

// newTestGate is a gate on a host that never connects to anyone, with a
// deny list and a clock the test controls.
func newTestGate(t *testing.T) *testGate {
	t.Helper()
	tg := &testGate{denied: map[peer.ID]bool{}, now: time.Now()}
	g, err := New(Config{
		Protocol: "/scatterbytes/cert/1.0.0",
		Verifier: noVerifier{},
		Cert:     func() []byte { return nil },
		Denied: func(p peer.ID) bool {
			tg.mu.Lock()
			defer tg.mu.Unlock()
			return tg.denied[p]
		},
		Now: func() time.Time {
			tg.mu.Lock()
			defer tg.mu.Unlock()
			return tg.now
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := libp2p.New(libp2p.NoListenAddrs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	if err := g.Attach(h); err != nil {
		t.Fatal(err)
	}
	tg.g = g
	return tg
}

func (tg *testGate) deny(p peer.ID) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	tg.denied[p] = true
}

func (tg *testGate) advance(d time.Duration) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	tg.now = tg.now.Add(d)
}

// member is what verifying p's certificate, valid for an hour, yields.
func (tg *testGate) member(p peer.ID) cert.Member {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return cert.Member{Peer: p, Role: cert.RoleNode, NotBefore: tg.now.Add(-time.Minute), NotAfter: tg.now.Add(time.Hour)}
}

func (tg *testGate) wantVerified(t *testing.T, p peer.ID, want bool) {
	t.Helper()
	if _, got := tg.g.Verified(p); got != want {
		t.Errorf("Verified(%s) = %v, want %v", p, got, want)
	}
	if got := tg.g.RoutingTableFilter(nil, p); got != want {
		t.Errorf("RoutingTableFilter(%s) = %v, want %v", p, got, want)
	}
	if got := tg.g.PeerFilter(p, ""); got != want {
		t.Errorf("PeerFilter(%s) = %v, want %v", p, got, want)
	}
	if got := len(tg.g.Members()) == 1; got != want {
		t.Errorf("Members() = %v, want %s listed: %v", tg.g.Members(), p, want)
	}
}

type noVerifier struct{}

func (noVerifier) Verify([]byte, peer.ID) (cert.Member, error) {
	return cert.Member{}, ErrNotVerified
}

func randomPeer(t *testing.T) peer.ID {
	t.Helper()
	_, pub, err := crypto.GenerateEd25519Key(nil)
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
