package shard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/store"
)

// fetchTimeout bounds one shard fetch from one holder; a slower holder is
// replaced by the next one.
const fetchTimeout = time.Minute

// Fetch reads chunk r.ID into dst from the first of its holders that
// serves it intact, the fastest first (see peerSpeeds), then from the
// holders the DHT knows: provider records as they arrive, then the closest
// peers to the CID, fastest first. A nil dst means the size is not known:
// the chunk (at most MaxUnsized bytes) is read into a new buffer. It
// returns the bytes read: dst, or the new buffer.
func (t *Net) Fetch(ctx context.Context, r Ref, dst []byte) ([]byte, error) {
	id := r.ID
	tried := map[peer.ID]bool{}
	var last error
	try := func(p peer.ID) bool {
		if tried[p] || p == t.node.ID() {
			return false
		}
		tried[p] = true
		b, err := t.fetchFrom(ctx, p, id, dst)
		if err == nil {
			dst = b
		}
		if err != nil {
			t.fetchFailed(p, id, err)
			last = err
		}
		return err == nil
	}
	for _, p := range t.bySpeed(r.Holders, int64(len(dst))) {
		if try(p) {
			return dst, nil
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	// The holders named are gone or bad: ask the DHT.
	pctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for ai := range t.node.DHT().FindProvidersAsync(pctx, id, 8) {
		if try(ai.ID) {
			return dst, nil
		}
	}
	if cands, err := t.Candidates(ctx, id.KeyString(), 0, 0, tried); err == nil {
		t.speeds.order(cands, int64(len(dst)))
		for _, p := range cands {
			if try(p) {
				return dst, nil
			}
		}
	}
	if last == nil {
		last = errors.New("no holder found")
	}
	return nil, fmt.Errorf("fetch chunk %s: %w", id, last)
}

// fetchFailed logs a failed fetch from p: at warning level the first time
// p served a chunk that does not hash to its ID, at debug otherwise.
func (t *Net) fetchFailed(p peer.ID, id cid.Cid, err error) {
	if errors.Is(err, store.ErrMismatch) && t.bad.first(p) {
		// Once availability proofs exist, report p to the coordinator here.
		t.log.Warn("holder served a corrupt chunk", "peer", p, "chunk", id, "err", err)
		return
	}
	t.log.Debug("shard fetch failed", "chunk", id, "peer", p, "err", err)
}

// bySpeed returns the holders that parse as peer IDs, fastest first for
// n-byte fetches.
func (t *Net) bySpeed(holders [][]byte, n int64) []peer.ID {
	ps := make([]peer.ID, 0, len(holders))
	for _, h := range holders {
		if p, err := peer.IDFromBytes(h); err == nil {
			ps = append(ps, p)
		}
	}
	t.speeds.order(ps, n)
	return ps
}

// MaxUnsized bounds a chunk fetched without a known size (a manifest
// chunk).
const MaxUnsized = 4<<20 + 64<<10

// fetchFrom reads chunk id from p into dst (or a new buffer when dst is
// nil), checking it against its CID as it streams in. The outcome and
// timing go to the Net's peerSpeeds.
func (t *Net) fetchFrom(ctx context.Context, p peer.ID, id cid.Cid, dst []byte) (_ []byte, err error) {
	start, ttfb := time.Now(), time.Duration(0)
	defer func() { t.speeds.done(ctx, p, start, ttfb, int64(len(dst)), err) }()
	gctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	r, err := t.chunks.Get(gctx, t.node.Host(), p, id, 0, -1)
	if err != nil {
		return nil, err
	}
	ttfb = time.Since(start)
	defer r.Close()
	switch {
	case dst == nil && r.Len() <= MaxUnsized:
		dst = make([]byte, r.Len())
	case r.Len() != int64(len(dst)):
		return nil, fmt.Errorf("holder %s has %d bytes of %s, want %d", p, r.Len(), id, len(dst))
	}
	vr := chunk.NewVerifyingReader(r, id)
	if _, err := io.ReadFull(vr, dst); err != nil {
		return nil, err
	}
	if n, err := vr.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		if err == nil || err == io.EOF {
			err = fmt.Errorf("holder %s sent more than %d bytes", p, len(dst))
		}
		return nil, err
	}
	t.stats.ShardsFetched.Add(1)
	t.stats.BytesFetched.Add(int64(len(dst)))
	return dst, nil
}

// FetchRange reads bytes [off, off+len(dst)) of chunk r.ID from its
// fastest holder that answers. The bytes are not checked here: a range cannot be
// checked against the CID without a proof, and the caller's AES-GCM open
// detects any change (and then falls back to whole, checked shards).
func (t *Net) FetchRange(ctx context.Context, s Ref, off int64, dst []byte) error {
	var last error = errors.New("no holder listed")
	for _, p := range t.bySpeed(s.Holders, int64(len(dst))) {
		last = func() (err error) {
			start, ttfb := time.Now(), time.Duration(0)
			defer func() { t.speeds.done(ctx, p, start, ttfb, int64(len(dst)), err) }()
			gctx, cancel := context.WithTimeout(ctx, fetchTimeout)
			defer cancel()
			r, err := t.chunks.Get(gctx, t.node.Host(), p, s.ID, off, int64(len(dst)))
			if err != nil {
				return err
			}
			ttfb = time.Since(start)
			defer r.Close()
			_, err = io.ReadFull(r, dst)
			return err
		}()
		if last == nil {
			t.stats.BytesFetched.Add(int64(len(dst)))
			return nil
		}
	}
	return last
}
