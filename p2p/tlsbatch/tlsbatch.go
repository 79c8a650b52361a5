// Package tlsbatch is libp2p's TLS security transport with one change: the
// TLS records of one write to the secure connection reach the socket in
// one system call instead of one call per record.
//
// crypto/tls cuts a write into records of at most 16 KiB and writes each to
// the socket as it is sealed, so a 64 KiB yamux frame costs four writes,
// four TCP segments and, on loopback, four trips through the receive path.
// Here the records of a write are gathered in a buffer and written once the
// TLS write returns. The bytes on the wire are the same, and so is the
// protocol: peers running stock libp2p TLS interoperate.
package tlsbatch

import (
	"context"
	"net"
	"sync"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/core/sec"
	tptu "github.com/libp2p/go-libp2p/p2p/net/upgrader"
	libp2ptls "github.com/libp2p/go-libp2p/p2p/security/tls"
)

// ID is the protocol ID of libp2p TLS, which this transport speaks.
const ID = libp2ptls.ID

// maxBatch is the most a write gathers before it goes to the socket: a
// larger write is passed on in pieces of about this size. A yamux frame
// (at most 64 KiB of data) is far below it.
const maxBatch = 128 << 10

// Transport secures connections like libp2p's TLS transport, batching the
// records of each write.
type Transport struct{ tls *libp2ptls.Transport }

var _ sec.SecureTransport = (*Transport)(nil)

// New has the signature libp2p.Security expects.
func New(id protocol.ID, key crypto.PrivKey, muxers []tptu.StreamMuxer) (*Transport, error) {
	t, err := libp2ptls.New(id, key, muxers)
	if err != nil {
		return nil, err
	}
	return &Transport{tls: t}, nil
}

// ID returns the protocol ID of libp2p TLS.
func (t *Transport) ID() protocol.ID { return t.tls.ID() }

// SecureInbound runs the TLS handshake as a server.
func (t *Transport) SecureInbound(ctx context.Context, insecure net.Conn, p peer.ID) (sec.SecureConn, error) {
	raw := &rawConn{Conn: insecure}
	return wrap(raw)(t.tls.SecureInbound(ctx, raw, p))
}

// SecureOutbound runs the TLS handshake as a client.
func (t *Transport) SecureOutbound(ctx context.Context, insecure net.Conn, p peer.ID) (sec.SecureConn, error) {
	raw := &rawConn{Conn: insecure}
	return wrap(raw)(t.tls.SecureOutbound(ctx, raw, p))
}

// wrap returns what makes a handshake's result over raw a batching conn.
func wrap(raw *rawConn) func(sec.SecureConn, error) (sec.SecureConn, error) {
	return func(c sec.SecureConn, err error) (sec.SecureConn, error) {
		if err != nil {
			return nil, err
		}
		return &conn{SecureConn: c, raw: raw}, nil
	}
}

// conn is a secure connection whose writes batch their records.
type conn struct {
	sec.SecureConn
	raw *rawConn
	wmu sync.Mutex
}

func (c *conn) Write(b []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.raw.startBatch()
	n, err := c.SecureConn.Write(b)
	if ferr := c.raw.endBatch(); err == nil && ferr != nil {
		// TLS counted the records as sent: the connection is broken now,
		// and the caller must hear of it.
		err = ferr
		n = 0
	}
	return n, err
}

// rawConn is the socket under TLS. While a batch is open, what TLS writes
// is gathered; closing the batch writes it in one call. Outside a batch
// (the handshake, alerts, a key update from the read side) writes go
// straight through.
type rawConn struct {
	net.Conn
	mu       sync.Mutex
	batching bool
	buf      *[]byte
	err      error // a failed flush: every later write fails with it
}

// bufPool holds the batch buffers, which a connection holds only during a
// write: room for maxBatch and the one record that crosses it.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, maxBatch+17<<10); return &b }}

func (c *rawConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	if !c.batching {
		return c.Conn.Write(b)
	}
	*c.buf = append(*c.buf, b...)
	if len(*c.buf) >= maxBatch {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

// startBatch opens a batch: what TLS writes from now on is gathered.
func (c *rawConn) startBatch() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.batching = true
	c.buf = bufPool.Get().(*[]byte)
}

// endBatch writes what the batch gathered, closes it, and returns the
// error of that write.
func (c *rawConn) endBatch() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.flushLocked()
	c.batching = false
	*c.buf = (*c.buf)[:0]
	bufPool.Put(c.buf)
	c.buf = nil
	return err
}

func (c *rawConn) flushLocked() error {
	if c.err != nil {
		return c.err
	}
	if len(*c.buf) == 0 {
		return nil
	}
	_, err := c.Conn.Write(*c.buf)
	*c.buf = (*c.buf)[:0]
	if err != nil {
		c.err = err
	}
	return err
}
