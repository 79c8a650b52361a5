package node

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/p2p/host/eventbus"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/scatterbytes/scatterbytes/internal/wait"
)

// The node's reachability follows the host's AutoNAT events on the
// public network, and is "not checked" elsewhere whatever they say
// (ForceReachabilityPrivate reports every testnet node private).
func TestReachabilityFollowsAutoNAT(t *testing.T) {
	for _, checked := range []bool{true, false} {
		t.Run(fmt.Sprintf("checked=%v", checked), func(t *testing.T) {
			bus := eventbus.NewBus()
			r, err := newReach(bus, checked)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			rctx, stop := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- r.run(rctx) }()
			defer func() { stop(); <-done }()

			v1, err := bus.Emitter(new(event.EvtLocalReachabilityChanged))
			if err != nil {
				t.Fatal(err)
			}
			defer v1.Close()
			v2, err := bus.Emitter(new(event.EvtHostReachableAddrsChanged))
			if err != nil {
				t.Fatal(err)
			}
			defer v2.Close()
			if got := r.get(); got.Unreachable() || got.State != network.ReachabilityUnknown {
				t.Fatalf("before any event: %+v", got)
			}
			v1.Emit(event.EvtLocalReachabilityChanged{Reachability: network.ReachabilityPrivate})
			want := func(cond func(Reachability) bool, what string) {
				t.Helper()
				err := wait.For(ctx, func() error {
					if got := r.get(); !cond(got) {
						return fmt.Errorf("reachability %+v (%s), want %s", got, got, what)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			if !checked {
				// The event may not have landed yet; nothing it says shows.
				v1.Emit(event.EvtLocalReachabilityChanged{Reachability: network.ReachabilityPublic})
				if got := r.get(); got.Checked || got.Unreachable() || !strings.HasPrefix(got.String(), "not checked") {
					t.Fatalf("on a network that is not public: %+v %q", got, got)
				}
				return
			}
			want(func(r Reachability) bool { return r.Unreachable() && strings.HasPrefix(r.String(), "private") }, "private")
			v2.Emit(event.EvtHostReachableAddrsChanged{Reachable: []ma.Multiaddr{ma.StringCast("/ip4/1.2.3.4/tcp/4001")}})
			want(func(r Reachability) bool {
				return !r.Unreachable() && r.State == network.ReachabilityPublic && len(r.ReachableAddrs) == 1
			}, "public")
		})
	}
}
