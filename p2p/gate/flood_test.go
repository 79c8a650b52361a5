package gate_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	libp2ptls "github.com/libp2p/go-libp2p/p2p/security/tls"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"

	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
)

// floodAttempts is the number of connection attempts without a valid
// certificate the redialling flood makes (issue 14: a thousand); the flood
// of fresh identities makes -fresh of them, fewer by default because each
// attacker is a whole libp2p host (~50 ms of CPU under -race).
const floodAttempts = 1000

var freshAttempts = flag.Int("fresh", 200, "connection attempts from fresh identities in TestFloodOfUnverifiedPeers")

// A thousand connection attempts without a valid certificate, from fresh
// identities and from one identity redialling: the node refuses each,
// keeps serving a member (which reconnects and opens a data stream beside
// the flood), keeps no record of the flood, and the test reports the CPU
// each refused attempt costs. The CPU is the whole test process's (the
// attackers' side of each handshake included), so an upper bound on the
// node's.
func TestFloodOfUnverifiedPeers(t *testing.T) {
	if testing.Short() {
		t.Skip("a thousand handshakes")
	}
	net, served := gatedNet(t)
	target := net.Peer(1).Node()
	member := net.Peer(2).Node()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	// legit reconnects the member to the target and opens a data stream:
	// a fresh connection's exchange and a gated stream, beside the flood.
	legit := func() error {
		member.Host().Network().ClosePeer(target.ID())
		if err := member.Host().Connect(ctx, target.AddrInfo()); err != nil {
			return fmt.Errorf("member connect: %w", err)
		}
		s, err := member.Host().NewStream(ctx, target.ID(), dataProto)
		if err != nil {
			return fmt.Errorf("member stream: %w", err)
		}
		b, err := io.ReadAll(s)
		if err != nil || string(b) != "data" {
			return fmt.Errorf("member read %q: %v", b, err)
		}
		return nil
	}

	// What the attacker's side alone costs in this process: making and
	// closing a host (a fresh identity's attempt makes one), to tell the
	// node's share apart.
	cpu0 := cpuTime(t)
	for range 100 {
		bareHost(t).Close()
	}
	perHost := (cpuTime(t) - cpu0) / 100

	for _, tc := range []struct {
		name     string
		attempts int
		attempt  func(i int) error
	}{
		{"fresh identities without a certificate", *freshAttempts, func(int) error {
			h := bareHost(t)
			defer h.Close()
			return refusedAttempt(ctx, t, h, target.AddrInfo(), target.Host().Network())
		}},
		{"one identity with a bad certificate, redialling", floodAttempts, func() func(int) error {
			k := newKey(t)
			der, err := cert.SelfSigned(k, cert.RoleNode, "", time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			h := nettest.Rogue(t, k, der)
			return func(int) error { return refusedAttempt(ctx, t, h, target.AddrInfo(), target.Host().Network()) }
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := served.Load()
			cpu0, wall0 := cpuTime(t), time.Now()
			var wg sync.WaitGroup
			errs := make(chan error, tc.attempts+tc.attempts/100+1)
			next := make(chan int)
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range next {
						if err := tc.attempt(i); err != nil {
							errs <- err
						}
					}
				}()
			}
			legitDone := 0
			for i := range tc.attempts {
				next <- i
				if i%100 == 50 || i == tc.attempts-1 {
					if err := legit(); err != nil {
						errs <- fmt.Errorf("legitimate operation during the flood: %w", err)
					}
					legitDone++
				}
			}
			close(next)
			wg.Wait()
			cpu, wall := cpuTime(t)-cpu0, time.Since(wall0)
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if got := served.Load() - before; got != int64(legitDone) {
				t.Fatalf("%d data streams served, want the member's %d", got, legitDone)
			}
			t.Logf("%d refused attempts in %s (%s each); process CPU %s, %s per refused attempt (both sides of each handshake; making an attacker's host costs %s of it where one is made); %d member operations beside them, all served",
				tc.attempts, wall.Round(time.Millisecond), (wall / time.Duration(tc.attempts)).Round(time.Microsecond),
				cpu.Round(time.Millisecond), (cpu / time.Duration(tc.attempts)).Round(time.Microsecond), perHost.Round(time.Microsecond), legitDone)
		})
	}
	// Nothing of the flood stays connected or pending a verdict.
	waitUntil(t, func() error {
		for _, p := range target.Host().Network().Peers() {
			if _, ok := target.Gate().Verified(p); !ok {
				return fmt.Errorf("unverified peer %s still connected", p)
			}
		}
		return nil
	})
}

// refusedAttempt connects h to the target and waits until the target has
// hung up on it; the target's gater may refuse it before that (back-off).
func refusedAttempt(ctx context.Context, t *testing.T, h host.Host, ai peer.AddrInfo, targetNet network.Network) error {
	h.Peerstore().AddAddrs(ai.ID, ai.Addrs, time.Minute)
	dctx, cancel := context.WithTimeout(network.WithForceDirectDial(ctx, "flood"), 10*time.Second)
	defer cancel()
	_ = h.Connect(dctx, ai) // refused sooner or later: either outcome is fine
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	for targetNet.Connectedness(h.ID()) == network.Connected {
		select {
		case <-wctx.Done():
			return errors.New("an unverified peer stayed connected")
		case <-time.After(5 * time.Millisecond):
		}
	}
	h.Network().ClosePeer(ai.ID)
	return nil
}

// bareHost is a libp2p host with a fresh key that does not speak the
// certificate protocol.
func bareHost(t *testing.T) host.Host {
	t.Helper()
	h, err := libp2p.New(
		libp2p.Identity(newKey(t).LibP2P()),
		libp2p.NoListenAddrs,
		libp2p.Security(libp2ptls.ID, libp2ptls.New),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.DisableRelay(),
	)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// cpuTime is the user and system CPU the process has used.
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
