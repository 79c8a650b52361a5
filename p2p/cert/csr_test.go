package cert

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"
)

// rawCSR makes a PEM request the way NewCSR would not.
func rawCSR(t testing.TB, signer crypto.Signer, cn string, exts ...pkix.Extension) []byte {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: cn}, ExtraExtensions: exts,
	}, signer)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemCSR, Bytes: der})
}

func roleExt(r string) pkix.Extension   { return pkix.Extension{Id: OIDRole, Value: utf8String(r)} }
func payoutExt(p string) pkix.Extension { return pkix.Extension{Id: OIDPayout, Value: utf8String(p)} }

func TestCSRRoundTrip(t *testing.T) {
	ca := newTestCA(t, "test")
	k := newKey(t)
	for _, role := range []Role{RoleNode, RoleClient, RoleCoordinator} {
		t.Run(string(role), func(t *testing.T) {
			csr, err := NewCSR(k, role, testPayout)
			if err != nil {
				t.Fatal(err)
			}
			certPEM, issued, err := ca.Sign(csr, 0)
			if err != nil {
				t.Fatal(err)
			}
			if d := issued.NotAfter.Sub(issued.NotBefore); d < DefaultValidity || d > DefaultValidity+time.Hour {
				t.Fatalf("default validity gave %s", d)
			}
			c, err := ParseCertPEM(certPEM)
			if err != nil {
				t.Fatal(err)
			}
			m, err := (&Verifier{CA: ca.Certificate()}).Verify(c.Raw, k.PeerID())
			if err != nil {
				t.Fatal(err)
			}
			if m.Peer != k.PeerID() || m.Role != role || m.Payout != testPayout || m.Serial.Cmp(issued.Serial) != 0 {
				t.Fatalf("verified %+v, issued %+v", m, issued)
			}
		})
	}
}

func TestCSRNoPayout(t *testing.T) {
	ca := newTestCA(t, "test")
	k := newKey(t)
	csr, err := NewCSR(k, RoleClient, "")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, _, err := ca.Sign(csr, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := ParseCertPEM(certPEM)
	for _, e := range c.Extensions {
		if e.Id.Equal(OIDPayout) {
			t.Fatal("empty payout was encoded")
		}
	}
	m, err := (&Verifier{CA: ca.Certificate()}).Verify(c.Raw, k.PeerID())
	if err != nil || m.Payout != "" {
		t.Fatalf("Verify = %+v, %v", m, err)
	}
}

func TestSignRefuses(t *testing.T) {
	ca := newTestCA(t, "test")
	k, other, revoked := newKey(t), newKey(t), newKey(t)
	if err := ca.Revoke(revoked.PeerID()); err != nil {
		t.Fatal(err)
	}
	id := k.PeerID().String()
	good := rawCSR(t, k.Ed25519(), id, roleExt("node"))
	badSig := func() []byte {
		b, _ := pem.Decode(good)
		der := bytes.Clone(b.Bytes)
		der[len(der)-1] ^= 1
		return pem.EncodeToMemory(&pem.Block{Type: pemCSR, Bytes: der})
	}()
	revokedCSR, err := NewCSR(revoked, RoleNode, "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		csr  []byte
		want error
	}{
		{"CN is another peer", rawCSR(t, k.Ed25519(), other.PeerID().String(), roleExt("node")), ErrWrongPeer},
		{"CN is not a peer ID", rawCSR(t, k.Ed25519(), "node1", roleExt("node")), ErrWrongPeer},
		{"RSA key", rawCSR(t, testRSAKey(t), id, roleExt("node")), ErrBadKey},
		{"ECDSA key", rawCSR(t, testECDSAKey(t), id, roleExt("node")), ErrBadKey},
		{"bad signature", badSig, ErrBadCSR},
		{"no role", rawCSR(t, k.Ed25519(), id), ErrBadRole},
		{"unknown role", rawCSR(t, k.Ed25519(), id, roleExt("admin")), ErrBadRole},
		{"role twice", rawCSR(t, k.Ed25519(), id, roleExt("node"), roleExt("coordinator")), ErrBadCSR}, // crypto/x509 refuses duplicates
		{"role not UTF8String", rawCSR(t, k.Ed25519(), id, pkix.Extension{Id: OIDRole, Value: []byte{0x13, 4, 'n', 'o', 'd', 'e'}}), ErrBadRole},
		{"payout too long", rawCSR(t, k.Ed25519(), id, roleExt("node"), payoutExt(strings.Repeat("a", MaxPayoutLen+1))), ErrBadPayout},
		{"payout not printable", rawCSR(t, k.Ed25519(), id, roleExt("node"), payoutExt("bc1\nq")), ErrBadPayout},
		{"payout with space", rawCSR(t, k.Ed25519(), id, roleExt("node"), payoutExt("bc1 q")), ErrBadPayout},
		{"empty payout extension", rawCSR(t, k.Ed25519(), id, roleExt("node"), payoutExt("")), ErrBadPayout},
		{"revoked peer", revokedCSR, ErrRevoked},
		{"certificate instead of request", ca.CertPEM(), ErrBadCSR},
		{"garbage", []byte("hello"), ErrBadCSR},
		{"oversized", append(bytes.Repeat([]byte(" "), 4*MaxCertSize), good...), ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			certPEM, m, err := ca.Sign(tc.csr, time.Hour)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Sign = %v, want %v", err, tc.want)
			}
			if certPEM != nil || m.Serial != nil {
				t.Fatal("refused but returned a certificate")
			}
		})
	}
	// The well-formed request passes, so the cases above fail for their own reason.
	if _, _, err := ca.Sign(good, time.Hour); err != nil {
		t.Fatalf("good request refused: %v", err)
	}
	if _, _, err := ca.Sign(rawCSR(t, k.Ed25519(), id, roleExt("node"), payoutExt(strings.Repeat("a", MaxPayoutLen))), time.Hour); err != nil {
		t.Fatalf("100-byte payout refused: %v", err)
	}
}

func TestNewCSRRefuses(t *testing.T) {
	k := newKey(t)
	if _, err := NewCSR(k, "admin", ""); !errors.Is(err, ErrBadRole) {
		t.Fatalf("bad role: %v", err)
	}
	if _, err := NewCSR(k, RoleNode, strings.Repeat("x", 101)); !errors.Is(err, ErrBadPayout) {
		t.Fatalf("long payout: %v", err)
	}
}

func TestIssueValidityCappedByCA(t *testing.T) {
	ca, err := NewCA("short", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, m, err := ca.Issue(newKey(t).PubKey(), RoleNode, "", 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if m.NotAfter.After(ca.Certificate().NotAfter) {
		t.Fatalf("member valid until %s, CA only until %s", m.NotAfter, ca.Certificate().NotAfter)
	}
}
