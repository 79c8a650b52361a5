package cert

import (
	"cmp"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/golden"
)

// goldenMember is the deterministic member certificate of testdata.
func goldenMember(t *testing.T, ca *CA) []byte {
	t.Helper()
	k := seededKey(t, 0x01)
	serial, _ := new(big.Int).SetString("0102030405060708090a0b0c0d0e0f10", 16)
	tmpl, err := memberTemplate(k.PeerID(), RoleNode, testPayout, serial, goldenEpoch, goldenEpoch.Add(DefaultValidity))
	if err != nil {
		t.Fatal(err)
	}
	// Ed25519 signatures are deterministic, so the whole DER is.
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Certificate(), k.Ed25519().Public(), ca.key.Ed25519())
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestGoldenCertificates(t *testing.T) {
	ca := fixedCA(t)
	golden.Check(t, "ca.crt", ca.CertPEM())
	golden.Check(t, "member.crt", EncodeCertPEM(goldenMember(t, ca)))

	// Whatever the encoder does today, the stored certificate must still verify.
	stored, err := os.ReadFile(filepath.Join("testdata", "member.crt"))
	if err != nil {
		t.Fatal(err)
	}
	storedCA, err := os.ReadFile(filepath.Join("testdata", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCertPEM(stored)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := ParseCertPEM(storedCA)
	if err != nil {
		t.Fatal(err)
	}
	v := &Verifier{CA: caCert, Now: func() time.Time { return goldenEpoch.Add(time.Hour) }}
	m, err := v.Verify(c.Raw, seededKey(t, 0x01).PeerID())
	if err != nil {
		t.Fatal(err)
	}
	if m.Role != RoleNode || m.Payout != testPayout || m.Serial.Text(16) != "102030405060708090a0b0c0d0e0f10" {
		t.Fatalf("golden member = %+v", m)
	}
}

// TestGoldenExtensions pins the private extensions byte for byte.
func TestGoldenExtensions(t *testing.T) {
	c, err := x509.ParseCertificate(goldenMember(t, fixedCA(t)))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintln(&b, "# Private extensions of testdata/member.crt: OID, critical, DER of extnValue.")
	for _, e := range c.Extensions {
		if len(e.Id) > 7 && e.Id[6] == 59999 {
			fmt.Fprintf(&b, "%s critical=%v %s\n", e.Id, e.Critical, hex.EncodeToString(e.Value))
		}
	}
	peers := []peer.ID{seededKey(t, 0x01).PeerID(), seededKey(t, 0x02).PeerID()}
	slices.SortFunc(peers, func(a, b peer.ID) int { return cmp.Compare(a, b) })
	ext, err := revokedPeersExtension(peers)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "# CRL revoked-peers extension for %s, %s\n", peers[0], peers[1])
	fmt.Fprintf(&b, "%s critical=%v %s\n", ext.Id, ext.Critical, hex.EncodeToString(ext.Value))
	golden.Check(t, "member-extensions.golden", []byte(b.String()))
}
