package chunk

import (
	"context"
	"fmt"
	"io"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/scatterbytes/scatterbytes/store"
)

// DefaultProtocol is the chunk protocol under the public network's prefix;
// other networks use profile.Protocol("chunk", Version).
const (
	DefaultProtocol protocol.ID = "/scatterbytes/chunk/1.0.0"
	Version                     = "1.0.0"
)

// Client speaks the chunk protocol to storage nodes. The zero value uses
// DefaultProtocol; a Client is safe for concurrent use. Each call opens one
// stream through h, which should be the caller's gated host; ctx bounds
// the whole exchange (cancelling it resets the stream).
type Client struct {
	Protocol protocol.ID
}

func (c Client) pid() protocol.ID {
	if c.Protocol == "" {
		return DefaultProtocol
	}
	return c.Protocol
}

// exchange is one open stream bound to a context.
type exchange struct {
	ctx  context.Context
	str  network.Stream
	stop func() bool
}

func (c Client) open(ctx context.Context, h host.Host, p peer.ID, req *request) (*exchange, error) {
	str, err := h.NewStream(ctx, p, c.pid())
	if err != nil {
		return nil, fmt.Errorf("chunk %v %s at %s: %w", req.Op, req.Chunk, p, err)
	}
	if d, ok := ctx.Deadline(); ok {
		_ = str.SetDeadline(d)
	}
	x := &exchange{ctx: ctx, str: str, stop: context.AfterFunc(ctx, func() { str.Reset() })}
	if err := writeRequest(str, req); err != nil {
		x.abort()
		return nil, x.fail(req, p, err)
	}
	return x, nil
}

// response reads a response header; a failure status is its error.
func (x *exchange) response() (response, error) {
	resp, err := readResponse(x.str)
	if err != nil {
		return resp, err
	}
	if resp.Status >= codeBadMessage {
		e := codeToError(resp.Status, resp.Message)
		e.Free = resp.free()
		return resp, e
	}
	return resp, nil
}

// fail wraps err for the caller, preferring the context's reason: a reset
// caused by cancellation is not the remote's fault.
func (x *exchange) fail(req *request, p peer.ID, err error) error {
	if cerr := x.ctx.Err(); cerr != nil {
		err = fmt.Errorf("%w (%v)", cerr, err)
	}
	return fmt.Errorf("chunk %v %s at %s: %w", req.Op, req.Chunk, p, err)
}

func (x *exchange) abort() { x.stop(); x.str.Reset() }
func (x *exchange) done()  { x.stop(); x.str.Close() }

// Has reports whether p holds chunk id and can serve it.
func (c Client) Has(ctx context.Context, h host.Host, p peer.ID, id cid.Cid) (bool, error) {
	req := &request{Op: opHas, Chunk: id}
	x, err := c.open(ctx, h, p, req)
	if err != nil {
		return false, err
	}
	defer x.done()
	_, err = x.response()
	switch {
	case err == nil:
		return true, nil
	case store.IsNotFound(err):
		return false, nil
	}
	return false, x.fail(req, p, err)
}

// Delete asks p to delete chunk id. Only the client that signed the order
// the chunk is held under may (else ErrNotOwner); store.ErrNotFound if p
// does not hold it.
func (c Client) Delete(ctx context.Context, h host.Host, p peer.ID, id cid.Cid) error {
	req := &request{Op: opDelete, Chunk: id}
	x, err := c.open(ctx, h, p, req)
	if err != nil {
		return err
	}
	defer x.done()
	if _, err := x.response(); err != nil {
		return x.fail(req, p, err)
	}
	return nil
}

// Get streams length bytes of chunk id from offset off (length < 0: to the
// end) from p. The caller reads and closes the Reader; the bytes are not
// verified (wrap a whole chunk in NewVerifyingReader). ctx bounds the
// reading too.
func (c Client) Get(ctx context.Context, h host.Host, p peer.ID, id cid.Cid, off, length int64) (*Reader, error) {
	req := &request{Op: opGet, Chunk: id, Offset: off, Length: length}
	x, err := c.open(ctx, h, p, req)
	if err != nil {
		return nil, err
	}
	resp, err := x.response()
	if err == nil && (resp.Status != codeOK || resp.Length < 0 ||
		(length >= 0 && resp.Length != length) || resp.Length > resp.Size-off) {
		err = fmt.Errorf("%w: GET answered status %d, %d bytes", ErrBadMessage, resp.Status, resp.Length)
	}
	if err != nil {
		x.abort()
		return nil, x.fail(req, p, err)
	}
	return &Reader{x: x, size: resp.Size, left: resp.Length, n: resp.Length}, nil
}

// Reader is the body of a GET.
type Reader struct {
	x          *exchange
	size, n    int64
	left       int64
	err        error
	closedOnce bool
}

// Len is how many bytes the whole read delivers.
func (r *Reader) Len() int64 { return r.n }

// ChunkSize is the size of the whole chunk.
func (r *Reader) ChunkSize() int64 { return r.size }

// Read reads the body; a stream that ends early is io.ErrUnexpectedEOF.
func (r *Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, err := r.x.str.Read(p)
	r.left -= int64(n)
	switch {
	case err == io.EOF && r.left > 0:
		err = io.ErrUnexpectedEOF
	case err == io.EOF:
		err = nil
	}
	if err != nil {
		if cerr := r.x.ctx.Err(); cerr != nil {
			err = fmt.Errorf("%w (%v)", cerr, err)
		}
		r.err = err
	}
	return n, err
}

// Close ends the exchange; closing before the end resets the stream.
func (r *Reader) Close() error {
	if r.closedOnce {
		return nil
	}
	r.closedOnce = true
	if r.left > 0 || r.err != nil {
		r.x.abort()
		return nil
	}
	r.x.done()
	return nil
}
