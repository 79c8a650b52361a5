package client_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
)

// silent is a storage node that has stopped answering without closing a
// connection, as a process killed or stopped looks over QUIC or a dropped
// link: every stream opened to it is accepted and held, unanswered, until
// the test ends. Only identify and its certificate exchange still work, so that peers
// verify it and their chunk requests reach it (and are counted) rather
// than wait at the gate: the longest stall, where a request is sent and no
// answer ever comes.
type silent struct {
	chunkAsks atomic.Int64
}

// silence turns p silent (see silent) until the test ends.
func silence(t *testing.T, net *testnet.Network, p *testnet.Peer) *silent {
	t.Helper()
	s := &silent{}
	h := p.Node().Host()
	release := make(chan struct{})
	var held sync.WaitGroup
	t.Cleanup(func() { close(release); held.Wait() })
	chunkPID := net.Profile.Protocol("chunk", "1.0.0")
	for _, pid := range h.Mux().Protocols() {
		if pid == net.Profile.Protocol("cert", "1.0.0") || strings.HasPrefix(string(pid), "/ipfs/id/") {
			continue
		}
		h.SetStreamHandler(pid, func(str network.Stream) {
			held.Add(1)
			defer held.Done()
			if str.Protocol() == chunkPID {
				s.chunkAsks.Add(1)
			}
			<-release
			str.Reset()
		})
	}
	return s
}

// TestGetHedgesAroundSilentHolders checks that a download whose stripe has
// two data shards on silent holders (no reset, no answer: the stall a
// killed peer over QUIC causes) completes by racing parity shards after a
// short delay rather than waiting out a timeout, and that the next
// download asks the silent holders nothing: they are remembered as dead.
func TestGetHedgesAroundSilentHolders(t *testing.T) {
	net := clienttest.NewNetwork(t, 6)
	small := func(cfg *client.Config) { cfg.MaxShard = 64 << 10 } // several stripes
	c := clienttest.New(t, net, small)
	data := random(t, 700<<10)
	ref := put(t, c, data, "4+2")
	stripes := holdersOf(t, c, ref)
	if len(stripes) < 2 {
		t.Fatalf("%d stripes, want several", len(stripes))
	}
	// Two data shards of stripe 0: fetched first, so without hedging
	// both of its slots wait for a timeout.
	victims := map[peer.ID]*silent{}
	for _, p := range net.Nodes() {
		if p.ID == stripes[0][0] || p.ID == stripes[0][1] {
			victims[p.ID] = silence(t, net, p)
		}
	}
	fresh := clienttest.New(t, net, small) // no opinion of any node yet
	asks := func() (n int64) {
		for _, s := range victims {
			n += s.chunkAsks.Load()
		}
		return n
	}
	start := time.Now()
	got, err := get(t, fresh, ref)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first get with 2 silent holders: %v, %d hedges, %d asks of the silent", time.Since(start), fresh.Stats().Hedges.Load(), asks())
	if !bytes.Equal(got, data) {
		t.Fatal("download differs from the upload")
	}
	if fresh.Stats().Hedges.Load() == 0 {
		t.Fatal("no hedged request: the download cannot have gone around the silent holders")
	}
	// The silent holders the first get raced around are remembered as
	// dead: the next get asks live holders. One asked only briefly (its
	// get ended soon after) was not judged and may be asked again, but
	// then only beside a hedge, never waited on.
	before, hedges := asks(), fresh.Stats().Hedges.Load()
	start = time.Now()
	if got, err = get(t, fresh, ref); err != nil {
		t.Fatal(err)
	}
	asked, hedged := asks()-before, fresh.Stats().Hedges.Load()-hedges
	t.Logf("second get: %v, %d hedges, %d asks of the silent", time.Since(start), hedged, asked)
	if !bytes.Equal(got, data) {
		t.Fatal("second download differs from the upload")
	}
	if asked > hedged {
		t.Errorf("second get asked the silent holders %d times and hedged %d: it waited on one", asked, hedged)
	}

	// A ranged read of a shard on a silent holder gives it up after
	// answerWithin and reads whole stripes around it. The deadline only
	// guards against a hang (fetchTimeout is a minute); it is no timing
	// assertion.
	ranged := clienttest.New(t, net, small)
	ctx, cancel := context.WithTimeout(ctxT(t), 30*time.Second)
	defer cancel()
	f, err := ranged.Open(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	before = asks()
	p := make([]byte, 1000)
	if _, err := f.ReadAt(p, 100); err != nil {
		t.Fatalf("ReadAt on a silent holder's shard: %v", err)
	}
	if !bytes.Equal(p, data[100:1100]) {
		t.Fatal("ReadAt differs from the upload")
	}
	if asks() == before {
		t.Fatal("ReadAt did not ask the silent holder of shard 0: the test proves nothing")
	}
}
