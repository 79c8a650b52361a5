package enroll_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/enroll"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
)

// savedCA creates a CA in a temporary directory and returns the directory.
func savedCA(t *testing.T) string {
	t.Helper()
	ca, err := cert.NewCA("test", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "ca")
	if err := cert.SaveCA(dir, ca); err != nil {
		t.Fatal(err)
	}
	return dir
}

func randomPeer(t *testing.T) (identity.Key, peer.ID) {
	t.Helper()
	k, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return k, k.PeerID()
}

func serverCRL(t *testing.T, s *enroll.Server) *cert.CRL {
	t.Helper()
	crl, err := cert.ParseCRL(s.CRL(), s.CA.Certificate())
	if err != nil {
		t.Fatal(err)
	}
	return crl
}

// TestServerServesRevocationsMadeElsewhere: a peer revoked by another
// process on the CA's directory (`scatterbytes ca revoke`) is in the next
// CRL the server hands out, also when an enrolment in between already
// read the revocation into the server's CA.
func TestServerServesRevocationsMadeElsewhere(t *testing.T) {
	dir := savedCA(t)
	load := func() *cert.CA {
		ca, err := cert.LoadCA(dir)
		if err != nil {
			t.Fatal(err)
		}
		return ca
	}
	s := &enroll.Server{CA: load(), Approve: enroll.ApproveMembers, Validity: time.Hour, CRLValidity: time.Hour}
	before := serverCRL(t, s)
	cli := load()
	_, a := randomPeer(t)
	if err := cli.Revoke(a); err != nil {
		t.Fatal(err)
	}
	if crl := serverCRL(t, s); !crl.RevokedPeer(a) || crl.Number.Cmp(before.Number) <= 0 {
		t.Fatalf("after a revocation elsewhere the server serves CRL %s revoking it: %v", crl.Number, crl.RevokedPeer(a))
	}
	_, b := randomPeer(t)
	if err := cli.Revoke(b); err != nil {
		t.Fatal(err)
	}
	k, _ := randomPeer(t)
	if _, _, err := s.CA.Issue(k.PubKey(), cert.RoleNode, "", time.Hour); err != nil { // reads the state
		t.Fatal(err)
	}
	if !serverCRL(t, s).RevokedPeer(b) {
		t.Fatal("a revocation read by an enrolment is missing from the CRL served")
	}
}

// TestLargeCRLOverTheWire: a CRL over the 64 KiB a request may take (a
// network that revoked 1500 peers) reaches a member that asks for it.
func TestLargeCRLOverTheWire(t *testing.T) {
	ca, err := cert.NewCA("test", 24*time.Hour) // in memory: 3000 changes on disk, each synced, take minutes
	if err != nil {
		t.Fatal(err)
	}
	const revoked = 1500 // each names its peer ID in the CRL: ~56 bytes
	for range revoked {
		_, p := randomPeer(t)
		if err := ca.Revoke(p); err != nil {
			t.Fatal(err)
		}
	}
	s := &enroll.Server{CA: ca, Validity: time.Hour, CRLValidity: time.Hour}
	srv, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	const pid = "/scatterbytes/enroll/1.0.0"
	s.Register(srv, pid)
	cl, err := libp2p.New(libp2p.NoListenAddrs)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	resp, err := enroll.Enroll(ctx, cl, peer.AddrInfo{ID: srv.ID(), Addrs: srv.Addrs()}, pid, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.CRL) <= enroll.MaxMessage {
		t.Fatalf("the CRL of %d revoked peers is %d bytes: not over the request limit, the test shows nothing", revoked, len(resp.CRL))
	}
	crl, err := cert.ParseCRL(resp.CRL, ca.Certificate())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(crl.RevokedPeers()); n != revoked {
		t.Fatalf("the CRL fetched revokes %d peers, want %d", n, revoked)
	}
	t.Logf("a CRL of %d revoked peers: %d bytes", revoked, len(resp.CRL))
	// A member that holds it is not sent it again; after one more
	// revocation it is sent the new one.
	ai := peer.AddrInfo{ID: srv.ID(), Addrs: srv.Addrs()}
	if again, err := enroll.FetchCRL(ctx, cl, ai, pid, crl.Number.Uint64()); err != nil || len(again.CRL) != 0 {
		t.Fatalf("asked with the number held: %d bytes, %v; want none", len(again.CRL), err)
	}
	_, p := randomPeer(t)
	if err := ca.Revoke(p); err != nil {
		t.Fatal(err)
	}
	fresh, err := enroll.FetchCRL(ctx, cl, ai, pid, crl.Number.Uint64())
	if err != nil {
		t.Fatal(err)
	}
	if next, err := cert.ParseCRL(fresh.CRL, ca.Certificate()); err != nil || !next.RevokedPeer(p) {
		t.Fatalf("after a revocation, asked with the old number: %v", err)
	}
}
