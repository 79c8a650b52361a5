package cert

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

func TestVerify(t *testing.T) {
	ca := newTestCA(t, "test")
	otherCA := newTestCA(t, "test") // same name, different key
	alice, bob, mallory := newKey(t), newKey(t), newKey(t)

	aliceDER, aliceM := mustIssue(t, ca, alice, RoleNode)
	bobDER, _ := mustIssue(t, ca, bob, RoleClient)
	otherDER, _ := mustIssue(t, otherCA, alice, RoleNode)
	selfDER, err := SelfSigned(alice, RoleNode, testPayout, time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	// Mallory is revoked by serial and by peer; the "peer only" cert was
	// made behind the CA's back, so only the peer ID can catch it.
	malloryDER, _ := mustIssue(t, ca, mallory, RoleNode)
	sneaky := newKey(t)
	sneakyDER := leaf{cn: sneaky.PeerID().String(), pub: sneaky.Ed25519().Public(), role: "node",
		signer: ca.key.Ed25519(), parent: ca.Certificate()}.der(t)
	for _, p := range []peer.ID{mallory.PeerID(), sneaky.PeerID()} {
		if err := ca.Revoke(p); err != nil {
			t.Fatal(err)
		}
	}
	crl := mustCRL(t, ca)
	if crl.RevokedPeer(alice.PeerID()) || crl.RevokedSerial(aliceM.Serial) {
		t.Fatal("CRL revokes alice")
	}

	rsaPriv, ecPriv := testRSAKey(t), testECDSAKey(t)
	rsaDER := leaf{cn: "rsa", pub: &rsaPriv.PublicKey, role: "node", signer: ca.key.Ed25519(), parent: ca.Certificate()}.der(t)
	ecDER := leaf{cn: "ec", pub: &ecPriv.PublicKey, role: "node", signer: ca.key.Ed25519(), parent: ca.Certificate()}.der(t)
	bigKey := append(ed25519.PublicKey{}, alice.Ed25519().Public().(ed25519.PublicKey)...)
	bigKey = append(bigKey, 0)
	bigKeyDER := leaf{cn: alice.PeerID().String(), pub: bigKey, role: "node", signer: ca.key.Ed25519(), parent: ca.Certificate()}.der(t)
	wrongCN := leaf{cn: bob.PeerID().String(), pub: alice.Ed25519().Public(), role: "node", signer: ca.key.Ed25519(), parent: ca.Certificate()}.der(t)
	noRole := leaf{cn: alice.PeerID().String(), pub: alice.Ed25519().Public(), signer: ca.key.Ed25519(), parent: ca.Certificate()}.der(t)
	badRole := leaf{cn: alice.PeerID().String(), pub: alice.Ed25519().Public(), role: "admin", signer: ca.key.Ed25519(), parent: ca.Certificate()}.der(t)
	forgedSelf := leaf{cn: alice.PeerID().String(), pub: alice.Ed25519().Public(), role: "node", signer: mallory.Ed25519()}.der(t)

	caV := &Verifier{CA: ca.Certificate(), CRL: func() *CRL { return crl }}
	openV := &Verifier{}
	at := func(d time.Duration) *Verifier {
		return &Verifier{CA: ca.Certificate(), Now: func() time.Time { return time.Now().Add(d) }}
	}

	tests := []struct {
		name   string
		v      *Verifier
		der    []byte
		remote peer.ID
		want   error // nil: accepted
		says   string
	}{
		{"valid", caV, aliceDER, alice.PeerID(), nil, ""},
		{"valid client", caV, bobDER, bob.PeerID(), nil, ""},
		{"self-signed on CA network", caV, selfDER, alice.PeerID(), ErrUnknownCA, "this network's CA"},
		{"other CA with the same name", caV, otherDER, alice.PeerID(), ErrUnknownCA, ""},
		{"expired", at(2 * time.Hour), aliceDER, alice.PeerID(), ErrExpired, "scatterbytes ca sign"},
		{"not yet valid", at(-time.Hour), aliceDER, alice.PeerID(), ErrNotYetValid, ""},
		{"revoked by CRL", caV, malloryDER, mallory.PeerID(), ErrRevoked, ""},
		{"revoked by peer ID only", caV, sneakyDER, sneaky.PeerID(), ErrRevoked, ""},
		{"revoked cert without the CRL", &Verifier{CA: ca.Certificate()}, malloryDER, mallory.PeerID(), nil, ""},
		{"cert for another peer", caV, aliceDER, bob.PeerID(), ErrWrongPeer, bob.PeerID().String()},
		{"CN is not the key's peer", caV, wrongCN, alice.PeerID(), ErrWrongPeer, ""},
		{"RSA key", caV, rsaDER, alice.PeerID(), ErrBadKey, "RSA"},
		{"ECDSA key", caV, ecDER, alice.PeerID(), ErrBadKey, "ECDSA"},
		{"33-byte Ed25519 key", caV, bigKeyDER, alice.PeerID(), ErrBadKey, ""},
		{"no role", caV, noRole, alice.PeerID(), ErrBadRole, ""},
		{"unknown role", caV, badRole, alice.PeerID(), ErrBadRole, ""},
		{"oversized", caV, append(bytes.Repeat([]byte{0x30}, MaxCertSize), aliceDER...), alice.PeerID(), ErrTooLarge, ""},
		{"garbage", caV, []byte("not a certificate"), alice.PeerID(), ErrBadCert, ""},
		{"empty", caV, nil, alice.PeerID(), ErrBadCert, ""},
		{"truncated", caV, aliceDER[:len(aliceDER)-1], alice.PeerID(), ErrBadCert, ""},
		{"open: self-signed", openV, selfDER, alice.PeerID(), nil, ""},
		{"open: self-signed by another key", openV, forgedSelf, alice.PeerID(), ErrUnknownCA, ""},
		{"open: CA-issued", openV, aliceDER, alice.PeerID(), ErrUnknownCA, ""},
		{"open: for another peer", openV, selfDER, bob.PeerID(), ErrWrongPeer, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := tc.v.Verify(tc.der, tc.remote)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if m.Peer != tc.remote || !m.Role.Valid() || m.Payout != testPayout || m.Serial == nil {
					t.Fatalf("member = %+v", m)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
			if !reflect.DeepEqual(m, Member{}) {
				t.Fatalf("refused but returned %+v", m)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("error %q does not say %q", err, tc.says)
			}
		})
	}
}

func TestVerifyMember(t *testing.T) {
	ca := newTestCA(t, "test")
	k := newKey(t)
	der, issued := mustIssue(t, ca, k, RoleCoordinator)
	m, err := (&Verifier{CA: ca.Certificate()}).Verify(der, k.PeerID())
	if err != nil {
		t.Fatal(err)
	}
	if m.Peer != k.PeerID() || m.Role != RoleCoordinator || m.Payout != testPayout ||
		m.Serial.Cmp(issued.Serial) != 0 || !m.NotAfter.Equal(issued.NotAfter.Truncate(time.Second)) {
		t.Fatalf("verified %+v, issued %+v", m, issued)
	}
	if m.Serial.BitLen() < 64 || m.Serial.BitLen() > 128 {
		t.Fatalf("serial has %d bits", m.Serial.BitLen())
	}
}

func TestVerifyCRLFromAnotherCA(t *testing.T) {
	ca, other := newTestCA(t, "test"), newTestCA(t, "other")
	k := newKey(t)
	der, _ := mustIssue(t, ca, k, RoleNode)
	crl := mustCRL(t, other)
	v := &Verifier{CA: ca.Certificate(), CRL: func() *CRL { return crl }}
	if _, err := v.Verify(der, k.PeerID()); !errors.Is(err, ErrBadCRL) {
		t.Fatalf("Verify = %v, want ErrBadCRL", err)
	}
}

func TestNeedsRenewal(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := Member{NotBefore: start, NotAfter: start.Add(9 * time.Hour)}
	tests := []struct {
		name string
		at   time.Duration
		want bool
	}{
		{"fresh", 0, false},
		{"half way", 4*time.Hour + 30*time.Minute, false},
		{"just over a third left", 5*time.Hour + 59*time.Minute, false},
		{"under a third left", 6*time.Hour + time.Minute, true},
		{"expired", 10 * time.Hour, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NeedsRenewal(m, start.Add(tc.at)); got != tc.want {
				t.Fatalf("NeedsRenewal = %v, want %v", got, tc.want)
			}
		})
	}
}
