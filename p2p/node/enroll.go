package node

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	libp2ptls "github.com/libp2p/go-libp2p/p2p/security/tls"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"

	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/enroll"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/profile"

	"github.com/scatterbytes/scatterbytes/internal/atomicfile"
)

// ErrNoCoordinator means the profile names no coordinator to enrol with.
var ErrNoCoordinator = errors.New("the network profile names no coordinator to enrol with")

// ErrCoordinatorUnreachable means enrolment could not connect to the
// coordinator at all (as opposed to being refused by it): worth retrying.
var ErrCoordinatorUnreachable = errors.New("cannot reach the network coordinator")

// EnrollProtocol is the enrolment protocol of a network.
func EnrollProtocol(p *profile.Profile) string { return string(p.Protocol("enroll", "1.0.0")) }

// coordinator returns the coordinator's peer ID and the bootstrap addresses
// listed for it.
func coordinator(p *profile.Profile) (peer.AddrInfo, error) {
	id := p.CoordinatorID()
	if id == "" {
		return peer.AddrInfo{}, ErrNoCoordinator
	}
	for _, ai := range p.BootstrapPeers() {
		if ai.ID == id {
			return ai, nil
		}
	}
	return peer.AddrInfo{ID: id}, nil
}

// Enroll obtains a membership certificate for key from the network's
// coordinator with a short-lived bare host (no certificate is needed for
// that), and writes it to dir/cert.pem. It also saves the CRL it is given.
func Enroll(ctx context.Context, dir string, p *profile.Profile, key identity.Key, role cert.Role, payout string) (cert.Member, error) {
	ai, err := coordinator(p)
	if err != nil {
		return cert.Member{}, err
	}
	if len(ai.Addrs) == 0 {
		return cert.Member{}, fmt.Errorf("the network profile lists no address for its coordinator %s among the bootstrap peers", ai.ID)
	}
	h, err := libp2p.New(
		libp2p.Identity(key.LibP2P()),
		libp2p.NoListenAddrs,
		libp2p.Security(libp2ptls.ID, libp2ptls.New),
		libp2p.Transport(tcp.NewTCPTransport), libp2p.Transport(quic.NewTransport),
		libp2p.DisableRelay(),
	)
	if err != nil {
		return cert.Member{}, err
	}
	defer h.Close()
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	err = h.Connect(cctx, ai)
	cancel()
	if err != nil {
		return cert.Member{}, fmt.Errorf("%w %s at %v", ErrCoordinatorUnreachable, ai.ID, ai.Addrs)
	}
	m, _, err := enrollWith(ctx, h, ai, dir, p, key, role, payout)
	return m, err
}

// enrollWith enrols through h and returns the member record and the new
// certificate (DER), which it has also written to dir.
func enrollWith(ctx context.Context, h host.Host, ai peer.AddrInfo, dir string, p *profile.Profile, key identity.Key, role cert.Role, payout string) (cert.Member, []byte, error) {
	csr, err := cert.NewCSR(key, role, payout)
	if err != nil {
		return cert.Member{}, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	resp, err := enroll.Enroll(ctx, h, ai, p.Protocol("enroll", "1.0.0"), csr)
	if err != nil {
		return cert.Member{}, nil, err
	}
	ca := caOf(p)
	v := cert.Verifier{CA: ca}
	m, err := v.Verify(resp.Cert, key.PeerID())
	if err != nil {
		return cert.Member{}, nil, fmt.Errorf("certificate from %s: %w", ai.ID, err)
	}
	if err := atomicfile.Write(filepath.Join(dir, CertFile), cert.EncodeCertPEM(resp.Cert), 0o644); err != nil {
		return cert.Member{}, nil, err
	}
	if len(resp.CRL) > 0 && ca != nil {
		if _, err := cert.ParseCRL(resp.CRL, ca); err == nil {
			_ = atomicfile.Write(filepath.Join(dir, CRLFile), resp.CRL, 0o644)
		}
	}
	return m, resp.Cert, nil
}

// renew re-enrols through the running host when the certificate nears
// expiry, and installs the new certificate at once.
func (n *Node) renew(ctx context.Context) error {
	if _, err := coordinator(n.prof); err != nil || n.cfg.Dir == "" {
		return nil // nothing to renew with: the operator renews by hand
	}
	for {
		v := cert.Verifier{CA: n.caCert()}
		m, err := v.Verify(*n.certDER.Load(), n.ID())
		if err == nil && !cert.NeedsRenewal(m, time.Now()) {
			next := max(time.Until(m.NotAfter)/10, time.Second)
			if !wait.Sleep(ctx, min(next, time.Hour)) {
				return nil
			}
			continue
		}
		ai, _ := coordinator(n.prof)
		m, der, err := enrollWith(ctx, n.raw, ai, n.cfg.Dir, n.prof, n.key, n.cfg.Role, m.Payout)
		if err != nil {
			n.log.Warn("certificate renewal failed; retrying", "err", err)
			if !wait.Sleep(ctx, n.cfg.RetryMax) {
				return nil
			}
			continue
		}
		n.log.Info("certificate renewed", "until", m.NotAfter)
		n.certDER.Store(&der)
	}
}
