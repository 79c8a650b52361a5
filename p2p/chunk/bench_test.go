package chunk

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/store/memstore"
)

const rawProto = protocol.ID("/scatterbytes/test-raw/1.0.0")

// BenchmarkPutGet4MiB moves a 4 MiB chunk up (PUT) and back (GET, verified)
// between two in-process nodes per iteration, then DELETEs it, and reports
// the payload rate next to a bare libp2p stream moving the same bytes the
// same way in the same run: ratio = chunk protocol MB/s ÷ raw MB/s.
func BenchmarkPutGet4MiB(b *testing.B) {
	net := nettest.New(b, 2)
	srvNode, cliNode := net.Peer(0).Node(), net.Peer(1).Node()
	pid := srvNode.Profile().Protocol("chunk", Version)
	st := memstore.New(0)
	svc, err := NewService(DefaultConfig(st, srvNode.Key()))
	if err != nil {
		b.Fatal(err)
	}
	svc.Register(srvNode.Host(), pid)
	b.Cleanup(func() { svc.Close() })
	serveRaw(srvNode.Host())

	h, srv := cliNode.Host(), srvNode.ID()
	data := randomChunk(b, 4<<20)
	o := signedOrder(b, cliNode.Key(), data)
	c := Client{Protocol: pid}
	ctx := context.Background()
	const perOp = 2 * 4 << 20

	rawOnce(b, h, srv, data) // warm up connection and windows
	var raw time.Duration
	b.SetBytes(perOp)
	b.ResetTimer()
	for range b.N {
		// Interleaved, so both see the same machine load.
		b.StopTimer()
		start := time.Now()
		rawOnce(b, h, srv, data)
		raw += time.Since(start)
		b.StartTimer()
		if _, err := c.Put(ctx, h, srv, o, bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
		r, err := c.Get(ctx, h, srv, o.Chunk, 0, -1)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, NewVerifyingReader(r, o.Chunk)); err != nil {
			b.Fatal(err)
		}
		r.Close()
		if err := c.Delete(ctx, h, srv, o.Chunk); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	chunkRate := float64(perOp) * float64(b.N) / b.Elapsed().Seconds() / 1e6
	rawRate := float64(perOp) * float64(b.N) / raw.Seconds() / 1e6
	b.ReportMetric(rawRate, "raw-MB/s")
	b.ReportMetric(chunkRate/rawRate, "ratio")
}

// serveRaw answers rawProto: read everything the peer sends, acknowledge
// with one byte, then send it all back.
func serveRaw(h host.Host) {
	h.SetStreamHandler(rawProto, func(s network.Stream) {
		defer s.Close()
		buf := bytes.NewBuffer(make([]byte, 0, 4<<20))
		if _, err := copyN(buf, s, 4<<20); err != nil {
			s.Reset()
			return
		}
		if _, err := s.Write([]byte{1}); err != nil {
			return
		}
		copyN(s, buf, int64(buf.Len()))
	})
}

// rawOnce is the chunk round trip without the protocol: 4 MiB up on one
// stream, an acknowledgement, 4 MiB down.
func rawOnce(b *testing.B, h host.Host, p peer.ID, data []byte) {
	s, err := h.NewStream(context.Background(), p, rawProto)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := copyN(s, bytes.NewReader(data), int64(len(data))); err != nil {
		b.Fatal(err)
	}
	ack := make([]byte, 1)
	if _, err := io.ReadFull(s, ack); err != nil {
		b.Fatal(err)
	}
	if _, err := copyN(io.Discard, s, int64(len(data))); err != nil {
		b.Fatal(err)
	}
}
