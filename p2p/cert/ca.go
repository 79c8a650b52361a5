package cert

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/identity"
)

const (
	// DefaultValidity is the suggested membership certificate lifetime on a
	// public network, and what Sign and Issue use when given 0. Short
	// lifetimes keep CRLs small: an expired certificate needs no entry.
	DefaultValidity = 7 * 24 * time.Hour

	// DefaultCRLUpdate is the CRL lifetime CRL uses when given 0.
	DefaultCRLUpdate = 24 * time.Hour

	// clockSkew backdates NotBefore so a peer whose clock is a little
	// behind the CA's accepts a certificate issued a moment ago.
	clockSkew = 5 * time.Minute
)

// CA is a network's certificate authority. It is safe for concurrent use.
// Once saved with SaveCA or loaded with LoadCA, every change to its state
// (certificates issued, peers revoked, CRL numbers used) is written to its
// directory before the call returns.
type CA struct {
	key  identity.Key
	cert *x509.Certificate

	mu    sync.Mutex
	dir   string // "" until SaveCA or LoadCA
	state caState
	seen  stateStamp // ca.state as this CA last read or wrote it
}

// stateStamp tells a change to ca.state made by another process.
type stateStamp struct {
	mod  time.Time
	size int64
}

// stamp returns dir/ca.state's stamp; the zero stamp if it cannot be read.
func stamp(dir string) stateStamp {
	fi, err := os.Stat(filepath.Join(dir, stateFileName))
	if err != nil {
		return stateStamp{}
	}
	return stateStamp{fi.ModTime(), fi.Size()}
}

// Revoked returns how many peers the CA has revoked, as of its last read
// or write of its state (see Reload). A revocation is never undone, so a
// different count means a different revoked set.
func (ca *CA) Revoked() int {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	return len(ca.state.Revoked)
}

// Reload reads the state on disk again if another process changed it since
// this CA last read or wrote it (otherwise it costs one stat). Any change
// of the CA reads the state too, so a caller that must not miss a
// revocation made elsewhere compares Revoked with the count it last acted
// on.
func (ca *CA) Reload() error {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if ca.dir == "" || stamp(ca.dir) == ca.seen {
		return nil
	}
	unlock, err := lockState(filepath.Join(ca.dir, lockFileName))
	if err != nil {
		return fmt.Errorf("lock CA state: %w", err)
	}
	defer unlock()
	return ca.load()
}

// load reads the state on disk into ca. Callers hold ca.mu and the lock.
func (ca *CA) load() error {
	disk, err := readState(ca.dir)
	if err != nil {
		return err
	}
	ca.state, ca.seen = disk, stamp(ca.dir)
	return nil
}

// NewCA creates a CA for the named network with a fresh Ed25519 key and a
// self-signed certificate valid for validity.
func NewCA(network string, validity time.Duration) (*CA, error) {
	if network == "" || len(network) > 64 || checkPayout(network) != nil {
		return nil, fmt.Errorf("new CA: network name %q must be 1 to 64 printable ASCII characters without spaces", network)
	}
	if validity <= 0 {
		return nil, fmt.Errorf("new CA: validity %s must be positive", validity)
	}
	key, err := identity.Generate()
	if err != nil {
		return nil, fmt.Errorf("new CA: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, fmt.Errorf("new CA: %w", err)
	}
	return newCA(key, network, serial, time.Now(), validity)
}

// newCA is NewCA with every input fixed, so tests can make golden files.
func newCA(key identity.Key, network string, serial *big.Int, now time.Time, validity time.Duration) (*CA, error) {
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "ScatterBytes " + network + " CA", Organization: []string{"ScatterBytes"}},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(validity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	priv := key.Ed25519()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, priv.Public(), priv)
	if err != nil {
		return nil, fmt.Errorf("new CA: %w", err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("new CA: %w", err)
	}
	return &CA{key: key, cert: c, state: newCAState()}, nil
}

// Certificate returns the CA certificate. Callers must not modify it.
func (ca *CA) Certificate() *x509.Certificate { return ca.cert }

// CertPEM returns the CA certificate as PEM, the form distributed to members.
func (ca *CA) CertPEM() []byte { return EncodeCertPEM(ca.cert.Raw) }

// Sign checks a PEM certificate request (see ParseCSR) and issues a
// membership certificate for validity (0: DefaultValidity). It returns the
// certificate as PEM. A revoked peer is refused with ErrRevoked.
func (ca *CA) Sign(csrPEM []byte, validity time.Duration) ([]byte, Member, error) {
	req, err := ParseCSR(csrPEM)
	if err != nil {
		return nil, Member{}, fmt.Errorf("sign request: %w", err)
	}
	pub, err := peerPublicKey(req.Peer)
	if err != nil {
		return nil, Member{}, fmt.Errorf("sign request: %w", err)
	}
	der, m, err := ca.issue(pub, req.Peer, req.Role, req.Payout, validity)
	if err != nil {
		return nil, Member{}, fmt.Errorf("sign request: %w", err)
	}
	return EncodeCertPEM(der), m, nil
}

// Issue makes a membership certificate for pub without a request, for
// in-process test networks. It returns the certificate as DER, the form
// Verifier.Verify takes.
func (ca *CA) Issue(pub crypto.PubKey, role Role, payout string, validity time.Duration) ([]byte, Member, error) {
	edPub, err := stdKey(pub)
	if err != nil {
		return nil, Member{}, fmt.Errorf("issue: %w", err)
	}
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		return nil, Member{}, fmt.Errorf("issue: %w: %v", ErrBadKey, err)
	}
	der, m, err := ca.issue(edPub, id, role, payout, validity)
	if err != nil {
		return nil, Member{}, fmt.Errorf("issue: %w", err)
	}
	return der, m, nil
}

