package shard

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/store"
)

// Tuning of peerSpeeds; see its comment.
const (
	speedAlpha      = 0.3              // weight of a new sample in the averages
	minRateSample   = 64 << 10         // smaller reads say nothing about bandwidth
	failPenalty     = time.Minute      // how long a failed peer counts as slow
	slowAfterFail   = fetchTimeout     // what a failed peer is expected to take
	forgetAfter     = 10 * time.Minute // an older opinion is dropped
	maxTrackedPeers = 4096             // past it, forgotten peers are swept
)

// peerSpeeds ranks storage nodes by how fast they have served this Net,
// so that downloads ask the fastest holders first.
//
// Per peer it keeps exponentially weighted averages of the time to first
// byte (request sent to response header read) and of the time per byte
// after it; the expected time of an n-byte fetch is ttfb + n·perByte, so a
// near node on a thin link loses to a far one on a fat link for big shards
// and wins for small chunks.
//
// Every chunk fetch reports: a success is a sample; a failure (refused,
// corrupt, timed out, unreachable) makes the peer count as slow, as slow as
// a fetch may take, for failPenalty or until it next serves a chunk; "not
// found" is neither, as the peer answered and may serve other chunks well.
// A fetch cut off before the peer answered, after at least answerFloor,
// counts as a failure too: that is how a peer dead without a reset (a
// killed process over QUIC) looks, and how the races learn of it when they
// hedge around it. So the peers slow until a time are the Net's set of
// dead peers, each remembered for failPenalty: orderings put them last.
// A fetch that the Net cancelled itself (a hedge lost, the stripe
// completed without it) ran for at least as long as it ran: when that is
// longer than the peer's estimate, the estimate is raised to it. That is all
// a hedge ever learns about a holder too slow to finish.
//
// A peer never served from (or not for forgetAfter, so that a node slow
// once gets another chance) is estimated from the round-trip time libp2p's
// peerstore has for it (the DHT records one per query), else from the
// average of every peer; with no sample at all every peer estimates 0 and
// orderings keep the manifest's order.
//
// Uploads do not report: their time measures the node's inbound link and
// its disk syncs, not what a download waits for.
//
// The lock is held for map and arithmetic only, never across I/O; reports
// and estimates do not allocate once a peer is known.
type peerSpeeds struct {
	now func() time.Time
	rtt func(peer.ID) time.Duration // libp2p's latency EWMA; 0 when unknown

	mu    sync.Mutex
	peers map[peer.ID]speed
	all   speed // over every peer: the prior of peers not known
}

// speed is what is known of one peer. Zero averages mean no sample yet.
type speed struct {
	ttfb, perByte float64 // ns, ns per byte
	slowUntil     time.Time
	seen          time.Time
}

func newPeerSpeeds(rtt func(peer.ID) time.Duration) *peerSpeeds {
	return &peerSpeeds{now: time.Now, rtt: rtt, peers: map[peer.ID]speed{}}
}

func ewma(avg, sample float64) float64 {
	if avg == 0 {
		return sample
	}
	return avg + speedAlpha*(sample-avg)
}

// add folds one completed fetch of n bytes into s.
func (s *speed) add(ttfb, total time.Duration, n int64) {
	s.ttfb = ewma(s.ttfb, float64(max(ttfb, 1)))
	if n >= minRateSample && total > ttfb {
		s.perByte = ewma(s.perByte, float64(total-ttfb)/float64(n))
	}
}

func (s *speed) expect(n int64) float64 { return s.ttfb + float64(n)*s.perByte }

