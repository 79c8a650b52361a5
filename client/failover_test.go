package client_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/manifest"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
)

// silent is a storage node that has stopped answering without closing a
// connection, as a process killed or stopped looks over QUIC or a dropped
// link: every stream opened to it is accepted and held, unanswered, until
// the test ends. Only identify and its certificate exchange still work,
// so that peers verify it and their chunk requests reach it (and are
// counted) rather than wait at the gate: the longest stall, where a
// request is sent and no answer ever comes.
type silent struct {
	from map[peer.ID]bool // the clients whose requests count (the coordinator's spot checks do not)
	mu   sync.Mutex
	asks map[string]int // chunk requests, by the file (see watch) they ask for
	ids  map[string]string
}

// watch names the chunks of file: the requests for them count under it.
func (s *silent) watch(file string, ids ...cid.Cid) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		s.ids[string(id.Bytes())] = file
	}
}

// asked returns how many chunk requests for file have come in.
func (s *silent) asked(file string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.asks[file]
}

// heard counts the chunk request in the first bytes of a stream under the
// file whose chunk it names. A request is a small message sent whole at
// once; a stream cancelled before it arrived counts for nothing.
func (s *silent) heard(str network.Stream) {
	if !s.from[str.Conn().RemotePeer()] {
		return
	}
	buf := make([]byte, 256)
	n, _ := io.ReadAtLeast(str, buf, 48) // an op and a 36-byte CID at least
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, file := range s.ids {
		if bytes.Contains(buf[:n], []byte(id)) {
			s.asks[file]++
		}
	}
}

// silence turns p silent (see silent) until the test ends; it counts the
// requests of clients.
func silence(t *testing.T, net *testnet.Network, p *testnet.Peer, clients ...*client.Client) *silent {
	t.Helper()
	s := &silent{from: map[peer.ID]bool{}, asks: map[string]int{}, ids: map[string]string{}}
	for _, c := range clients {
		s.from[c.Node().ID()] = true
	}
	h := p.Node().Host()
	var (
		mu       sync.Mutex
		released bool
		held     sync.WaitGroup
	)
	release := make(chan struct{})
	t.Cleanup(func() {
		mu.Lock()
		released = true
		close(release)
		mu.Unlock()
		held.Wait()
	})
	chunkPID := net.Profile.Protocol("chunk", "1.0.0")
	for _, pid := range h.Mux().Protocols() {
		if pid == net.Profile.Protocol("cert", "1.0.0") || strings.HasPrefix(string(pid), "/ipfs/id/") {
			continue
		}
		h.SetStreamHandler(pid, func(str network.Stream) {
			mu.Lock()
			if released {
				mu.Unlock()
				str.Reset()
				return
			}
			held.Add(1)
			mu.Unlock()
			defer held.Done()
			go func() {
				<-release
				str.Reset()
			}()
			if str.Protocol() == chunkPID {
				s.heard(str)
			}
			<-release
		})
	}
	return s
}

// TestGetHedgesAroundSilentHolders checks that a download whose stripe has
// two data shards on silent holders (no reset, no answer: the stall a
// killed peer over QUIC causes) completes by racing parity shards after a
// short delay rather than waiting out a timeout; that the holders it raced
// around are remembered as dead, so a download of another file right after
// asks them nothing, or only beside a hedge; and that a ranged read of a
// silent holder's shard reads whole stripes around it.
func TestGetHedgesAroundSilentHolders(t *testing.T) {
	net := clienttest.NewNetwork(t, 6)
	small := func(cfg *client.Config) { cfg.MaxShard = 64 << 10 } // several stripes
	c := clienttest.New(t, net, small)
	data, other := random(t, 700<<10), random(t, 300<<10)
	ref, otherRef := put(t, c, data, "4+2"), put(t, c, other, "4+2")
	stripes := holdersOf(t, c, ref)
	if len(stripes) < 2 {
		t.Fatalf("%d stripes, want several", len(stripes))
	}
	// Clients that have joined but know nothing of any node's speed. (A
	// client joining while nodes are silent may wait long for its
	// routing table under load: that is the node's join, not the
	// download path tested here.)
	fresh := clienttest.New(t, net, small)
	ranged := clienttest.New(t, net, small)
	// Two data shards of stripe 0: fetched first, so without hedging
	// both of its slots wait for a timeout.
	var victims []*silent
	for _, p := range net.Nodes() {
		if p.ID == stripes[0][0] || p.ID == stripes[0][1] {
			victims = append(victims, silence(t, net, p, fresh, ranged))
		}
	}
	for _, f := range []struct {
		name string
		ref  manifest.Ref
	}{{"first", ref}, {"other", otherRef}} {
		ids := []cid.Cid{f.ref.Manifest}
		for _, st := range fileShards(t, c, f.ref) {
			ids = append(ids, st...)
		}
		for _, v := range victims {
			v.watch(f.name, ids...)
		}
	}
	asks := func(file string) (n int) {
		for _, v := range victims {
			n += v.asked(file)
		}
		return n
	}

	start := time.Now()
	got, err := get(t, fresh, ref)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first get with 2 silent holders: %v, %d hedges, %d asks of the silent", time.Since(start), fresh.Stats().Hedges.Load(), asks("first"))
	if !bytes.Equal(got, data) {
		t.Fatal("download differs from the upload")
	}
	if fresh.Stats().Hedges.Load() == 0 {
		t.Fatal("no hedged request: the download cannot have gone around the silent holders")
	}

	hedges := fresh.Stats().Hedges.Load()
	start = time.Now()
	if got, err = get(t, fresh, otherRef); err != nil {
		t.Fatal(err)
	}
	hedged := fresh.Stats().Hedges.Load() - hedges
	t.Logf("get of another file: %v, %d hedges, %d asks of the silent", time.Since(start), hedged, asks("other"))
	if !bytes.Equal(got, other) {
		t.Fatal("second download differs from the upload")
	}
	if n := int64(asks("other")); n > hedged {
		t.Errorf("get of another file asked the silent holders %d times and hedged %d: it waited on one", n, hedged)
	}

	// A ranged read of a shard on a silent holder gives it up after
	// answerWithin and reads whole stripes around it. The deadline only
	// guards against a hang (fetchTimeout is a minute); it is no timing
	// assertion.
	ctx, cancel := context.WithTimeout(ctxT(t), 30*time.Second)
	defer cancel()
	f, err := ranged.Open(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	before := asks("first")
	p := make([]byte, 1000)
	if _, err := f.ReadAt(p, 100); err != nil {
		t.Fatalf("ReadAt on a silent holder's shard: %v", err)
	}
	if !bytes.Equal(p, data[100:1100]) {
		t.Fatal("ReadAt differs from the upload")
	}
	if asks("first") == before {
		t.Fatal("ReadAt did not ask the silent holder of shard 0: the test proves nothing")
	}
}

// fileShards returns the shard IDs of each stripe of the file.
func fileShards(t *testing.T, c *client.Client, ref manifest.Ref) [][]cid.Cid {
	t.Helper()
	f, err := c.Open(ctxT(t), ref)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]cid.Cid
	for _, st := range f.Manifest().Stripes {
		var ids []cid.Cid
		for _, s := range st.Shards {
			ids = append(ids, s.ID)
		}
		out = append(out, ids)
	}
	return out
}
