package enroll

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-msgio"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
)

// Server signs certificate requests with the network CA.
type Server struct {
	// CA signs; it must not be used concurrently elsewhere without Mu.
	CA *cert.CA
	// Approve decides whether a request is granted; nil refuses every one.
	Approve func(m cert.Member, remote peer.ID) error
	// Validity is the lifetime of issued certificates.
	Validity time.Duration
	// CRLValidity is how long a served CRL stays current.
	CRLValidity time.Duration
	// Logger receives decisions; nil discards them.
	Logger *slog.Logger

	mu         sync.Mutex // serialises use of CA and the cached CRL
	crl        []byte
	crlNumber  uint64 // crl's number
	crlTime    time.Time
	crlRevoked int // the CA's revoked count when crl was made
}

// ApproveMembers is the policy of a local testnet: every storage node and
// client is admitted; the coordinator role is never handed out.
func ApproveMembers(m cert.Member, _ peer.ID) error {
	if m.Role != cert.RoleNode && m.Role != cert.RoleClient {
		return fmt.Errorf("role %q is not granted by enrolment", m.Role)
	}
	return nil
}

// ApproveMembersOn is ApproveMembers on network p that also refuses a
// payout address that is not a segwit address on p's Bitcoin chain
// (profile.CheckPayout), so that no certificate carries an address the
// coordinator could not pay. A member without a payout address is
// admitted: it earns, and is paid once it enrols again with one.
func ApproveMembersOn(p *profile.Profile) func(m cert.Member, remote peer.ID) error {
	return func(m cert.Member, remote peer.ID) error {
		if err := ApproveMembers(m, remote); err != nil {
			return err
		}
		if m.Payout != "" {
			return p.CheckPayout(m.Payout)
		}
		return nil
	}
}

// Revoke revokes p and refreshes the served CRL at once.
func (s *Server) Revoke(p peer.ID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.CA.Revoke(p); err != nil {
		return err
	}
	s.crl = nil
	return nil
}

// CRL returns the CRL the server hands out now (DER), nil if the CA
// cannot make one.
func (s *Server) CRL() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.currentCRL()
}

// currentCRL returns a cached CRL, made anew when half its validity has
// passed: every CRL the CA makes takes a new number. Callers hold s.mu.
func (s *Server) currentCRL() []byte {
	// A peer revoked by another process on the CA's directory (`scatterbytes
	// ca revoke`): Reload reads it, or a Sign since the last CRL already
	// did; either way the count moved.
	if err := s.CA.Reload(); err != nil {
		s.log().Warn("reread the CA's state", "err", err)
	}
	if s.crl == nil || s.CA.Revoked() != s.crlRevoked || time.Since(s.crlTime) > s.CRLValidity/2 {
		revoked := s.CA.Revoked()
		crl, err := s.CA.CRL(s.CRLValidity)
		if err != nil {
			s.log().Warn("make a CRL; serving the last one", "err", err)
			return s.crl
		}
		parsed, err := cert.ParseCRL(crl, s.CA.Certificate())
		if err != nil || !parsed.Number.IsUint64() {
			s.log().Warn("the CA made a CRL that does not parse; serving the last one", "err", err)
			return s.crl
		}
		s.crl, s.crlNumber, s.crlTime, s.crlRevoked = crl, parsed.Number.Uint64(), time.Now(), revoked
	}
	return s.crl
}

// Register serves the protocol on h, which must be the raw (ungated) host.
func (s *Server) Register(h host.Host, pid protocol.ID) {
	h.SetStreamHandler(pid, s.handle)
}

func (s *Server) handle(st network.Stream) {
	defer st.Close()
	_ = st.SetDeadline(time.Now().Add(10 * time.Second))
	r := msgio.NewVarintReaderSize(st, MaxMessage)
	b, err := r.ReadMsg()
	if err != nil {
		st.Reset()
		return
	}
	var req Request
	if err := req.unmarshal(b); err != nil {
		st.Reset()
		return
	}
	resp := s.serve(st.Conn().RemotePeer(), &req)
	if err := msgio.NewVarintWriter(st).WriteMsg(resp.marshal()); err != nil {
		st.Reset()
	}
}

func (s *Server) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *Server) serve(remote peer.ID, req *Request) *Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	log := s.log()
	resp := &Response{CRL: s.currentCRL()}
	if len(req.CSR) == 0 {
		if req.HaveCRL != 0 && req.HaveCRL >= s.crlNumber {
			resp.CRL = nil // the sender holds it, or a newer one
		}
		return resp
	}
	refuse := func(err error) *Response {
		log.Info("enrolment refused", "peer", remote, "err", err)
		resp.Error = err.Error()
		return resp
	}
	m, err := cert.ParseCSR(req.CSR)
	if err != nil {
		return refuse(err)
	}
	if m.Peer != remote {
		return refuse(fmt.Errorf("the request is for %s, not for the sender %s", m.Peer, remote))
	}
	if s.Approve == nil {
		return refuse(fmt.Errorf("this network does not enrol members automatically"))
	}
	if err := s.Approve(m, remote); err != nil {
		return refuse(err)
	}
	pemCert, m, err := s.CA.Sign(req.CSR, s.Validity)
	if errors.Is(err, cert.ErrRevoked) {
		return refuse(err)
	}
	if err != nil {
		// Not the peer's business: the error names the CA's files.
		log.Warn("sign a certificate", "peer", remote, "err", err)
		return refuse(errors.New("the coordinator could not sign the certificate; try again later"))
	}
	c, err := cert.ParseCertPEM(pemCert)
	if err != nil {
		return refuse(err)
	}
	resp.Cert = c.Raw
	log.Info("enrolled", "peer", remote, "role", m.Role, "until", m.NotAfter)
	return resp
}