// done reports a fetch from p that started at start, read its first byte
// ttfb later (0 if it never did) and, if err is nil, its n bytes at the end.
// ctx is the caller's context: when it is done, the fetch was cut off
// rather than failed.
func (ps *peerSpeeds) done(ctx context.Context, p peer.ID, start time.Time, ttfb time.Duration, n int64, err error) {
	now := ps.now()
	ps.mu.Lock()
	defer ps.mu.Unlock()
	s := ps.known(p, now)
	switch {
	case err == nil:
		s.add(ttfb, now.Sub(start), n)
		s.slowUntil = time.Time{}
		ps.all.add(ttfb, now.Sub(start), n)
	case ctx.Err() != nil && ttfb == 0 && now.Sub(start) >= answerFloor:
		// Cut off unanswered after longer than a live holder takes to
		// answer: the race went around it. Count it dead until it serves
		// again, so that the next fetches ask live holders first.
		s.slowUntil = now.Add(failPenalty)
	case ctx.Err() != nil: // cut off: it would have taken at least this long
		if s.ttfb == 0 {
			s.ttfb, s.perByte = ps.prior(p)
		}
		over := float64(now.Sub(start)) - s.expect(n)
		if over <= 0 {
			return // no news, and a prior is no sample to keep
		}
		s.ttfb += over
	case errors.Is(err, store.ErrNotFound):
		return
	default:
		s.slowUntil = now.Add(failPenalty)
	}
	s.seen = now
	if len(ps.peers) >= maxTrackedPeers {
		ps.sweep(now)
	}
	ps.peers[p] = s
}

// known returns p's entry unless it has been forgotten. ps.mu is held.
func (ps *peerSpeeds) known(p peer.ID, now time.Time) speed {
	s, ok := ps.peers[p]
	if !ok || now.Sub(s.seen) > forgetAfter {
		return speed{}
	}
	return s
}

// prior is the guess for a peer with no sample. ps.mu is held; the
// peerstore has its own lock and does no I/O.
func (ps *peerSpeeds) prior(p peer.ID) (ttfb, perByte float64) {
	ttfb = ps.all.ttfb
	if ps.rtt != nil {
		if d := ps.rtt(p); d > 0 {
			ttfb = float64(d)
		}
	}
	return ttfb, ps.all.perByte
}

func (ps *peerSpeeds) sweep(now time.Time) {
	for p, s := range ps.peers {
		if now.Sub(s.seen) > forgetAfter {
			delete(ps.peers, p)
		}
	}
}

// dead reports whether p failed (or was cut off unanswered) within the
// last failPenalty and has not served since.
func (ps *peerSpeeds) dead(p peer.ID) bool {
	now := ps.now()
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return now.Before(ps.known(p, now).slowUntil)
}

// typicalTTFB is the average time to first byte over every peer; 0 with
// no sample yet.
func (ps *peerSpeeds) typicalTTFB() time.Duration {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return time.Duration(ps.all.ttfb)
}

// expect is how long fetching n bytes from p is expected to take.
func (ps *peerSpeeds) expect(p peer.ID, n int64) time.Duration {
	now := ps.now()
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.expectLocked(p, n, now)
}

func (ps *peerSpeeds) expectLocked(p peer.ID, n int64, now time.Time) time.Duration {
	s := ps.known(p, now)
	if s.ttfb == 0 {
		s.ttfb, s.perByte = ps.prior(p)
	}
	d := time.Duration(s.expect(n))
	if now.Before(s.slowUntil) {
		d += slowAfterFail
	}
	return d
}

// order sorts ps fastest first for n-byte fetches; peers expected to be
// equally fast keep their order.
func (ps *peerSpeeds) order(peers []peer.ID, n int64) {
	if len(peers) < 2 {
		return
	}
	var buf [8]time.Duration
	est := buf[:0]
	now := ps.now()
	ps.mu.Lock()
	for _, p := range peers {
		est = append(est, ps.expectLocked(p, n, now))
	}
	ps.mu.Unlock()
	for i := 1; i < len(peers); i++ { // insertion sort: stable, and lists are short
		for j := i; j > 0 && est[j] < est[j-1]; j-- {
			est[j], est[j-1] = est[j-1], est[j]
			peers[j], peers[j-1] = peers[j-1], peers[j]
		}
	}
}
