package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/disk"
)

// TestNodeExitRefuses: `node exit` refuses, with one line that says why,
// a --dir that does not exist, one that is no storage node's, and a node
// that is running (its chunk store locked), before it starts anything.
func TestNodeExitRefuses(t *testing.T) {
	work := t.TempDir()
	running := filepath.Join(work, "running")
	chunks := filepath.Join(running, storage.ChunksDir)
	putChunks(t, chunks, 1)
	st, err := disk.Open(context.Background(), chunks, disk.DefaultConfig(1<<30))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tc := range []struct {
		name, dir string
		want      string
		is        error
	}{
		{"missing dir", filepath.Join(work, "missing"), "no node directory", nil},
		{"not a node", work, "no chunk store in", nil},
		{"node running", running, "is running", errNodeRunning},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// No network: every refusal comes before the profile is read.
			c := cli{t: t, ctx: t.Context(), network: filepath.Join(work, "no-such-profile.json"), dir: tc.dir}
			_, err := c.run("node", "exit", "--port", "0")
			if err == nil {
				t.Fatal("node exit succeeded")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("%v, want %v", err, tc.is)
			}
			msg := humanError(err)
			if !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") || exitCode(err, false) != exitFailed {
				t.Fatalf("node exit said %q (exit %d), want one line with %q (exit 1)", msg, exitCode(err, false), tc.want)
			}
			t.Log(msg)
		})
	}
}

// TestNodeExit runs `node exit` on a stopped node of an in-process
// network that holds shards of a 4+2 file: it prints what it handed over
// and to whom, every chunk the node held is then held by another node,
// and the file reads back with the node gone.
func TestNodeExit(t *testing.T) {
	// Ten nodes: a hedged upload may leave a shard on two nodes, and each
	// new holder must hold no part of the stripe.
	// Epochs of 4 s: these eleven peers take 0.74 CPU-seconds an epoch
	// under the race detector (0.37 cores at 2 s epochs, measured idle),
	// and beside .ci/stress's two busy loops and another package's tests
	// the test gets about half a core: at 2 s the exit failed in every
	// .ci/stress run, its new holders' proofs late epoch after epoch.
	net := nettest.NewWith(t, testclient.WithStorage(testclient.WithCoordinator(testnet.Options{Nodes: 10, Epoch: 4 * time.Second},
		func(cfg *coordinator.Config) {
			cfg.Reputation.SuspendBelow, cfg.Reputation.ReinstateAbove = 0.001, 0.002
		})))
	prof := filepath.Join(t.TempDir(), "net.json")
	if err := net.Profile.Save(prof); err != nil {
		t.Fatal(err)
	}
	cl := clienttest.New(t, net, func(c *client.Config) {
		c.Redundancy = "4+2"
		c.MaxShard = 256 << 10
	})
	data := make([]byte, 1200<<10)
	rand.Read(data)
	ref, err := cl.Put(t.Context(), bytes.NewReader(data), int64(len(data)), client.PutOptions{Name: "f"})
	if err != nil {
		t.Fatal(err)
	}
	// The node with a shard of a stripe leaves.
	var leaver *testnet.Peer
	var mine []cid.Cid
	for _, p := range net.Nodes() {
		ids, stripes := heldBy(t, p)
		if stripes > 0 {
			leaver, mine = p, ids
			break
		}
	}
	if leaver == nil {
		t.Fatal("no node holds a shard of a stripe")
	}
	if err := leaver.Stop(); err != nil {
		t.Fatal(err)
	}

	// At info level the exit logs each round and hand-over: a failure shows them.
	c := cli{t: t, ctx: t.Context(), network: prof, dir: leaver.Dir, logLevel: "info"}
	t0 := time.Now()
	out := c.must("node", "exit", "--ip", "127.0.0.1", "--port", "0")
	t.Logf("node exit took %v:\n%s", time.Since(t0).Round(time.Millisecond), out)
	for _, re := range []string{
		`(?m)^handed over ` + strconv.Itoa(len(mine)) + ` chunks? \(.*\) to \d+ nodes?, each proven there after epoch \d+:$`,
		`(?m)^  12D3Koo\w+  \d+ chunks? \(`,
		`nothing was deleted`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Fatalf("node exit output does not match %s:\n%s", re, out)
		}
	}
	for _, id := range mine {
		if !heldElsewhere(t, net, leaver, id) {
			t.Fatalf("chunk %s is held by no running node after the exit", id)
		}
	}
	rd, err := cl.Open(t.Context(), ref)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	got, err := io.ReadAll(rd)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read after the exit: %d bytes, %v", len(got), err)
	}
	// The node's directory stays, its chunks too.
	if _, err := os.Stat(filepath.Join(leaver.Dir, storage.ChunksDir, "index")); err != nil {
		t.Fatalf("the chunk store is gone without --delete-chunks: %v", err)
	}
}

// heldBy lists the chunks p holds and how many are shards of stripes.
func heldBy(t *testing.T, p *testnet.Peer) ([]cid.Cid, int) {
	t.Helper()
	var ids []cid.Cid
	stripes := 0
	err := p.Role().(*storage.Node).Storage().Store().Iterate(t.Context(), cid.Undef, func(i store.Info) error {
		ids = append(ids, i.ID)
		if o, err := chunk.UnmarshalOrder(i.Meta); err == nil && len(o.Stripe) > 0 {
			stripes++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids, stripes
}

func heldElsewhere(t *testing.T, net *testnet.Network, not *testnet.Peer, id cid.Cid) bool {
	t.Helper()
	for _, p := range net.Running()[1:] {
		if p == not {
			continue
		}
		ok, err := p.Role().(*storage.Node).Storage().Store().Has(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return true
		}
	}
	return false
}
