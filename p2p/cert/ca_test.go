package cert

import (
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/identity"
)

func savedCA(t *testing.T) (*CA, string) {
	t.Helper()
	ca := newTestCA(t, "test")
	dir := filepath.Join(t.TempDir(), "ca")
	if err := SaveCA(dir, ca); err != nil {
		t.Fatal(err)
	}
	return ca, dir
}

func TestSaveLoadCA(t *testing.T) {
	ca, dir := savedCA(t)
	for name, want := range map[string]os.FileMode{"ca.key": 0o600, "ca.crt": 0o644, "ca.state": 0o600} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s has mode %#o, want %#o", name, st.Mode().Perm(), want)
		}
	}
	loaded, err := LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !loaded.Certificate().Equal(ca.Certificate()) {
		t.Fatal("loaded a different CA certificate")
	}
	// The loaded CA signs with the same key: its certificates verify
	// against the original certificate.
	k := newKey(t)
	der, _ := mustIssue(t, loaded, k, RoleNode)
	if _, err := (&Verifier{CA: ca.Certificate()}).Verify(der, k.PeerID()); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 4 {
		t.Fatalf("CA directory holds %d files, want 4 with ca.lock (temp files left?)", len(entries))
	}
}

// TestTwoProcessesShareOneCA: `scatterbytes ca revoke` beside a running
// coordinator, two handles on one directory. The coordinator's next
// enrolment does not overwrite the revocation, no CRL number is signed
// twice, and Reload tells the coordinator of a revocation made elsewhere.
func TestTwoProcessesShareOneCA(t *testing.T) {
	_, dir := savedCA(t)
	coord, err := LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	mustIssue(t, coord, newKey(t), RoleNode)
	first := mustCRL(t, coord).Number
	if err := coord.Reload(); err != nil || coord.Revoked() != 0 {
		t.Fatalf("Reload with nothing changed elsewhere: %v, %d revoked", err, coord.Revoked())
	}
	cli, err := LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	victim := newKey(t)
	if err := cli.Revoke(victim.PeerID()); err != nil {
		t.Fatal(err)
	}
	fromCLI := mustCRL(t, cli).Number
	mustIssue(t, coord, newKey(t), RoleNode) // writes the state again
	crl := mustCRL(t, coord)
	if fromCLI.Cmp(first) <= 0 || crl.Number.Cmp(fromCLI) <= 0 {
		t.Fatalf("CRL numbers %s (coordinator), %s (CLI), %s (coordinator): want each above the last", first, fromCLI, crl.Number)
	}
	if !crl.RevokedPeer(victim.PeerID()) {
		t.Fatal("the coordinator's CRL does not revoke the peer the CLI revoked")
	}
	again, err := LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := again.Issue(victim.PubKey(), RoleNode, "", time.Hour); !errors.Is(err, ErrRevoked) {
		t.Fatalf("after the coordinator's enrolment, Issue to the revoked peer = %v, want ErrRevoked", err)
	}
	before := coord.Revoked()
	if err := cli.Revoke(newKey(t).PeerID()); err != nil {
		t.Fatal(err)
	}
	if err := coord.Reload(); err != nil || coord.Revoked() != before+1 {
		t.Fatalf("Reload after a revocation elsewhere: %v, %d revoked, want %d", err, coord.Revoked(), before+1)
	}
}

func TestSaveCARefusesOverwrite(t *testing.T) {
	_, dir := savedCA(t)
	if err := SaveCA(dir, newTestCA(t, "test")); !errors.Is(err, identity.ErrExists) {
		t.Fatalf("SaveCA over an existing CA = %v, want identity.ErrExists", err)
	}
}

