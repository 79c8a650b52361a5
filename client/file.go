package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
	"golang.org/x/sync/errgroup"

	"github.com/scatterbytes/scatterbytes/client/manifest"
	"github.com/scatterbytes/scatterbytes/client/stream"
	"github.com/scatterbytes/scatterbytes/internal/offheap"
	"github.com/scatterbytes/scatterbytes/p2p/erasure"
	"github.com/scatterbytes/scatterbytes/p2p/shard"
)

// File is a stored file opened for reading. Reads use the context given to
// Open; Close stops any read under way. A File is not safe for concurrent
// Read calls; ReadAt may be called concurrently.
type File struct {
	c      *Client
	ctx    context.Context
	cancel context.CancelFunc
	ref    manifest.Ref
	m      *manifest.Manifest
	layout erasure.Layout
	coder  *erasure.Coder
	cipher *stream.Cipher

	once sync.Once
	pr   *io.PipeReader // sequential Read, started by the first Read
	wg   sync.WaitGroup
}

// Open fetches the manifest of ref and returns the file for reading.
func (c *Client) Open(ctx context.Context, ref manifest.Ref) (*File, error) {
	if err := c.connected(ctx); err != nil {
		return nil, err
	}
	m, err := manifest.Open(ctx, manifest.FetcherFunc(c.fetchManifestChunk), ref)
	if err != nil {
		return nil, err
	}
	l := m.Layout()
	coder, err := erasure.NewCoder(l)
	if err != nil {
		return nil, err
	}
	fctx, cancel := context.WithCancel(ctx)
	return &File{c: c, ctx: fctx, cancel: cancel, ref: ref, m: m, layout: l, coder: coder, cipher: stream.NewCipher(ref.Key)}, nil
}

// fetchManifestChunk fetches a manifest chunk from the nodes Put stored it
// on (the closest to its CID) or its providers; ErrNoManifest if none of
// them serves it.
func (c *Client) fetchManifestChunk(ctx context.Context, id cid.Cid) ([]byte, error) {
	r := shard.Ref{ID: id}
	if hs, ok := c.rootHints.Load(id.KeyString()); ok {
		// The catalog's record of where the root went: no guess.
		for _, p := range hs.([]peer.ID) {
			r.Holders = append(r.Holders, []byte(p))
		}
	}
	b, err := c.shards.Fetch(ctx, r, nil)
	if err != nil && ctx.Err() == nil {
		return nil, fmt.Errorf("%w: %w", ErrNoManifest, err)
	}
	return b, err
}

// Size is the file's size in bytes.
func (f *File) Size() int64 { return f.m.Size }

// Manifest is the file's manifest.
func (f *File) Manifest() *manifest.Manifest { return f.m }

// Close stops any read under way.
func (f *File) Close() error {
	f.cancel()
	if f.pr != nil {
		f.pr.Close()
	}
	f.wg.Wait()
	return nil
}

// Read reads the file in order.
func (f *File) Read(p []byte) (int, error) {
	f.once.Do(func() {
		pr, pw := io.Pipe()
		f.pr = pr
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			_, err := f.writeTo(pw, true)
			pw.CloseWithError(err)
		}()
	})
	return f.pr.Read(p)
}

// WriteTo writes the whole file to w, fetching a few stripes ahead of the
// one being decrypted. Only authenticated plaintext reaches w.
func (f *File) WriteTo(w io.Writer) (int64, error) { return f.writeTo(w, false) }

// headStart bounds how long the stripes wait for the head's ranged read.
const headStart = 50 * time.Millisecond

