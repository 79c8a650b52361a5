package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/golden"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
	"github.com/scatterbytes/scatterbytes/p2p/proof"
	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/memstore"
)

// TestProofVerify holds what `proof verify` prints and its exit status
// for a valid proof, a first proof, a proof with a lost chunk, a tampered
// one, one checked against another CA, and bytes that are no proof.
func TestProofVerify(t *testing.T) {
	ctx := context.Background()
	work := t.TempDir()
	ca, err := cert.NewCA("prooftest", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	other, err := cert.NewCA("prooftest", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	member := func(role cert.Role) (identity.Key, []byte) {
		k, err := identity.Generate()
		if err != nil {
			t.Fatal(err)
		}
		der, _, err := ca.Issue(k.PubKey(), role, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		return k, der
	}
	coordKey, coordCert := member(cert.RoleCoordinator)
	nodeKey, nodeCert := member(cert.RoleNode)
	clientKey, clientCert := member(cert.RoleClient)

	put := func(st store.Store, size int) cid.Cid {
		data := make([]byte, size)
		rand.Read(data)
		o := chunk.Order{Chunk: store.Sum(data), Size: int64(size), Expiry: time.Now().Add(time.Hour), K: 4, M: 2}
		if err := chunk.SignOrder(clientKey, &o); err != nil {
			t.Fatal(err)
		}
		if err := st.Put(ctx, o.Chunk, o.Size, bytes.NewReader(data), o.Marshal()); err != nil {
			t.Fatal(err)
		}
		return o.Chunk
	}
	newProver := func(st store.Store) *proof.Prover {
		p, err := proof.NewProver(proof.ProverConfig{
			Network: "prooftest", Store: st, Key: nodeKey,
			Cert:       func() []byte { return nodeCert },
			ClientCert: func(context.Context, peer.ID) ([]byte, error) { return clientCert, nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	start := time.Now().Truncate(time.Minute)
	b1, err := proof.NewBeacon(coordKey, coordCert, "prooftest", 1, start, time.Minute, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := proof.NewBeacon(coordKey, coordCert, "prooftest", 2, start.Add(time.Minute), time.Minute, 0, b1)
	if err != nil {
		t.Fatal(err)
	}
	prove := func(p *proof.Prover, b *proof.Beacon, name string) {
		data, err := p.Prove(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		mustWriteFile(t, filepath.Join(work, name), data)
	}
	// A node with 6 chunks, and one with a single chunk, which it loses.
	st := memstore.New(0)
	for range 6 {
		put(st, 20<<10)
	}
	whole := newProver(st)
	prove(whole, b1, "first.proof")
	prove(whole, b2, "good.proof")
	st1 := memstore.New(0)
	lost := put(st1, 5000)
	lossy := newProver(st1)
	prove(lossy, b1, "first-of-lossy.proof")
	if err := st1.Delete(ctx, lost); err != nil {
		t.Fatal(err)
	}
	prove(lossy, b2, "lost.proof")
	good, _ := os.ReadFile(filepath.Join(work, "good.proof"))
	tampered := append([]byte(nil), good...)
	tampered[len(tampered)/2] ^= 1
	mustWriteFile(t, filepath.Join(work, "tampered.proof"), tampered)
	mustWriteFile(t, filepath.Join(work, "garbage.proof"), []byte("not a proof"))
	mustWriteFile(t, filepath.Join(work, "other-ca.pem"), other.CertPEM())
	prof := &profile.Profile{Name: "prooftest", ProtocolPrefix: "/prooftest", CA: string(ca.CertPEM()),
		Epoch: profile.Duration(time.Minute), Redundancy: "4+2", Bootstrap: []string{}}
	netFile := filepath.Join(work, "net.json")
	if err := prof.Save(netFile); err != nil {
		t.Fatal(err)
	}

	names := regexp.MustCompile(`12D3KooW[1-9A-HJ-NP-Za-km-z]+|bafkr4[a-z2-7]+`)
	who := map[string]string{nodeKey.PeerID().String(): "NODE", clientKey.PeerID().String(): "CLIENT", coordKey.PeerID().String(): "COORDINATOR"}
	var out bytes.Buffer
	for _, tc := range []struct {
		args  []string
		stdin []byte
	}{
		{args: []string{"proof", "verify", "good.proof"}},
		{args: []string{"proof", "verify", "first.proof"}},
		{args: []string{"proof", "verify", "-"}, stdin: good},
		{args: []string{"proof", "verify", "lost.proof"}},
		{args: []string{"proof", "verify", "tampered.proof"}},
		{args: []string{"proof", "verify", "--ca", "other-ca.pem", "good.proof"}},
		{args: []string{"proof", "verify", "garbage.proof"}},
		{args: []string{"proof", "verify", "missing.proof"}},
		{args: []string{"proof", "verify"}},
	} {
		cmd := rootCmd()
		var stdout bytes.Buffer
		cmd.SetOut(&stdout)
		cmd.SetErr(io.Discard)
		cmd.SetIn(bytes.NewReader(tc.stdin))
		args := append([]string{"--network", netFile}, tc.args...)
		for i, a := range args {
			if filepath.Ext(a) == ".proof" || filepath.Ext(a) == ".pem" {
				args[i] = filepath.Join(work, a)
			}
		}
		cmd.SetArgs(args)
		err := cmd.ExecuteContext(ctx)
		fmt.Fprintf(&out, "$ scatterbytes %s\nexit %d\n%s", join(tc.args), exitCode(err, false), stdout.String())
		if err != nil {
			fmt.Fprintf(&out, "scatterbytes: %s\n", humanError(err))
		}
		out.WriteString("\n")
	}
	text := names.ReplaceAllStringFunc(out.String(), func(s string) string {
		if w, ok := who[s]; ok {
			return w
		}
		return "CID"
	})
	text = regexp.MustCompile(regexp.QuoteMeta(work)).ReplaceAllString(text, "$$WORK")
	golden.Check(t, "proof_verify.golden", []byte(text))
}

func join(args []string) string {
	s := ""
	for i, a := range args {
		if i > 0 {
			s += " "
		}
		s += a
	}
	return s
}

func mustWriteFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