func TestLoadCAErrors(t *testing.T) {
	t.Run("missing", func(t *testing.T) {
		if _, err := LoadCA(t.TempDir()); !errors.Is(err, ErrNoCA) {
			t.Fatalf("LoadCA = %v, want ErrNoCA", err)
		}
	})
	t.Run("key readable by others", func(t *testing.T) {
		_, dir := savedCA(t)
		if err := os.Chmod(filepath.Join(dir, "ca.key"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadCA(dir); !errors.Is(err, identity.ErrKeyPermissions) {
			t.Fatalf("LoadCA = %v, want identity.ErrKeyPermissions", err)
		}
	})
	t.Run("certificate of another CA", func(t *testing.T) {
		_, dir := savedCA(t)
		if err := os.WriteFile(filepath.Join(dir, "ca.crt"), newTestCA(t, "test").CertPEM(), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadCA(dir); !errors.Is(err, ErrBadKey) {
			t.Fatalf("LoadCA = %v, want ErrBadKey", err)
		}
	})
	t.Run("state missing", func(t *testing.T) {
		_, dir := savedCA(t)
		if err := os.Remove(filepath.Join(dir, "ca.state")); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadCA(dir); err == nil {
			t.Fatal("loaded a CA without its state")
		}
	})
}

func TestRevocationPersists(t *testing.T) {
	ca, dir := savedCA(t)
	victim, bystander := newKey(t), newKey(t)
	_, m1 := mustIssue(t, ca, victim, RoleNode)
	_, m2 := mustIssue(t, ca, victim, RoleNode) // a renewal: both must be revoked
	_, mb := mustIssue(t, ca, bystander, RoleNode)
	first := mustCRL(t, ca)
	if first.RevokedPeer(victim.PeerID()) || first.RevokedSerial(m1.Serial) {
		t.Fatal("revoked before Revoke")
	}
	if err := ca.Revoke(victim.PeerID()); err != nil {
		t.Fatal(err)
	}

	loaded, err := LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	crl := mustCRL(t, loaded)
	if crl.Number.Cmp(first.Number) <= 0 {
		t.Fatalf("CRL number %s after %s", crl.Number, first.Number)
	}
	if !crl.RevokedPeer(victim.PeerID()) || !crl.RevokedSerial(m1.Serial) || !crl.RevokedSerial(m2.Serial) {
		t.Fatalf("after reload the CRL misses the victim: peers %v", crl.RevokedPeers())
	}
	if crl.RevokedPeer(bystander.PeerID()) || crl.RevokedSerial(mb.Serial) {
		t.Fatal("bystander revoked")
	}
	if got := crl.RevokedPeers(); len(got) != 1 || got[0] != victim.PeerID() {
		t.Fatalf("RevokedPeers = %v", got)
	}
	if _, _, err := loaded.Issue(victim.PubKey(), RoleNode, "", time.Hour); !errors.Is(err, ErrRevoked) {
		t.Fatalf("Issue to a revoked peer = %v, want ErrRevoked", err)
	}
}

func TestCRLNumberIncreases(t *testing.T) {
	ca, dir := savedCA(t)
	var last *big.Int
	for i := range 3 {
		crl := mustCRL(t, ca)
		if last != nil && crl.Number.Cmp(last) <= 0 {
			t.Fatalf("CRL %d has number %s after %s", i, crl.Number, last)
		}
		last = crl.Number
	}
	loaded, err := LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := mustCRL(t, loaded).Number; n.Cmp(last) <= 0 {
		t.Fatalf("after reload CRL number %s, before %s", n, last)
	}
}

func TestParseCRLRefuses(t *testing.T) {
	ca, other := newTestCA(t, "test"), newTestCA(t, "test")
	der, err := ca.CRL(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tampered := append([]byte(nil), der...)
	tampered[len(tampered)-1] ^= 1
	tests := []struct {
		name string
		der  []byte
		want error
	}{
		{"other CA", der, ErrBadCRL},
		{"bad signature", tampered, ErrBadCRL},
		{"garbage", []byte("crl"), ErrBadCRL},
		{"oversized", make([]byte, MaxCRLSize+1), ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			issuer := ca.Certificate()
			if tc.name == "other CA" {
				issuer = other.Certificate()
			}
			if _, err := ParseCRL(tc.der, issuer); !errors.Is(err, tc.want) {
				t.Fatalf("ParseCRL = %v, want %v", err, tc.want)
			}
		})
	}
	var nilCRL *CRL
	if nilCRL.RevokedPeer("x") || nilCRL.RevokedSerial(big.NewInt(1)) || nilCRL.RevokedPeers() != nil {
		t.Fatal("nil CRL revokes")
	}
}

func TestCAConcurrent(t *testing.T) {
	ca, _ := savedCA(t)
	done := make(chan error)
	for i := range 4 {
		go func() {
			k, err := identity.Generate()
			if err == nil {
				_, _, err = ca.Issue(k.PubKey(), RoleNode, "", time.Hour)
			}
			if err == nil && i%2 == 0 {
				err = ca.Revoke(k.PeerID())
			}
			if err == nil {
				_, err = ca.CRL(time.Hour)
			}
			done <- err
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if crl := mustCRL(t, ca); crl.Number.Int64() != 5 || len(crl.RevokedPeers()) != 2 {
		t.Fatalf("CRL %s revokes %d peers, want number 5 and 2 peers", crl.Number, len(crl.RevokedPeers()))
	}
}

// TestConcurrentProcessesNeverShareACRLNumber: handles on one directory
// making CRLs and revoking at once (as processes would; the lock is a
// flock, so separate handles contend as processes do): every CRL number
// is signed once and every revocation is kept.
func TestConcurrentProcessesNeverShareACRLNumber(t *testing.T) {
	_, dir := savedCA(t)
	const handles, rounds = 4, 10
	var (
		mu      sync.Mutex
		numbers = map[string]bool{}
		victims []peer.ID
		wg      sync.WaitGroup
	)
	for range handles {
		ca, err := LoadCA(dir)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				v := newKey(t).PeerID()
				if err := ca.Revoke(v); err != nil {
					t.Error(err)
					return
				}
				der, err := ca.CRL(time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				crl, err := ParseCRL(der, ca.Certificate())
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if numbers[crl.Number.String()] {
					t.Errorf("CRL number %s signed twice", crl.Number)
				}
				numbers[crl.Number.String()] = true
				victims = append(victims, v)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	last, err := LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	crl := mustCRL(t, last)
	for _, v := range victims {
		if !crl.RevokedPeer(v) {
			t.Fatalf("revocation of %s lost", v)
		}
	}
	if got := last.Revoked(); got != handles*rounds {
		t.Fatalf("%d revoked, want %d", got, handles*rounds)
	}
}
