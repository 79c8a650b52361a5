package node

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"

	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
)

// savePeersEvery is how often a running node rewrites peers.json; Run
// writes it once more on the way out.
const savePeersEvery = 30 * time.Second

// bootstrapPeers lists the profile's bootstrap peers and the peers known
// from the last run, without this node and without denied peers (the gater
// would refuse to dial them anyway).
func (n *Node) bootstrapPeers() []peer.AddrInfo {
	var out []peer.AddrInfo
	for _, ai := range append(n.prof.BootstrapPeers(), n.knownPeers()...) {
		if ai.ID != n.ID() && !n.denied(ai.ID) {
			out = append(out, ai)
		}
	}
	return out
}

// keepConnected dials the bootstrap and known peers whenever the routing
// table is short, backing off exponentially while that does not help, and
// refreshes the table once peers answer.
func (n *Node) keepConnected(ctx context.Context) error {
	// Peers remembered from the last run (remember.go) get RetryMin to
	// serve before the first round dials every known peer: a CLI
	// command is usually done by then, having dialled only the peers it
	// used. Eight TLS handshakes at once, on a loaded machine, held up
	// the one connection a get needed by 20 ms.
	if n.remembered > 0 && !wait.Sleep(ctx, n.cfg.RetryMin) {
		return nil
	}
	backoff := n.cfg.RetryMin
	saved := time.Now()
	last := -1
	for {
		if size := n.dht.RoutingTable().Size(); size != last {
			n.log.Info("routing table", "peers", size)
			last = size
		}
		if n.dht.RoutingTable().Size() < n.cfg.MinPeers {
			n.reofferMembers()
			connected := n.connectAll(ctx)
			if connected > 0 {
				n.dht.RefreshRoutingTable()
			}
			backoff = min(2*backoff, n.cfg.RetryMax)
			// The network's first peer (a coordinator with no bootstrap
			// list) has no one to reach: it waits for others quietly.
			if connected == 0 && n.dht.RoutingTable().Size() == 0 && ctx.Err() == nil {
				if known := len(n.knownPeers()); len(n.prof.Bootstrap)+known > 0 {
					n.log.Warn(unreachableMessage(n.prof.Bootstrap, known, backoff))
				}
			}
		} else {
			backoff = n.cfg.RetryMin
		}
		if time.Since(saved) > savePeersEvery {
			if err := n.savePeers(); err != nil {
				n.log.Debug("save known peers", "err", err)
			}
			saved = time.Now()
		}
		if !wait.Sleep(ctx, backoff) {
			return nil
		}
	}
}

// reofferMembers offers the DHT every verified storage peer it does not
// route to: one evicted while blocked, or whose liveness check failed once,
// is otherwise never offered again while its verdict lasts.
func (n *Node) reofferMembers() {
	rt := n.dht.RoutingTable()
	for _, m := range n.gate.Members() {
		if m.Role != cert.RoleClient && rt.Find(m.Peer) == "" {
			n.gate.Reoffer(m.Peer)
		}
	}
}

// resolveDNSAddrs turns the profile's /dnsaddr bootstrap entries into
// peers: their TXT records list /p2p/ addresses. An entry that does not
// resolve is skipped (and logged); the next round tries again.
func (n *Node) resolveDNSAddrs(ctx context.Context) []peer.AddrInfo {
	var out []peer.AddrInfo
	for _, a := range n.prof.BootstrapAddrs() {
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		addrs, err := n.dns.Resolve(rctx, a)
		cancel()
		if err != nil {
			n.log.Debug("resolve bootstrap", "addr", a, "err", err)
			continue
		}
		infos, err := peer.AddrInfosFromP2pAddrs(addrs...)
		if err != nil {
			n.log.Debug("resolve bootstrap", "addr", a, "err", err)
			continue
		}
		for _, ai := range infos {
			if ai.ID != n.ID() {
				out = append(out, ai)
			}
		}
	}
	return out
}

// unreachableMessage is the line a node logs when it reaches none of the
// peers it knows: the user must learn that the network is not there (or
// this machine is cut off), not find a node silently waiting.
func unreachableMessage(bootstrap []string, known int, retry time.Duration) string {
	also := ""
	if known > 0 {
		also = fmt.Sprintf(" or the %d peers known from the last run", known)
	}
	list := strings.Join(bootstrap, ", ")
	if len(bootstrap) == 0 {
		list = "the profile lists none"
	}
	return fmt.Sprintf("cannot reach any of the %d bootstrap peers (%s)%s; retrying in %s",
		len(bootstrap), list, also, retry)
}

// connectAll dials every bootstrap and known peer in parallel and returns
// how many are connected and verified.
func (n *Node) connectAll(ctx context.Context) int {
	peers := append(n.bootstrapPeers(), n.resolveDNSAddrs(ctx)...)
	var (
		wg sync.WaitGroup
		ok atomic.Int64 // the dials below count too, concurrently
	)
	for _, ai := range peers {
		if n.raw.Network().Connectedness(ai.ID) == network.Connected {
			if _, v := n.gate.Verified(ai.ID); v {
				ok.Add(1)
				continue
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			n.raw.Peerstore().AddAddrs(ai.ID, ai.Addrs, peerstore.TempAddrTTL)
			if err := n.raw.Connect(cctx, ai); err != nil {
				n.log.Debug("bootstrap dial", "peer", ai.ID, "err", err)
				return
			}
			if _, err := n.gate.Wait(cctx, ai.ID); err != nil {
				n.log.Debug("bootstrap peer refused", "peer", ai.ID, "err", err)
				return
			}
			ok.Add(1)
		}()
	}
	wg.Wait()
	return int(ok.Load())
}
