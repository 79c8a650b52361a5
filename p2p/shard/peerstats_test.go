package shard

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	mh "github.com/multiformats/go-multihash"

	"github.com/scatterbytes/scatterbytes/store"
)

// fakeSpeeds is a peerSpeeds on a clock the test moves, with the given
// round-trip times as libp2p's.
type fakeSpeeds struct {
	*peerSpeeds
	clock time.Time
}

func newFakeSpeeds(rtt map[peer.ID]time.Duration) *fakeSpeeds {
	f := &fakeSpeeds{clock: time.Unix(1e9, 0)}
	f.peerSpeeds = newPeerSpeeds(func(p peer.ID) time.Duration { return rtt[p] })
	f.now = func() time.Time { return f.clock }
	return f
}

// fetched reports a completed n-byte fetch with the given times.
func (f *fakeSpeeds) fetched(p peer.ID, ttfb, total time.Duration, n int64) {
	start := f.clock
	f.clock = f.clock.Add(total)
	f.done(context.Background(), p, start, ttfb, n, nil)
}

// ended reports a fetch that ended with err after d; cut says whether the
// caller had cancelled it.
func (f *fakeSpeeds) ended(p peer.ID, d time.Duration, err error, cut bool) {
	start := f.clock
	f.clock = f.clock.Add(d)
	ctx, cancel := context.WithCancel(context.Background())
	if cut {
		cancel()
	}
	defer cancel()
	f.done(ctx, p, start, 0, 1<<20, err)
}

func (f *fakeSpeeds) ordered(n int64, ps ...peer.ID) []peer.ID {
	out := slices.Clone(ps)
	f.order(out, n)
	return out
}

func testPeers(n int) []peer.ID {
	out := make([]peer.ID, n)
	for i := range out {
		h, err := mh.Sum([]byte(fmt.Sprintf("peer %d", i)), mh.SHA2_256, -1)
		if err != nil {
			panic(err)
		}
		out[i] = peer.ID(h)
	}
	return out
}

