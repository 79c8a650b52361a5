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
		{"departed peer stays verified", func(t *testing.T, tg *testGate, p peer.ID) {
			tg.g.settle(p, tg.member(p), nil)
			tg.g.disconnected(p)
			tg.wantVerified(t, p, true)
			tg.wantDropped(t, p, false)
		}},
		{"departed peer is revoked", func(t *testing.T, tg *testGate, p peer.ID) {
			tg.g.settle(p, tg.member(p), nil)
			tg.g.disconnected(p)
			tg.deny(p)
			tg.wantVerified(t, p, false)
			tg.g.DropDenied()
			tg.wantDropped(t, p, true)
		}},
		{"departed peer's certificate expires", func(t *testing.T, tg *testGate, p peer.ID) {
			tg.g.settle(p, tg.member(p), nil)
			tg.g.disconnected(p)
			tg.advance(2 * time.Hour)
			tg.wantVerified(t, p, false)
			tg.g.pruneExpired()
			tg.wantDropped(t, p, true)
		}},
		{"peer leaves before its verdict", func(t *testing.T, tg *testGate, p peer.ID) {
			tg.g.mu.Lock()
			tg.g.state(p)
			tg.g.mu.Unlock()
			tg.g.disconnected(p)
			tg.wantDropped(t, p, true)
			tg.g.settle(p, tg.member(p), nil) // its exchange ends late
			tg.wantVerified(t, p, true)
			tg.g.mu.Lock()
			run := tg.g.peers[p].needsExchange()
			tg.g.mu.Unlock()
			if !run {
				t.Fatal("a verdict settled after the peer left would not be checked on its next connection")
			}
		}},
		{"returning peer is checked again and refused", func(t *testing.T, tg *testGate, p peer.ID) {
			tg.g.settle(p, tg.member(p), nil)
			tg.g.disconnected(p)
			tg.g.mu.Lock()
			run := tg.g.peers[p].needsExchange()
			tg.g.mu.Unlock()
			if !run {
				t.Fatal("a new connection of a departed peer would not be checked again")
			}
			tg.g.reject(p, ErrNotVerified) // what a failed exchange does
			tg.wantVerified(t, p, false)
			tg.wantDropped(t, p, true)
		}},
		{"remembered peer is verified and checked on its next connection", func(t *testing.T, tg *testGate, p peer.ID) {
			if !tg.g.Remember(tg.member(p)) {
				t.Fatal("Remember refused a valid verdict")
			}
			tg.wantVerified(t, p, true)
			tg.g.mu.Lock()
			run := tg.g.peers[p].needsExchange()
			tg.g.mu.Unlock()
			if !run {
				t.Fatal("a remembered peer's connection would not be checked")
			}
			tg.g.reject(p, ErrNotVerified) // its exchange fails
			tg.wantVerified(t, p, false)
		}},
		{"remembered peer revoked or expired", func(t *testing.T, tg *testGate, p peer.ID) {
			tg.g.Remember(tg.member(p))
			tg.deny(p)
			tg.wantVerified(t, p, false)
			q := randomPeer(t)
			tg.g.Remember(tg.member(q))
			tg.advance(2 * time.Hour)
			tg.wantVerified(t, q, false)
		}},
		{"nothing remembered over a verdict, for a denied peer or an expired certificate", func(t *testing.T, tg *testGate, p peer.ID) {
			tg.g.settle(p, tg.member(p), nil)
			if tg.g.Remember(tg.member(p)) {
				t.Error("Remember replaced a verdict")
			}
			q := randomPeer(t)
			tg.deny(q)
			if tg.g.Remember(tg.member(q)) {
				t.Error("Remember admitted a denied peer")
			}
			r := randomPeer(t)
			m := tg.member(r)
			tg.advance(2 * time.Hour)
			if tg.g.Remember(m) {
				t.Error("Remember admitted an expired certificate")
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, newTestGate(t), randomPeer(t))
		})
	}
}

type testGate struct {
	g *Gate

	mu      sync.Mutex
	denied  map[peer.ID]bool
	dropped map[peer.ID]bool
	now     time.Time
}

// newTestGate is a gate on a host that never connects to anyone, with a
// deny list and a clock the test controls.
func newTestGate(t *testing.T) *testGate {
	t.Helper()
	tg := &testGate{denied: map[peer.ID]bool{}, dropped: map[peer.ID]bool{}, now: time.Now()}
	g, err := New(Config{
		Protocol: "/scatterbytes/cert/1.0.0",
		Verifier: noVerifier{},
		Cert:     func() []byte { return nil },
		Denied: func(p peer.ID) bool {
			tg.mu.Lock()
			defer tg.mu.Unlock()
			return tg.denied[p]
		},
		OnDrop: func(p peer.ID) {
			tg.mu.Lock()
			defer tg.mu.Unlock()
			tg.dropped[p] = true
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

func (tg *testGate) wantDropped(t *testing.T, p peer.ID, want bool) {
	t.Helper()
	tg.mu.Lock()
	got := tg.dropped[p]
	tg.mu.Unlock()
	if got != want {
		t.Errorf("OnDrop(%s) called: %v, want %v", p, got, want)
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
