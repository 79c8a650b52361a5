package shard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipfs/go-cid"
	kb "github.com/libp2p/go-libp2p-kbucket"
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
// peers to the CID, fastest first. A holder that has not answered within
// answerWithin is raced by the next one (see fetch). A nil dst means the
// size is not known: the chunk (at most MaxUnsized bytes) is read into a
// new buffer. It returns the bytes read: dst, or the new buffer.
func (t *Net) Fetch(ctx context.Context, r Ref, dst []byte) ([]byte, error) {
	return t.fetch(ctx, r, dst, nil, true, nil)
}

// fetch is Fetch. It tries one holder at a time, the next when one
// fails; with hedge set it also starts the next beside those in flight
// when none of them has answered within answerWithin of the newest one's
// start (up to maxInflight at once): a holder that died without a reset
// answers nothing and fails only at fetchTimeout. answered, if set, is
// called when a holder answers. Only the first attempt in flight writes
// into dst; one beside it reads into a buffer of its own, copied to dst
// if it wins. fetch returns only once every attempt it started has ended.
// sp, if set, is the placement of r's stripe, asked for once the listed
// holders are tried and before the DHT.
func (t *Net) fetch(ctx context.Context, r Ref, dst []byte, answered func(), hedge bool, sp *stripePlacement) ([]byte, error) {
	ctx, cancel := context.WithCancel(ctx)
	f := &fetchRun{t: t, id: r.ID, dst: dst, answered: answered,
		results: make(chan fetched, maxInflight), tried: map[peer.ID]bool{t.node.ID(): true}}
	defer func() { cancel(); f.wg.Wait() }() // no attempt outlives the call
	cands := t.holders(ctx, r, int64(len(dst)), &f.wg, sp)
	var (
		want  = true // a candidate is wanted: the select takes one
		stall <-chan time.Time
		last  error
	)
	for {
		var next <-chan peer.ID
		if want {
			next = cands
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case p, ok := <-next:
			switch {
			case !ok:
				cands, want = nil, false
			case p == "" || f.tried[p]:
				// "": the listed holders are all tried; the DHT is asked
				// only now that another holder is wanted.
			default:
				if f.inflight > 0 {
					t.stats.Hedges.Add(1) // beside a late one
				}
				f.start(ctx, p)
				want = false
				if hedge {
					stall = t.clock.After(t.answerWithin())
				}
			}
		case <-stall:
			// Every attempt in flight is late: race the next holder. An
			// attempt that answered is not hedged here.
			stall = nil
			want = f.inflight < maxInflight && f.alive.Load() == 0
		case res := <-f.results:
			f.inflight--
			if res.own {
				f.dstBusy = false
			}
			if res.err == nil {
				if dst != nil && !res.own {
					copy(dst, res.b)
					return dst, nil
				}
				return res.b, nil
			}
			t.fetchFailed(res.p, r.ID, res.err)
			last = res.err
			want = true
		}
		if cands == nil && f.inflight == 0 {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if last == nil {
				last = errors.New("no holder found")
			}
			return nil, fmt.Errorf("fetch chunk %s: %w", r.ID, last)
		}
	}
}

// fetchRun is one call of fetch: its attempts in flight.
type fetchRun struct {
	t        *Net
	id       cid.Cid
	dst      []byte
	answered func()
	alive    atomic.Int32 // attempts in flight that have answered
	results  chan fetched
	tried    map[peer.ID]bool
	inflight int
	dstBusy  bool // an attempt in flight writes into dst
	wg       sync.WaitGroup
}

// fetched is the outcome of one attempt.
type fetched struct {
	p   peer.ID
	b   []byte
	own bool // b is dst
	err error
}

// start fetches from p on a goroutine of its own.
func (f *fetchRun) start(ctx context.Context, p peer.ID) {
	f.tried[p] = true
	f.inflight++
	buf, own := f.dst, f.dst != nil && !f.dstBusy
	if f.dst != nil && !own {
		buf = make([]byte, len(f.dst))
	}
	f.dstBusy = f.dstBusy || own
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		answered := false
		b, err := f.t.fetchFrom(ctx, p, f.id, buf, func() {
			answered = true
			f.alive.Add(1)
			if f.answered != nil {
				f.answered()
			}
		})
		if answered {
			f.alive.Add(-1)
		}
		f.results <- fetched{p: p, b: b, own: own, err: err}
	}()
}

// maxGuesses bounds the holders guessed for a chunk none are listed for.
const maxGuesses = 6

// guessHolders returns the storage nodes of the routing table nearest to
// chunk id, those believed dead last: where Replicate puts a chunk (a
// manifest chunk: no one lists its holders) when the table is the
// writer's or much like it, as in a small network or a client that
// wrote the file. A right guess saves a DHT lookup, a wrong one costs a
// "not found".
func (t *Net) guessHolders(id cid.Cid) []peer.ID {
	near := t.storageNodes(t.node.DHT().RoutingTable().NearestPeers(kb.ConvertKey(id.KeyString()), maxGuesses), nil, false)
	var live, dead []peer.ID
	for _, p := range near {
		if t.speeds.dead(p) {
			dead = append(dead, p)
		} else {
			live = append(live, p)
		}
	}
	return append(live, dead...)
}