func (ca *CA) issue(pub ed25519.PublicKey, id peer.ID, role Role, payout string, validity time.Duration) ([]byte, Member, error) {
	if validity < 0 {
		return nil, Member{}, fmt.Errorf("validity %s is negative", validity)
	}
	if validity == 0 {
		validity = DefaultValidity
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, Member{}, err
	}
	now := time.Now()
	notAfter := now.Add(validity)
	if notAfter.After(ca.cert.NotAfter) {
		notAfter = ca.cert.NotAfter // a member cannot outlive its CA
	}
	tmpl, err := memberTemplate(id, role, payout, serial, now.Add(-clockSkew), notAfter)
	if err != nil {
		return nil, Member{}, err
	}

	ca.mu.Lock()
	defer ca.mu.Unlock()
	var der []byte
	err = ca.modify(func(next *caState) error {
		if at, ok := next.Revoked[id]; ok {
			return fmt.Errorf("%w: peer %s was revoked at %s; it needs a new identity key (`scatterbytes init` in a fresh directory)",
				ErrRevoked, id, at.UTC().Format(time.RFC3339))
		}
		var err error
		if der, err = x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key.Ed25519()); err != nil {
			return err
		}
		next.prune(now)
		next.Issued[id] = append(next.Issued[id], issuedCert{Serial: serial, NotAfter: notAfter})
		return nil
	})
	if err != nil {
		return nil, Member{}, err
	}
	m := Member{Peer: id, Role: role, Payout: payout, NotBefore: tmpl.NotBefore, NotAfter: notAfter, Serial: serial}
	return der, m, nil
}

// Revoke revokes peer p: every certificate issued to it, and any it might
// be issued later. Revoking a peer twice keeps the first revocation time.
func (ca *CA) Revoke(p peer.ID) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	ca.mu.Lock()
	defer ca.mu.Unlock()
	err := ca.modify(func(next *caState) error {
		if _, ok := next.Revoked[p]; !ok {
			next.Revoked[p] = time.Now().UTC().Truncate(time.Second)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("revoke %s: %w", p, err)
	}
	return nil
}

// modify applies change to a copy of the CA's state, persists the copy
// (if the CA has a directory) and makes it current; an error from change
// changes nothing. Callers hold ca.mu.
//
// With a directory, it first reads the state on disk, under an exclusive
// lock on ca.lock held until the new state is written: two processes may
// hold one CA (`scatterbytes ca revoke` beside a running coordinator).
// Each used to write the state it had loaded at start, so the coordinator's
// next enrolment overwrote the revocation, and its CRLs, numbered from its
// own count, could reuse a number the other had signed.
func (ca *CA) modify(change func(next *caState) error) error {
	if ca.dir != "" {
		unlock, err := lockState(filepath.Join(ca.dir, lockFileName))
		if err != nil {
			return fmt.Errorf("lock CA state: %w", err)
		}
		defer unlock()
		if err := ca.load(); err != nil {
			return err
		}
	}
	next := ca.state.clone()
	if err := change(&next); err != nil {
		return err
	}
	if ca.dir != "" {
		if err := writeState(ca.dir, next); err != nil {
			return err
		}
		ca.seen = stamp(ca.dir)
	}
	ca.state = next
	return nil
}

// memberTemplate is the certificate profile of doc.go, for CA-issued and
// self-signed certificates alike.
func memberTemplate(id peer.ID, role Role, payout string, serial *big.Int, notBefore, notAfter time.Time) (*x509.Certificate, error) {
	exts, err := memberExtensions(role, payout)
	if err != nil {
		return nil, err
	}
	return &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: id.String()},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		ExtraExtensions:       exts,
	}, nil
}

// peerPublicKey extracts the Ed25519 key inlined in an Ed25519 peer ID.
func peerPublicKey(id peer.ID) (ed25519.PublicKey, error) {
	pub, err := id.ExtractPublicKey()
	if err != nil {
		return nil, fmt.Errorf("%w: peer %s: %v", ErrBadKey, id, err)
	}
	return stdKey(pub)
}

// randomSerial returns a random, positive, non-zero 128-bit serial number.
func randomSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 128)
	for {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return nil, fmt.Errorf("serial number: %w", err)
		}
		if n.Sign() > 0 {
			return n, nil
		}
	}
}