func TestPeerSpeedsOrder(t *testing.T) {
	p := testPeers(4)
	a, b, c, d := p[0], p[1], p[2], p[3]
	const mib = 1 << 20
	tests := []struct {
		name  string
		rtt   map[peer.ID]time.Duration
		setup func(f *fakeSpeeds)
		n     int64
		want  []peer.ID
	}{
		{"nothing known keeps the order", nil, func(*fakeSpeeds) {}, mib, []peer.ID{a, b, c, d}},
		{"faster first", nil, func(f *fakeSpeeds) {
			f.fetched(a, 50*time.Millisecond, 200*time.Millisecond, mib)
			f.fetched(b, 5*time.Millisecond, 20*time.Millisecond, mib)
			f.fetched(c, 10*time.Millisecond, 40*time.Millisecond, mib)
		}, mib, []peer.ID{b, c, d, a}},
		{"unknown peers rank as the average", nil, func(f *fakeSpeeds) {
			f.fetched(b, 100*time.Millisecond, 400*time.Millisecond, mib)
			f.fetched(c, 2*time.Millisecond, 10*time.Millisecond, mib)
		}, mib, []peer.ID{c, a, d, b}},
		{"unknown peers seeded from libp2p's RTT", map[peer.ID]time.Duration{a: 80 * time.Millisecond, d: time.Millisecond},
			func(f *fakeSpeeds) { f.fetched(b, 20*time.Millisecond, 20*time.Millisecond, 1) },
			1, []peer.ID{d, b, c, a}},
		// a: near, thin link; b: far, fat link.
		{"near wins small reads", nil, func(f *fakeSpeeds) {
			f.fetched(a, time.Millisecond, 101*time.Millisecond, mib)
			f.fetched(b, 50*time.Millisecond, 60*time.Millisecond, mib)
		}, 4 << 10, []peer.ID{a, c, d, b}},
		{"fat link wins big reads", nil, func(f *fakeSpeeds) {
			f.fetched(a, time.Millisecond, 101*time.Millisecond, mib)
			f.fetched(b, 50*time.Millisecond, 60*time.Millisecond, mib)
		}, 4 * mib, []peer.ID{b, c, d, a}},
		{"a failure ranks last", nil, func(f *fakeSpeeds) {
			f.fetched(a, time.Millisecond, 2*time.Millisecond, mib)
			f.fetched(b, 50*time.Millisecond, 500*time.Millisecond, mib)
			f.ended(a, time.Millisecond, errors.New("stream reset"), false)
		}, mib, []peer.ID{c, d, b, a}},
		{"a failure is forgiven after a while", nil, func(f *fakeSpeeds) {
			f.fetched(a, time.Millisecond, 2*time.Millisecond, mib)
			f.fetched(b, 50*time.Millisecond, 500*time.Millisecond, mib)
			f.ended(a, time.Millisecond, errors.New("stream reset"), false)
			f.clock = f.clock.Add(failPenalty + time.Second)
		}, mib, []peer.ID{a, c, d, b}},
		{"a success clears a failure", nil, func(f *fakeSpeeds) {
			f.ended(a, time.Millisecond, errors.New("stream reset"), false)
			f.fetched(a, time.Millisecond, 2*time.Millisecond, mib)
			f.fetched(b, 5*time.Millisecond, 10*time.Millisecond, mib)
		}, mib, []peer.ID{a, c, d, b}},
		{"not found is no failure", nil, func(f *fakeSpeeds) {
			f.fetched(a, time.Millisecond, 2*time.Millisecond, mib)
			f.fetched(b, 5*time.Millisecond, 10*time.Millisecond, mib)
			f.ended(a, time.Millisecond, fmt.Errorf("get: %w", store.ErrNotFound), false)
		}, mib, []peer.ID{a, c, d, b}},
		{"a cut-off fetch took at least as long", nil, func(f *fakeSpeeds) {
			f.fetched(a, time.Millisecond, 2*time.Millisecond, mib)
			f.fetched(b, 5*time.Millisecond, 10*time.Millisecond, mib)
			f.ended(a, 80*time.Millisecond, context.Canceled, true)
		}, mib, []peer.ID{c, d, b, a}},
		{"a short cut-off fetch changes nothing", nil, func(f *fakeSpeeds) {
			f.fetched(a, time.Millisecond, 2*time.Millisecond, mib)
			f.fetched(b, 5*time.Millisecond, 10*time.Millisecond, mib)
			f.ended(a, time.Millisecond, context.Canceled, true)
		}, mib, []peer.ID{a, c, d, b}},
		{"an old opinion is forgotten", nil, func(f *fakeSpeeds) {
			f.fetched(a, 500*time.Millisecond, 900*time.Millisecond, mib)
			f.clock = f.clock.Add(forgetAfter + time.Second)
			f.fetched(b, 5*time.Millisecond, 10*time.Millisecond, mib)
			f.fetched(c, 5*time.Millisecond, 10*time.Millisecond, mib)
		}, mib, []peer.ID{b, c, a, d}}, // a now ranks with d, the unknown
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSpeeds(tc.rtt)
			tc.setup(f)
			if got := f.ordered(tc.n, a, b, c, d); !slices.Equal(got, tc.want) {
				t.Errorf("order = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestPeerSpeedsDead checks the set of peers believed dead: fed by
// failures and by fetches cut off unanswered after answerFloor (the race
// went around a silent holder), cleared by a success or after failPenalty.
func TestPeerSpeedsDead(t *testing.T) {
	a := testPeers(1)[0]
	tests := []struct {
		name  string
		setup func(f *fakeSpeeds)
		want  bool
	}{
		{"unknown", func(*fakeSpeeds) {}, false},
		{"failed", func(f *fakeSpeeds) { f.ended(a, time.Millisecond, errors.New("stream reset"), false) }, true},
		{"cut off unanswered, late", func(f *fakeSpeeds) { f.ended(a, answerFloor, context.Canceled, true) }, true},
		{"cut off unanswered, early", func(f *fakeSpeeds) { f.ended(a, answerFloor-time.Millisecond, context.Canceled, true) }, false},
		{"cut off after answering", func(f *fakeSpeeds) {
			start := f.clock
			f.clock = f.clock.Add(time.Second)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			f.done(ctx, a, start, time.Millisecond, 1<<20, context.Canceled)
		}, false},
		{"not found", func(f *fakeSpeeds) { f.ended(a, time.Second, store.ErrNotFound, false) }, false},
		{"forgiven after failPenalty", func(f *fakeSpeeds) {
			f.ended(a, answerFloor, context.Canceled, true)
			f.clock = f.clock.Add(failPenalty)
		}, false},
		{"served since", func(f *fakeSpeeds) {
			f.ended(a, answerFloor, context.Canceled, true)
			f.fetched(a, time.Millisecond, 2*time.Millisecond, 1<<20)
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSpeeds(nil)
			tc.setup(f)
			if got := f.dead(a); got != tc.want {
				t.Errorf("dead = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPeerSpeedsDoNotAllocate(t *testing.T) {
	f := newFakeSpeeds(nil)
	ps := testPeers(6)
	for _, p := range ps {
		f.fetched(p, time.Millisecond, 3*time.Millisecond, 1<<20)
	}
	ctx := context.Background()
	allocs := testing.AllocsPerRun(100, func() {
		f.done(ctx, ps[2], f.clock, time.Millisecond, 1<<20, nil)
		f.order(ps, 1<<20)
		f.expect(ps[3], 1<<20)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per report and ordering, want 0", allocs)
	}
}

// TestShardChoice checks which shards of a 4+2 stripe FetchStripe starts
// with: data shards unless a parity shard's holder is expected in under
// half the time and paritySwapMin sooner.
func TestShardChoice(t *testing.T) {
	holders := testPeers(6) // shard j on holders[j]
	const size = 1 << 20
	tests := []struct {
		name string
		took map[int]time.Duration // per shard: how long a fetch from its holder took
		want []int
	}{
		{"nothing known: data shards", nil, []int{0, 1, 2, 3}},
		{"all alike: data shards", map[int]time.Duration{0: 10 * time.Millisecond, 1: 10 * time.Millisecond,
			2: 10 * time.Millisecond, 3: 10 * time.Millisecond, 4: 10 * time.Millisecond, 5: 10 * time.Millisecond}, []int{0, 1, 2, 3}},
		{"a slow data holder gives way to parity", map[int]time.Duration{0: 300 * time.Millisecond, 1: 10 * time.Millisecond,
			2: 10 * time.Millisecond, 3: 10 * time.Millisecond, 4: 10 * time.Millisecond, 5: 12 * time.Millisecond}, []int{1, 2, 3, 4}},
		{"two slow data holders give way to both parity shards", map[int]time.Duration{0: 300 * time.Millisecond, 1: 10 * time.Millisecond,
			2: 200 * time.Millisecond, 3: 10 * time.Millisecond, 4: 10 * time.Millisecond, 5: 12 * time.Millisecond}, []int{1, 3, 4, 5}},
		{"under twice as slow: data shards", map[int]time.Duration{0: 90 * time.Millisecond, 1: 50 * time.Millisecond,
			2: 50 * time.Millisecond, 3: 50 * time.Millisecond, 4: 50 * time.Millisecond, 5: 50 * time.Millisecond}, []int{0, 1, 2, 3}},
		{"twice as slow but a small gain: data shards", map[int]time.Duration{0: 15 * time.Millisecond, 1: 2 * time.Millisecond,
			2: 2 * time.Millisecond, 3: 2 * time.Millisecond, 4: 2 * time.Millisecond, 5: 2 * time.Millisecond}, []int{0, 1, 2, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sp := newFakeSpeeds(nil)
			refs := make([]Ref, len(holders))
			for j, p := range holders {
				refs[j].Holders = [][]byte{[]byte(p)}
				if d, ok := tc.took[j]; ok {
					sp.fetched(p, d/2, d, size)
				}
			}
			net := &Net{speeds: sp.peerSpeeds}
			used := make([]bool, len(holders))
			var got []int
			for range 4 {
				j := net.cheapestUnused(refs, 4, used, size)
				used[j] = true
				got = append(got, j)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("first shards = %v, want %v", got, tc.want)
			}
		})
	}
}