// holders hands out, on demand, the peers to ask for chunk r.ID (the
// receiver takes them one at a time, and no lookup starts before it
// wants one): the holders r lists, fastest first for n bytes, or when it
// lists none the guesses of guessHolders; then ""
// (the listed holders are exhausted); then the holders the stripe's
// placement record names (sp, asked of another holder of the stripe);
// then the DHT's providers as they arrive (those believed dead once the
// lookup ends) and the peers closest to the CID, fastest first. Peers may
// repeat. The channel is closed at the end, or when ctx ends; the
// goroutine behind it is counted in wg.
func (t *Net) holders(ctx context.Context, r Ref, n int64, wg *sync.WaitGroup, sp *stripePlacement) <-chan peer.ID {
	ch := make(chan peer.ID)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(ch)
		send := func(p peer.ID) bool {
			select {
			case ch <- p:
				return true
			case <-ctx.Done():
				return false
			}
		}
		listed := t.bySpeed(r.Holders, n)
		if len(listed) == 0 {
			listed = t.guessHolders(r.ID)
		}
		for _, p := range listed {
			if !send(p) {
				return
			}
		}
		if !send("") {
			return
		}
		if sp != nil {
			for _, p := range sp.holdersOf(ctx, r.ID) {
				if !send(p) {
					return
				}
			}
		}
		sent, ok := t.providers(ctx, r.ID, send)
		if !ok {
			return
		}
		if cands, err := t.Candidates(ctx, r.ID.KeyString(), 0, 0, sent); err == nil {
			t.speeds.order(cands, n)
			for _, p := range cands {
				if !send(p) {
					return
				}
			}
		}
	}()
	return ch
}

// providers sends the DHT's providers of id as they arrive (those
// believed dead once the lookup ends), unless the Net makes no provider
// lookups, and returns them; false when send gave up.
func (t *Net) providers(ctx context.Context, id cid.Cid, send func(peer.ID) bool) (map[peer.ID]bool, bool) {
	sent := map[peer.ID]bool{}
	if t.cfg.NoProviderLookups {
		return sent, true
	}
	t.stats.ProviderLookups.Add(1)
	pctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var dead []peer.ID // believed dead: asked only when the rest failed
	for ai := range t.node.DHT().FindProvidersAsync(pctx, id, 8) {
		sent[ai.ID] = true
		if t.speeds.dead(ai.ID) {
			dead = append(dead, ai.ID)
		} else if !send(ai.ID) {
			return sent, false
		}
	}
	for _, p := range dead {
		if !send(p) {
			return sent, false
		}
	}
	return sent, true
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
// timing go to the Net's peerSpeeds. answered is called once p has
// answered (the response header is in).
func (t *Net) fetchFrom(ctx context.Context, p peer.ID, id cid.Cid, dst []byte, answered func()) (_ []byte, err error) {
	start, ttfb := time.Now(), time.Duration(0)
	defer func() { t.speeds.done(ctx, p, start, ttfb, int64(len(dst)), err) }()
	gctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	r, err := t.chunks.Get(gctx, t.node.Host(), p, id, 0, -1)
	if err != nil {
		return nil, err
	}
	ttfb = time.Since(start)
	answered()
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
// Holders believed dead are not asked, and one that has not answered
// within answerWithin is given up (ErrNoAnswer): a range has one holder
// to ask, and the caller's fallback, whole stripes, races around it.
func (t *Net) FetchRange(ctx context.Context, s Ref, off int64, dst []byte) error {
	var last error = errors.New("no holder listed")
	for _, p := range t.bySpeed(s.Holders, int64(len(dst))) {
		if t.speeds.dead(p) {
			last = fmt.Errorf("holder %s: %w (believed dead)", p, ErrNoAnswer)
			continue
		}
		last = t.fetchRangeFrom(ctx, p, s, off, dst)
		if last == nil {
			t.stats.BytesFetched.Add(int64(len(dst)))
			return nil
		}
	}
	return last
}

// fetchRangeFrom is FetchRange from p.
func (t *Net) fetchRangeFrom(ctx context.Context, p peer.ID, s Ref, off int64, dst []byte) (err error) {
	start, ttfb := time.Now(), time.Duration(0)
	defer func() { t.speeds.done(ctx, p, start, ttfb, int64(len(dst)), err) }()
	gctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	// The exchange's context ends early, unless p answers first.
	xctx, late := context.WithCancelCause(gctx)
	defer late(nil)
	timer := time.AfterFunc(t.answerWithin(), func() { late(ErrNoAnswer) })
	r, err := t.chunks.Get(xctx, t.node.Host(), p, s.ID, off, int64(len(dst)))
	answered := timer.Stop()
	if err != nil {
		if cause := context.Cause(xctx); errors.Is(cause, ErrNoAnswer) {
			err = fmt.Errorf("range of %s at %s: %w", s.ID, p, cause)
		}
		return err
	}
	ttfb = time.Since(start)
	defer r.Close()
	if !answered {
		return fmt.Errorf("range of %s at %s: %w", s.ID, p, ErrNoAnswer)
	}
	_, err = io.ReadFull(r, dst)
	return err
}
