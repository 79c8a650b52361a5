package cert

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/identity"
)

const testPayout = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"

func newKey(t testing.TB) identity.Key {
	t.Helper()
	k, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// seededKey returns the identity key with seed {b, b, ...}.
func seededKey(t testing.TB, b byte) identity.Key {
	t.Helper()
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = b
	}
	k, err := identity.FromEd25519(ed25519.NewKeyFromSeed(seed))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newTestCA(t testing.TB, network string) *CA {
	t.Helper()
	ca, err := NewCA(network, 365*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// goldenEpoch is the fixed "now" of golden files.
var goldenEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fixedCA is a deterministic CA (fixed key, serial and times).
func fixedCA(t testing.TB) *CA {
	t.Helper()
	ca, err := newCA(seededKey(t, 0xca), "golden", big.NewInt(1), goldenEpoch, 10*365*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

var rsaKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

func testRSAKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsaKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testECDSAKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// leaf is a hand-made certificate, for shapes the package never issues.
type leaf struct {
	cn        string
	pub       any               // subject key
	role      string            // "" for no role extension
	signer    crypto.Signer     // signs the certificate
	parent    *x509.Certificate // nil: self-signed (issuer = subject)
	notBefore time.Time
	notAfter  time.Time
}

func (l leaf) der(t testing.TB) []byte {
	t.Helper()
	if l.notBefore.IsZero() {
		l.notBefore = time.Now().Add(-time.Hour)
	}
	if l.notAfter.IsZero() {
		l.notAfter = time.Now().Add(time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(7),
		Subject:               pkix.Name{CommonName: l.cn},
		NotBefore:             l.notBefore,
		NotAfter:              l.notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	if l.role != "" {
		tmpl.ExtraExtensions = []pkix.Extension{{Id: OIDRole, Value: utf8String(l.role)}}
	}
	parent := l.parent
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, l.pub, l.signer)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func mustIssue(t testing.TB, ca *CA, k identity.Key, role Role) ([]byte, Member) {
	t.Helper()
	der, m, err := ca.Issue(k.PubKey(), role, testPayout, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return der, m
}

func mustCRL(t testing.TB, ca *CA) *CRL {
	t.Helper()
	der, err := ca.CRL(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := ParseCRL(der, ca.Certificate())
	if err != nil {
		t.Fatal(err)
	}
	return crl
}

func peerOf(t testing.TB, pub any) peer.ID {
	t.Helper()
	_, id, err := memberKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
