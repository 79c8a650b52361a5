package node

import (
	"time"

	"github.com/libp2p/go-libp2p/core/peerstore"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
)

// rememberPeers admits, when Config.RememberPeers is set, the peers of
// peers.json whose certificate still verifies: against the network CA and
// the CRL this node holds, the clock and the peer ID (cert.Verifier, the
// gate's own check). Each becomes a verified peer of the gate without an
// exchange (gate.Remember: the next connection's exchange still runs and
// can refuse it), its addresses go to the peer store and, a storage node
// or the coordinator, into the routing table. So a client's first request
// needs neither the bootstrap round nor the wait for a peer's certificate:
// the placement and the manifest's holders come from the table at once.
// A peer that has gone fails its dial, and placement moves on as with any
// node that fails; one revoked since is in the CRL and not admitted.
//
// Call it before Run, after watchRoutingTable: the adds are checked
// against the gate like any other.
func (n *Node) rememberPeers() int {
	if !n.cfg.RememberPeers {
		return 0
	}
	v := cert.Verifier{CA: n.caCert(), CRL: n.crl.Load, Now: time.Now}
	rt := n.dht.RoutingTable()
	admitted := 0
	for _, kp := range n.knownPeerRecords() {
		if len(kp.Cert) == 0 || len(kp.Addrs) == 0 || n.denied(kp.ID) {
			continue
		}
		m, err := v.Verify(kp.Cert, kp.ID)
		if err != nil {
			n.log.Debug("not remembering a known peer", "peer", kp.ID, "err", err)
			continue
		}
		if !n.gate.Remember(m) {
			continue
		}
		n.raw.Peerstore().AddAddrs(kp.ID, kp.Addrs, peerstore.RecentlyConnectedAddrTTL)
		if m.Role != cert.RoleClient {
			// Not marked useful, and replaceable: a peer found alive
			// this run takes its place in a full bucket.
			_, _ = rt.TryAddPeer(kp.ID, false, true)
		}
		admitted++
	}
	return admitted
}
