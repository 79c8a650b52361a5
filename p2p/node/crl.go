package node

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/atomicfile"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/enroll"
)

// DefaultCRLRefresh is how often a running node asks the coordinator for
// its CRL when Config.CRLRefresh is 0: a peer the CA revokes is refused
// by every running member within about that long. At 10,000 members it
// costs the coordinator ~170 small requests a second, each answered from
// the CRL it keeps made (enroll.Server).
const DefaultCRLRefresh = time.Minute

// refreshCRL asks the coordinator for its CRL every Config.CRLRefresh
// (less up to a tenth, so that members do not ask in step) and installs
// one newer than the node's (SetCRL: revoked peers are disconnected and
// evicted at once), saving it to Dir/crl.der for the next start. Without
// it a revocation reached only members that started after it. The
// coordinator's own node takes the CRL from its enrolment server, which
// makes it (a peer revoked there, or by `scatterbytes ca revoke` beside
// it, is refused by the coordinator too). A node of an open network has
// no CRL.
func (n *Node) refreshCRL(ctx context.Context) error {
	ca := n.caCert()
	ai, err := coordinator(n.prof)
	if ca == nil || (err != nil && n.enrol == nil) {
		return nil
	}
	every := n.cfg.CRLRefresh
	if every <= 0 {
		every = DefaultCRLRefresh
	}
	for {
		if !wait.Sleep(ctx, every-rand.N(every/10+1)) {
			return nil
		}
		if n.enrol != nil {
			n.installCRL(n.enrol.CRL())
			continue
		}
		actx, cancel := context.WithTimeout(ctx, n.cfg.ExchangeTimeout)
		var have uint64
		if cur := n.crl.Load(); cur != nil && cur.Number.IsUint64() {
			have = cur.Number.Uint64()
		}
		resp, err := enroll.FetchCRL(actx, n.raw, ai, n.prof.Protocol("enroll", "1.0.0"), have)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			// Each failure at debug level; at warning level once the CRL
			// held is past its next update (revocations since may be
			// missed), once per refresh.
			if cur := n.crl.Load(); cur != nil && time.Now().After(cur.NextUpdate) {
				n.log.Warn("cannot fetch the network's CRL, and the one held is out of date", "next_update", cur.NextUpdate, "err", err)
			} else {
				n.log.Debug("fetch the CRL", "err", err)
			}
			continue
		}
		n.installCRL(resp.CRL)
	}
}

// installCRL installs der if it is a CRL of the network CA newer than the
// node's, and saves it.
func (n *Node) installCRL(der []byte) {
	if len(der) == 0 {
		return
	}
	crl, err := cert.ParseCRL(der, n.caCert())
	if err != nil {
		n.log.Warn("the coordinator's CRL does not verify", "err", err)
		return
	}
	if cur := n.crl.Load(); cur != nil && crl.Number.Cmp(cur.Number) < 0 {
		// The CA's state restored from an older backup numbers its CRLs
		// from there: no member takes them until the numbers pass the
		// one they hold (cert doc: raise crl_number after a restore).
		n.log.Warn("the coordinator's CRL is numbered below the one held: not taken", "number", crl.Number, "held", cur.Number)
		return
	}
	if !n.SetCRL(crl) {
		return
	}
	n.log.Info("new CRL", "number", crl.Number, "revoked", len(crl.RevokedPeers()))
	if n.cfg.Dir != "" {
		if err := atomicfile.Write(filepath.Join(n.cfg.Dir, CRLFile), der, 0o644); err != nil {
			n.log.Warn("save the CRL", "err", err)
		}
	}
}
