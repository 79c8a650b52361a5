package shard

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
	ma "github.com/multiformats/go-multiaddr"
)

func TestDialErrorIsOneLineNamingEachAddress(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"libp2p's dial error", "failed to dial 12D3KooWX: all dials failed\n  * [/ip4/10.77.1.2/tcp/4001] dial tcp4 10.77.1.2:4001: i/o timeout\n  * [/ip4/10.77.1.2/udp/4001/quic-v1] context deadline exceeded",
			"dial failed: [/ip4/10.77.1.2/tcp/4001] dial tcp4 10.77.1.2:4001: i/o timeout; [/ip4/10.77.1.2/udp/4001/quic-v1] context deadline exceeded"},
		{"cancelled when the lookup ended", "failed to dial 12D3KooWX: context canceled", "dial still running when the lookup ended"},
		{"anything else", "no addresses", "no addresses"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := dialError(tc.in); got != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestUnreachablesExpireAndAreForgotten(t *testing.T) {
	var u unreachables
	a, b := peer.ID("a"), peer.ID("b")
	now := time.Unix(1000, 0)
	if u.describe(now) != "" {
		t.Fatal("an empty memory describes something")
	}
	u.add(a, "i/o timeout", now)
	u.add(b, "refused", now)
	if !u.has(a, now.Add(unreachableFor-time.Second)) || u.has(a, now.Add(unreachableFor)) {
		t.Fatal("a peer is not remembered for exactly unreachableFor")
	}
	u.forget(b)
	if got := u.describe(now); !strings.Contains(got, "i/o timeout") || strings.Contains(got, "refused") {
		t.Fatalf("describe = %q, want a only", got)
	}
}

// TestNoteDialRemembersFailedDialsOnly: a probe's or a PUT's dial that
// failed leaves the peer out of writes and names it; a request that failed
// on a connection does not; a later back-off keeps the first reason.
func TestNoteDialRemembersFailedDialsOnly(t *testing.T) {
	var n Net
	p, q := peer.ID("p"), peer.ID("q")
	addr := ma.StringCast("/ip4/10.77.1.2/tcp/4001")
	dial := func(cause error) error {
		return fmt.Errorf("chunk SPACE at p: failed to dial: %w", &swarm.DialError{Peer: p,
			DialErrors: []swarm.TransportError{{Address: addr, Cause: cause}}})
	}
	n.noteDial(q, errors.New("stream reset"))
	if n.unreach.has(q, time.Now()) {
		t.Fatal("a request that failed on a connection made its peer unreachable")
	}
	n.noteDial(q, fmt.Errorf("failed to dial: %w", &swarm.DialError{Peer: q, Cause: context.Canceled}))
	if n.unreach.has(q, time.Now()) {
		t.Fatal("a dial this node cancelled made its peer unreachable")
	}
	n.noteDial(p, dial(errors.New("i/o timeout")))
	n.noteDial(p, dial(swarm.ErrDialBackoff))
	if !n.unreach.has(p, time.Now()) {
		t.Fatal("a peer whose dial failed is not unreachable")
	}
	if got, want := n.unreach.describe(time.Now()), "dial failed: [/ip4/10.77.1.2/tcp/4001] i/o timeout"; !strings.Contains(got, want) {
		t.Fatalf("describe = %q, want it to hold %q", got, want)
	}
}
