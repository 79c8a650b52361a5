package chunk

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/disk"
	"github.com/scatterbytes/scatterbytes/store/memstore"
)

// storeKind makes a fresh store of capacity bytes (0: unlimited) for a test.
type storeKind struct {
	name string
	open func(t *testing.T, capacity int64) store.Store
}

var storeKinds = []storeKind{
	{"memstore", func(t *testing.T, capacity int64) store.Store {
		s := memstore.New(capacity)
		t.Cleanup(func() { s.Close() })
		return s
	}},
	{"disk", func(t *testing.T, capacity int64) store.Store {
		t.Helper()
		if capacity == 0 {
			capacity = 1 << 30
		}
		s, err := disk.Open(context.Background(), filepath.Join(t.TempDir(), "store"), disk.DefaultConfig(capacity))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

// env is a 3-node network: node 0 serves chunks, nodes 1 and 2 act as
// clients A and B.
type env struct {
	net *testnet.Network
	pid protocol.ID
}

func newEnv(t *testing.T) *env {
	t.Helper()
	net := nettest.New(t, 3)
	return &env{net: net, pid: net.Peer(0).Node().Profile().Protocol("chunk", Version)}
}

// serve runs a service on node 0 over st until the (sub)test ends.
func (e *env) serve(t *testing.T, st store.Store, adjust func(*Config)) *Service {
	t.Helper()
	n := e.net.Peer(0).Node()
	cfg := DefaultConfig(st, n.Key())
	if adjust != nil {
		adjust(&cfg)
	}
	s, err := NewService(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Register(n.Host(), e.pid)
	t.Cleanup(func() { s.Close() })
	return s
}

func (e *env) client() Client { return Client{Protocol: e.pid} }

// party is node i as a client: its host and key.
func (e *env) party(i int) (host.Host, identity.Key) {
	n := e.net.Peer(i).Node()
	return n.Host(), n.Key()
}

func (e *env) server() *testnet.Peer { return e.net.Peer(0) }

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func randomChunk(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// signedOrder returns an order for data signed by k, valid for an hour.
func signedOrder(t testing.TB, k identity.Key, data []byte) Order {
	t.Helper()
	o := Order{Chunk: store.Sum(data), Size: int64(len(data)), Expiry: time.Now().Add(time.Hour), K: 4, M: 2}
	if err := SignOrder(k, &o); err != nil {
		t.Fatal(err)
	}
	return o
}

// untouched is a body that fails the test if it is read: the node must
// refuse (or skip) before asking for the body.
type untouched struct{ t *testing.T }

func (u untouched) Read([]byte) (int, error) {
	u.t.Error("body read although the node should not have asked for it")
	return 0, errors.New("untouched body read")
}

// countingReader counts the bytes read from r.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// assertEmpty checks the store holds nothing, not even a partial chunk.
func assertEmpty(t *testing.T, st store.Store) {
	t.Helper()
	u, err := st.Usage(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if u.Chunks != 0 || u.Bytes != 0 {
		t.Fatalf("store holds %d chunks, %d bytes; want nothing", u.Chunks, u.Bytes)
	}
}

// rogue is a bare libp2p host that answers the certificate exchange with a
// self-signed certificate, which a CA network refuses.
func rogue(t *testing.T) (host.Host, identity.Key) {
	t.Helper()
	k, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	der, err := cert.SelfSigned(k, cert.RoleClient, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return nettest.Rogue(t, k, der), k
}