// writeTo is WriteTo. With fast set (a reader streaming the file, who
// waits for its first bytes) and a first stripe of more than two
// segments, the first segment is also fetched by ranged reads, beside the
// stripes: a 64 KiB read arrives long before a whole stripe (16 MiB at
// most), and its plaintext goes to w as soon as it is in, unless the
// first stripe beats it. w must not be an io.ReaderFrom then.
func (f *File) writeTo(w io.Writer, fast bool) (int64, error) {
	if f.m.Inline() {
		done := false
		next := func() ([]byte, error) {
			if done {
				return nil, io.EOF
			}
			done = true
			return f.m.Data, nil
		}
		return f.open(w, next, func() {}, 0)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	type future chan stripeData
	futures := make(chan future, f.c.cfg.StripesInFlight)
	// Stripe buffers circulate: fetched into, opened from, returned. That
	// bounds memory to a few stripes whatever the file size.
	free := make(chan []byte, f.c.cfg.StripesInFlight+1)
	for range cap(free) {
		free <- nil
	}
	// The stripe buffers live outside the Go heap (see internal/offheap);
	// they are freed only once nothing can touch them: the fetcher below
	// and every fetch it started (all counted in fetching), and the reader
	// (this function), have returned.
	var (
		bufs     offheap.Buffers
		fetching sync.WaitGroup
	)
	defer func() {
		cancel()
		fetching.Wait()
		bufs.Free()
	}()
	var (
		head   chan []byte   // the first segment's plaintext, or nil
		headIn chan struct{} // closed once the head's read has ended
	)
	if _, rf := w.(io.ReaderFrom); fast && !rf && !f.m.Compressed && f.layout.Stripe(0).Len > 2*stream.SealedSegmentSize {
		head, headIn = make(chan []byte, 1), make(chan struct{})
		fetching.Add(1)
		go func() {
			defer fetching.Done()
			defer close(headIn)
			head <- f.readHead(ctx)
		}()
	}
	fetching.Add(1)
	go func() { // fetch ahead
		defer fetching.Done()
		defer close(futures)
		if headIn != nil {
			// The head's ranged read goes out alone for a moment: the
			// stripes' shards would fill the same connections ahead of
			// its answer (measured: a first byte in 3 ms alone, 20-50 ms
			// behind a stripe), and a stripe started a few milliseconds
			// later costs a big file nothing.
			select {
			case <-headIn:
			case <-time.After(headStart):
			case <-ctx.Done():
				return
			}
		}
		for i := range f.layout.Stripes() {
			var buf []byte
			select {
			case buf = <-free:
			case <-ctx.Done():
				return
			}
			if buf == nil {
				// Allocated here, not in fetchStripe, so that the buffer
				// handed back for reuse is the one the stripe was fetched
				// into: a new 16 MiB buffer per stripe cost the download
				// a tenth of its CPU in zeroing and page faults.
				// Room for the parity shards too: a parity shard fetched in
				// place of a data shard needs no new 4 MiB allocation. The
				// pages are touched only when one is fetched.
				buf = bufs.Alloc(int(f.layout.StripeBufferSize()))
			}
			fu := make(future, 1)
			select {
			case futures <- fu:
			case <-ctx.Done():
				return
			}
			fetching.Add(1)
			go func() {
				defer fetching.Done()
				b, err := f.fetchStripe(ctx, i, buf)
				fu <- stripeData{b, buf, err}
			}()
		}
	}()
	// The sealed stripes are opened in order, each segment straight from
	// the buffer it was fetched into (an io.Pipe to a stream.Reader copied
	// every byte once more: a twentieth of the download's CPU).
	var (
		held  []byte
		first future // the first stripe's, taken early for the head race
		sent  int64  // plaintext bytes the head put in w
	)
	if head != nil {
		select {
		case first = <-futures:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		select {
		case p := <-head:
			if p != nil {
				if _, err := w.Write(p); err != nil {
					return 0, err
				}
				sent = int64(len(p))
			}
		case sd := <-first:
			first = make(future, 1)
			first <- sd
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	next := func() ([]byte, error) {
		var (
			fu future
			ok bool
		)
		if first != nil {
			fu, ok, first = first, true, nil
		} else {
			select {
			case fu, ok = <-futures:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if !ok {
			if err := ctx.Err(); err != nil {
				return nil, err // the fetcher stopped early
			}
			return nil, io.EOF
		}
		var sd stripeData
		select {
		case sd = <-fu:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if sd.err != nil {
			return nil, sd.err
		}
		held = sd.buf
		return sd.b, nil
	}
	release := func() { free <- held }
	n, err := f.open(w, next, release, sent)
	return sent + n, err
}

// open writes to w the plaintext of the sealed stream that next hands
// out in pieces (see stream.NewPiecesReader), decompressed if need be,
// but for its first skip bytes (which w has already had).
func (f *File) open(w io.Writer, next func() ([]byte, error), release func(), skip int64) (int64, error) {
	sealed, err := stream.NewPiecesReader(f.ref.Key, f.layout.Size, next, release)
	if err != nil {
		return 0, err
	}
	var plain io.Reader = sealed
	if skip > 0 {
		if _, err := io.CopyN(io.Discard, plain, skip); err != nil {
			return 0, err
		}
	}
	if f.m.Compressed {
		zr, err := stream.Decompress(plain, f.m.Size)
		if err != nil {
			return 0, err
		}
		defer zr.Close()
		plain = zr
	}
	var n int64
	if rf, ok := w.(io.ReaderFrom); ok {
		// A destination with its own buffer (such as an O_DIRECT writer)
		// gets each segment opened straight into it, saving a copy.
		n, err = rf.ReadFrom(plain)
	} else {
		n, err = io.Copy(w, plain)
	}
	if err == nil && skip+n != f.m.Size {
		err = fmt.Errorf("%w: got %d of %d bytes", stream.ErrTruncated, skip+n, f.m.Size)
	}
	return n, err
}

// fetchStripe returns the sealed bytes of stripe i, fetched into buf (see
// shard.Net.FetchStripe: nil allocates).
func (f *File) fetchStripe(ctx context.Context, i int, buf []byte) ([]byte, error) {
	ss := f.m.Stripes[i].Shards
	refs := make([]shard.Ref, len(ss))
	for j, s := range ss {
		refs[j] = shard.Ref(s)
	}
	return f.c.shards.FetchStripe(ctx, f.coder, i, refs, buf)
}

type stripeData struct {
	b   []byte // the stripe's sealed bytes
	buf []byte // the buffer to recycle
	err error
}

// ReadAt reads len(p) bytes at off. It fetches only the data-shard slices
// under the segments it needs; when one of those is unavailable or fails to
// authenticate, it falls back to whole, checked stripes.
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > f.m.Size {
		return 0, fmt.Errorf("%w: offset %d of %d", stream.ErrRange, off, f.m.Size)
	}
	n := min(int64(len(p)), f.m.Size-off)
	if f.m.Compressed {
		return f.readAtCompressed(p[:n], off)
	}
	span, err := stream.SegmentRange(f.m.Size, off, n)
	if err != nil {
		return 0, err
	}
	sealed, err := f.sealedRange(f.ctx, span.CipherOff, span.CipherLen, false)
	if err == nil {
		var plain []byte
		if plain, err = f.cipher.OpenRange(f.m.Size, off, n, sealed); err == nil {
			return f.finishRead(p, plain, n)
		}
	}
	f.c.log.Debug("ranged read falls back to whole stripes", "err", err)
	if sealed, err = f.sealedRange(f.ctx, span.CipherOff, span.CipherLen, true); err != nil {
		return 0, err
	}
	plain, err := f.cipher.OpenRange(f.m.Size, off, n, sealed)
	if err != nil {
		return 0, err
	}
	return f.finishRead(p, plain, n)
}

// readHead returns the plaintext of the file's first segment, read by
// ranged reads of the shards under it; nil if they fail (the stripes will
// bring it).
func (f *File) readHead(ctx context.Context) []byte {
	n := min(int64(stream.SegmentSize), f.m.Size)
	span, err := stream.SegmentRange(f.m.Size, 0, n)
	if err != nil {
		return nil
	}
	sealed, err := f.sealedRange(ctx, span.CipherOff, span.CipherLen, false)
	if err != nil {
		return nil
	}
	plain, err := f.cipher.OpenRange(f.m.Size, 0, n, sealed)
	if err != nil {
		return nil
	}
	return plain
}

func (f *File) finishRead(p, plain []byte, n int64) (int, error) {
	copy(p, plain)
	if n < int64(len(p)) {
		return int(n), io.EOF
	}
	return int(n), nil
}

// sealedRange returns sealed stream bytes [off, off+n): as ranged reads of
// data shards, or (whole) from complete, checked stripes.
func (f *File) sealedRange(ctx context.Context, off, n int64, whole bool) ([]byte, error) {
	if f.m.Inline() {
		return slices.Clone(f.m.Data[off : off+n]), nil
	}
	out := make([]byte, n)
	pieces, err := f.layout.Locate(off, n)
	if err != nil {
		return nil, err
	}
	g, ctx := errgroup.WithContext(ctx)
	if whole {
		seen := map[int]bool{}
		for _, pc := range pieces {
			if seen[pc.Stripe] {
				continue
			}
			seen[pc.Stripe] = true
			g.Go(func() error {
				st := f.layout.Stripe(pc.Stripe)
				b, err := f.fetchStripe(ctx, pc.Stripe, nil)
				if err != nil {
					return err
				}
				lo, hi := max(off, st.Off), min(off+n, st.Off+st.Len)
				copy(out[lo-off:hi-off], b[lo-st.Off:hi-st.Off])
				return nil
			})
		}
		return out, g.Wait()
	}
	for _, pc := range pieces {
		g.Go(func() error {
			s := f.m.Stripes[pc.Stripe].Shards[pc.Shard]
			return f.c.shards.FetchRange(ctx, shard.Ref(s), pc.Off, out[pc.StreamOff-off:pc.StreamOff-off+pc.Len])
		})
	}
	return out, g.Wait()
}

// readAtCompressed serves ReadAt on a compressed file: plaintext offsets do
// not map to segments, so it decompresses from the start up to off+len(p).
func (f *File) readAtCompressed(p []byte, off int64) (int, error) {
	w := &window{skip: off, p: p}
	_, err := f.WriteTo(w)
	if w.n < len(p) {
		if err == nil || errors.Is(err, errWindowFull) {
			err = io.ErrUnexpectedEOF
		}
		return w.n, err
	}
	if off+int64(len(p)) == f.m.Size {
		return w.n, io.EOF
	}
	return w.n, nil
}

var errWindowFull = errors.New("range read")

// window keeps bytes [skip, skip+len(p)) of what is written to it and then
// stops the writer.
type window struct {
	skip int64
	p    []byte
	n    int
}

func (w *window) Write(b []byte) (int, error) {
	given := len(b)
	if drop := min(w.skip, int64(len(b))); drop > 0 {
		w.skip -= drop
		b = b[drop:]
	}
	w.n += copy(w.p[w.n:], b)
	if w.n == len(w.p) {
		return given, errWindowFull
	}
	return given, nil
}
