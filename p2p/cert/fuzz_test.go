package cert

import (
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"reflect"
	"testing"
	"time"
)

// The fuzz targets use fixedCA and seeded keys so that corpus entries in
// testdata/fuzz stay meaningful from run to run.

func FuzzVerify(f *testing.F) {
	ca := fixedCA(f)
	k := seededKey(f, 0x01)
	issued, _ := mustIssue(f, ca, k, RoleNode)
	self, err := SelfSigned(k, RoleClient, "", time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(issued)
	f.Add(self)
	f.Add(leaf{cn: "rsa", pub: &testRSAKey(f).PublicKey, role: "node", signer: ca.key.Ed25519(), parent: ca.Certificate()}.der(f))
	f.Add([]byte{0x30, 0x00})

	crl := mustCRL(f, ca)
	caV := &Verifier{CA: ca.Certificate(), CRL: func() *CRL { return crl }}
	openV := &Verifier{}
	f.Fuzz(func(t *testing.T, der []byte) {
		for _, v := range []*Verifier{caV, openV} {
			m, err := v.Verify(der, k.PeerID())
			if err != nil {
				if !reflect.DeepEqual(m, Member{}) {
					t.Fatalf("error %v with member %+v", err, m)
				}
				continue
			}
			if m.Peer != k.PeerID() || !m.Role.Valid() || checkPayout(m.Payout) != nil || m.Serial == nil {
				t.Fatalf("accepted a bad member %+v", m)
			}
		}
	})
}

func FuzzParseCSR(f *testing.F) {
	ca := fixedCA(f)
	k := seededKey(f, 0x01)
	for _, r := range []Role{RoleNode, RoleClient} {
		csr, err := NewCSR(k, r, testPayout)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(csr)
		b, _ := pem.Decode(csr)
		f.Add(b.Bytes) // raw DER, to let the fuzzer reach x509 without PEM
	}
	f.Add(rawCSR(f, testECDSAKey(f), k.PeerID().String(), pkix.Extension{Id: OIDRole, Value: utf8String("node")}))
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 0 && in[0] == 0x30 { // treat DER as a request too
			in = pem.EncodeToMemory(&pem.Block{Type: pemCSR, Bytes: in})
		}
		req, err := ParseCSR(in)
		if err != nil {
			return
		}
		// Anything ParseCSR accepts, the CA must sign and a verifier accept.
		der, m, err := ca.Sign(in, time.Hour)
		if errors.Is(err, ErrRevoked) {
			return
		}
		if err != nil {
			t.Fatalf("ParseCSR accepted %+v but Sign refused: %v", req, err)
		}
		c, err := ParseCertPEM(der)
		if err != nil {
			t.Fatal(err)
		}
		got, err := (&Verifier{CA: ca.Certificate()}).Verify(c.Raw, req.Peer)
		if err != nil {
			t.Fatalf("issued certificate refused: %v", err)
		}
		if got.Role != req.Role || got.Payout != req.Payout || got.Serial.Cmp(m.Serial) != 0 {
			t.Fatalf("asked for %+v, got %+v", req, got)
		}
	})
}

func FuzzParseCRL(f *testing.F) {
	ca := fixedCA(f)
	mustIssue(f, ca, seededKey(f, 0x02), RoleNode)
	empty, err := ca.CRL(time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	if err := ca.Revoke(seededKey(f, 0x02).PeerID()); err != nil {
		f.Fatal(err)
	}
	full, err := ca.CRL(time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(empty)
	f.Add(full)
	f.Fuzz(func(t *testing.T, der []byte) {
		crl, err := ParseCRL(der, ca.Certificate())
		if err != nil {
			if crl != nil {
				t.Fatal("error with a CRL")
			}
			return
		}
		if crl.Number == nil {
			t.Fatal("accepted CRL without a number")
		}
		for _, p := range crl.RevokedPeers() {
			if !crl.RevokedPeer(p) {
				t.Fatalf("RevokedPeers lists %s but RevokedPeer denies it", p)
			}
		}
	})
}
