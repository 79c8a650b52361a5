package shard_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/libp2p/go-libp2p/core/network"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/scatterbytes/scatterbytes/p2p/shard"
	"github.com/scatterbytes/scatterbytes/store"
)

// TestCorruptHolderWarnedOnce fetches two chunks from a holder that serves
// bytes that are not the chunk: the first is logged as a warning naming
// the holder and the chunk, the second only at debug.
func TestCorruptHolderWarnedOnce(t *testing.T) {
	net := networkWith(t, 1, map[int]int64{1: bare})
	const size = 1000
	bad := net.Peer(1).Node()
	bad.Host().SetStreamHandler(bad.Profile().Protocol("chunk", "1.0.0"), serveGarbage(size))
	var logs records
	sn, n := newNetLogging(t, net, slog.New(&logs))
	routesToAll(t, n, net)

	var ids []string
	for i := range 2 {
		id := store.Sum(random(t, size))
		ids = append(ids, id.String())
		ref := shard.Ref{ID: id, Holders: [][]byte{[]byte(bad.ID())}}
		if _, err := sn.Fetch(ctxT(t), ref, make([]byte, size)); err == nil {
			t.Fatalf("fetch %d from a holder serving garbage succeeded", i)
		}
	}
	warns := logs.at(slog.LevelWarn, "holder served a corrupt chunk")
	if len(warns) != 1 || warns[0]["peer"] != bad.ID().String() || warns[0]["chunk"] != ids[0] {
		t.Fatalf("warnings %v, want one for peer %s and chunk %s", warns, bad.ID(), ids[0])
	}
	later := false
	for _, r := range logs.at(slog.LevelDebug, "shard fetch failed") {
		later = later || (r["peer"] == bad.ID().String() && r["chunk"] == ids[1])
	}
	if !later {
		t.Fatal("the second corrupt fetch was not logged at debug")
	}
}

// serveGarbage answers every chunk GET with OK and size random bytes, as a
// holder whose disk rotted and who does not check would (the response is
// encoded by hand from p2p/chunk/doc.go).
func serveGarbage(size int) network.StreamHandler {
	return func(s network.Stream) {
		defer s.Close()
		r := bufio.NewReader(s)
		n, err := binary.ReadUvarint(r)
		if err != nil || n > 64<<10 {
			s.Reset()
			return
		}
		if _, err := io.CopyN(io.Discard, r, int64(n)); err != nil {
			s.Reset()
			return
		}
		var msg []byte
		for _, f := range [][2]uint64{{1, 1}, {3, uint64(size)}, {4, uint64(size)}} { // status OK, size, length
			msg = protowire.AppendTag(msg, protowire.Number(f[0]), protowire.VarintType)
			msg = protowire.AppendVarint(msg, f[1])
		}
		out := append(protowire.AppendVarint(nil, uint64(len(msg))), msg...)
		body := make([]byte, size)
		s.Write(append(out, body...))
	}
}

// records is a slog.Handler that keeps every record's message, level and
// attributes (as strings).
type records struct {
	mu  sync.Mutex
	all []record
}

type record struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

func (h *records) Enabled(context.Context, slog.Level) bool { return true }
func (h *records) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *records) WithGroup(string) slog.Handler            { return h }

func (h *records) Handle(_ context.Context, r slog.Record) error {
	rec := record{level: r.Level, msg: r.Message, attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool {
		rec.attrs[a.Key] = a.Value.String()
		return true
	})
	h.mu.Lock()
	h.all = append(h.all, rec)
	h.mu.Unlock()
	return nil
}

// at returns the attributes of the records of level and message msg.
func (h *records) at(level slog.Level, msg string) []map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []map[string]string
	for _, r := range h.all {
		if r.level == level && r.msg == msg {
			out = append(out, r.attrs)
		}
	}
	return out
}
