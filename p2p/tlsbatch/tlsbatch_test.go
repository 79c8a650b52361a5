package tlsbatch

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/sec"
	libp2ptls "github.com/libp2p/go-libp2p/p2p/security/tls"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
)

const echo = "/tlsbatch-test/echo"

func newHost(t *testing.T, batched bool) host.Host {
	t.Helper()
	secOpt := libp2p.Security(libp2ptls.ID, libp2ptls.New)
	if batched {
		secOpt = libp2p.Security(ID, New)
	}
	h, err := libp2p.New(
		libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"),
		secOpt,
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.DisableRelay(),
		libp2p.DisableMetrics(),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	h.SetStreamHandler(echo, func(s network.Stream) {
		defer s.Close()
		if _, err := io.Copy(s, s); err != nil {
			s.Reset()
		}
	})
	return h
}

// Each side batched or stock, bytes go both ways over yamux intact: the
// batching changes system calls, not the wire.
func TestInterop(t *testing.T) {
	for _, tc := range []struct{ dialer, listener bool }{{true, false}, {false, true}, {true, true}} {
		t.Run(fmt.Sprintf("dialer batched %v, listener batched %v", tc.dialer, tc.listener), func(t *testing.T) {
			a, b := newHost(t, tc.dialer), newHost(t, tc.listener)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := a.Connect(ctx, peer.AddrInfo{ID: b.ID(), Addrs: b.Addrs()}); err != nil {
				t.Fatal(err)
			}
			s, err := a.NewStream(ctx, b.ID(), echo)
			if err != nil {
				t.Fatal(err)
			}
			data := make([]byte, 3<<20+1234)
			rand.Read(data)
			errc := make(chan error, 1)
			go func() {
				// Odd write sizes: partial records, frames, batches.
				for rest := data; len(rest) > 0; {
					n := min(len(rest), 200001)
					if _, err := s.Write(rest[:n]); err != nil {
						errc <- err
						return
					}
					rest = rest[n:]
				}
				errc <- s.CloseWrite()
			}()
			got, err := io.ReadAll(s)
			if err != nil {
				t.Fatal(err)
			}
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("echo returned %d bytes that differ from the %d sent", len(got), len(data))
			}
		})
	}
}

// countingConn counts the writes that reach the socket.
type countingConn struct {
	net.Conn
	mu     sync.Mutex
	writes []int
}

func (c *countingConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	c.writes = append(c.writes, len(b))
	c.mu.Unlock()
	return c.Conn.Write(b)
}

func (c *countingConn) take() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.writes
	c.writes = nil
	return w
}

// handshake secures a loopback TCP connection: this package's transport
// dials through a countingConn, stock libp2p TLS answers.
func handshake(t *testing.T) (client sec.SecureConn, server sec.SecureConn, raw *countingConn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ckey, _, _ := crypto.GenerateEd25519Key(rand.Reader)
	skey, _, _ := crypto.GenerateEd25519Key(rand.Reader)
	sid, _ := peer.IDFromPrivateKey(skey)
	ct, err := New(ID, ckey, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := libp2ptls.New(libp2ptls.ID, skey, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	type res struct {
		c   sec.SecureConn
		err error
	}
	sc := make(chan res, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			sc <- res{nil, err}
			return
		}
		s, err := st.SecureInbound(ctx, c, "")
		sc <- res{s, err}
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	raw = &countingConn{Conn: c}
	client, err = ct.SecureOutbound(ctx, raw, sid)
	if err != nil {
		t.Fatal(err)
	}
	r := <-sc
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { client.Close(); r.c.Close() })
	return client, r.c, raw
}

// The records of one write leave in one system call (a batch of at most
// maxBatch and a record), where stock TLS makes one call per 16 KiB record.
func TestRecordsOfAWriteLeaveTogether(t *testing.T) {
	client, server, raw := handshake(t)
	for _, size := range []int{1, 16 << 10, 64<<10 + 12, 1 << 20} {
		data := make([]byte, size)
		rand.Read(data)
		raw.take()
		got := make([]byte, size)
		done := make(chan error, 1)
		go func() { _, err := io.ReadFull(server, got); done <- err }()
		if n, err := client.Write(data); err != nil || n != size {
			t.Fatalf("Write(%d bytes) = %d, %v", size, n, err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("%d bytes arrived changed", size)
		}
		writes := raw.take()
		want := (size + maxBatch - 1) / maxBatch
		if len(writes) != want {
			t.Fatalf("a %d-byte write reached the socket in %d writes %v, want %d", size, len(writes), writes, want)
		}
		for _, w := range writes {
			if w > maxBatch+17<<10 {
				t.Fatalf("a %d-byte write to the socket, over the batch limit", w)
			}
		}
	}
}

// TLS takes a batched record as sent: when the batch then fails to reach
// the socket, the write still reports it, and so does every later write.
func TestFailedBatchIsReported(t *testing.T) {
	client, _, raw := handshake(t)
	raw.Conn.Close()
	if _, err := client.Write(make([]byte, 1000)); err == nil {
		t.Fatal("a write whose records never reached the socket succeeded")
	}
	if _, err := client.Write([]byte("more")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("a later write = %v, want the socket's error", err)
	}
}
