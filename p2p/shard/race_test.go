package shard

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// The race is driven by hand: every attempt is a call the test answers,
// time is a fake clock the test sets, and the hedge timer fires when the
// test says. Waits are on channels, with a generous deadline for failure
// only.

// patience bounds every wait for the race to act; reaching it is a failure.
const patience = 10 * time.Second

type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers chan fakeTimer
}

type fakeTimer struct {
	d time.Duration
	c chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) set(d time.Duration) {
	c.mu.Lock()
	c.now = time.Unix(0, 0).Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	t := fakeTimer{d, make(chan time.Time, 1)}
	c.timers <- t
	return t.c
}

// call is one attempt waiting for the test's answer.
type call struct {
	slot, cand int
	ctx        context.Context
	reply      chan error
	answered   func()
}

// raceRun is one race under test. Candidates are handed out in order:
// slot s starts on candidate s, spares are slots, slots+1, ... up to
// cands.
type raceRun struct {
	t      *testing.T
	clock  *fakeClock
	calls  chan call
	seen   map[int]call // by candidate
	landed chan int     // candidates whose outcome the race acted on
	done   chan struct{}
	wins   []int
	err    error
	cancel context.CancelFunc
}

func startRace(t *testing.T, r race, cands int) *raceRun {
	t.Helper()
	h := &raceRun{t: t, clock: &fakeClock{now: time.Unix(0, 0), timers: make(chan fakeTimer, 16)},
		calls: make(chan call), seen: map[int]call{}, done: make(chan struct{}), landed: make(chan int, 64)}
	r.landed = func(_, cand int) { h.landed <- cand }
	spare := r.slots
	r.next = func(slot, tries int, _ bool) (int, bool) {
		if tries == 0 {
			return slot, true
		}
		if spare >= cands {
			return 0, false
		}
		spare++
		return spare - 1, true
	}
	r.attempt = func(ctx context.Context, slot, cand int, answered func()) error {
		c := call{slot, cand, ctx, make(chan error), answered}
		h.calls <- c
		return <-c.reply
	}
	r.clock = h.clock
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() {
		defer close(h.done)
		h.wins, h.err = r.run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		for _, c := range h.seen {
			select {
			case c.reply <- context.Canceled:
			default:
			}
		}
	})
	return h
}

// attempt waits for the attempt on cand and checks its slot.
func (h *raceRun) attempt(cand, slot int) call {
	h.t.Helper()
	deadline := time.After(patience)
	for {
		if c, ok := h.seen[cand]; ok {
			if c.slot != slot {
				h.t.Fatalf("candidate %d tried for slot %d, want slot %d", cand, c.slot, slot)
			}
			return c
		}
		select {
		case c := <-h.calls:
			h.seen[c.cand] = c
		case <-h.done:
			h.t.Fatalf("the race ended (%v, %v) before trying candidate %d", h.wins, h.err, cand)
		case <-deadline:
			h.t.Fatalf("candidate %d never tried", cand)
		}
	}
}

// answer ends the attempt on cand with err and waits until the race has
// acted on it (or ended), so that answers land in the order given.
func (h *raceRun) answer(cand, slot int, err error) {
	h.t.Helper()
	h.attempt(cand, slot).reply <- err
	deadline := time.After(patience)
	for {
		select {
		case c := <-h.landed:
			if c == cand {
				return
			}
		case <-h.done:
			return
		case <-deadline:
			h.t.Fatalf("the race never took in the answer of candidate %d", cand)
		}
	}
}

// noAttempt checks that no attempt beyond those seen has started. It is
// meaningful only once the race has taken in every answer given (the
// test waits for an effect of the last one first).
func (h *raceRun) noAttempt() {
	h.t.Helper()
	select {
	case c := <-h.calls:
		h.t.Fatalf("unexpected attempt of slot %d on candidate %d", c.slot, c.cand)
	default:
	}
}

// timer waits for the hedge timer to be armed and checks its duration.
func (h *raceRun) timer(want time.Duration) fakeTimer {
	h.t.Helper()
	select {
	case tm := <-h.clock.timers:
		if tm.d != want {
			h.t.Fatalf("hedge timer of %v, want %v", tm.d, want)
		}
		return tm
	case <-h.done:
		h.t.Fatalf("the race ended (%v, %v) before arming the hedge timer", h.wins, h.err)
	case <-time.After(patience):
		h.t.Fatal("the hedge timer was never armed")
	}
	return fakeTimer{}
}

// result waits for the race to end.
func (h *raceRun) result() ([]int, error) {
	h.t.Helper()
	select {
	case <-h.done:
		return h.wins, h.err
	case <-time.After(patience):
		h.t.Fatal("the race did not end")
	}
	return nil, nil
}

// running checks that the race has not returned.
func (h *raceRun) running() {
	h.t.Helper()
	select {
	case <-h.done:
		h.t.Fatalf("the race returned (%v, %v) with an attempt still running", h.wins, h.err)
	default:
	}
}

// cancelled waits until the attempt's context is cancelled.
func (h *raceRun) cancelled(c call) {
	h.t.Helper()
	select {
	case <-c.ctx.Done():
	case <-time.After(patience):
		h.t.Fatalf("attempt of slot %d on candidate %d never cancelled", c.slot, c.cand)
	}
}

var errGone = errors.New("holder gone")

func TestRace(t *testing.T) {
	const ms = time.Millisecond
	tests := []struct {
		name     string
		race     race
		cands    int
		script   func(h *raceRun)
		wins     []int
		wantErr  error // errors.Is
		wantSlot int   // for an *exhausted error
	}{
		{name: "all land", race: race{slots: 3, hedgeAt: 2}, cands: 3, script: func(h *raceRun) {
			h.answer(0, 0, nil)
			h.answer(2, 2, nil)
			h.timer(150 * ms) // 50 ms floor: the fake attempts took no time
			h.answer(1, 1, nil)
		}, wins: []int{0, 1, 2}},
		{name: "a failure moves to a spare", race: race{slots: 3, hedgeAt: 3, maxTries: 4}, cands: 5, script: func(h *raceRun) {
			h.answer(1, 1, errGone)
			h.answer(3, 1, nil)
			h.answer(0, 0, errGone)
			h.answer(4, 0, nil)
			h.answer(2, 2, nil)
		}, wins: []int{4, 3, 2}},
		{name: "no spare left", race: race{slots: 2, hedgeAt: 2, maxTries: 4}, cands: 3, script: func(h *raceRun) {
			h.answer(0, 0, errGone)
			h.answer(2, 0, errGone)
			h.answer(1, 1, nil)
		}, wantErr: errGone, wantSlot: 0},
		{name: "tries run out", race: race{slots: 1, hedgeAt: 1, maxTries: 2}, cands: 5, script: func(h *raceRun) {
			h.answer(0, 0, errGone)
			h.answer(1, 0, errGone)
		}, wantErr: errGone, wantSlot: 0},
		{name: "a straggler is hedged and the first copy wins", race: race{slots: 3, hedgeAt: 2}, cands: 4, script: func(h *raceRun) {
			straggler := h.attempt(2, 2)
			h.attempt(0, 0)
			h.attempt(1, 1)
			h.clock.set(100 * ms) // every attempt has started: each took 100 ms
			h.answer(0, 0, nil)
			h.answer(1, 1, nil)
			tm := h.timer(300 * ms) // 3 × the median
			tm.c <- time.Time{}
			h.answer(3, 2, nil)
			// The straggler is cancelled, and waited for: it may still
			// write into the caller's buffer.
			h.cancelled(straggler)
			h.running()
			straggler.reply <- context.Canceled
		}, wins: []int{0, 1, 3}},
		{name: "a twin is cancelled when its straggler lands first", race: race{slots: 5, hedgeAt: 3}, cands: 7, script: func(h *raceRun) {
			h.answer(0, 0, nil)
			h.answer(1, 1, nil)
			h.answer(2, 2, nil)
			h.timer(150 * ms).c <- time.Time{}
			twin3 := h.attempt(5, 3)
			h.attempt(6, 4)
			h.answer(3, 3, nil)
			h.cancelled(twin3) // while slot 4 still races
			twin3.reply <- context.Canceled
			h.answer(6, 4, nil)
			h.cancelled(h.attempt(4, 4))
			h.seen[4].reply <- context.Canceled
		}, wins: []int{0, 1, 2, 3, 6}},
		{name: "a failed hedge waits for its twin", race: race{slots: 2, hedgeAt: 1, maxTries: 4}, cands: 4, script: func(h *raceRun) {
			h.answer(0, 0, nil)
			h.timer(150 * ms).c <- time.Time{}
			h.answer(2, 1, errGone) // no replacement: candidate 1 may land
			h.answer(1, 1, nil)
		}, wins: []int{0, 1}},
		{name: "eager: a failed hedge is replaced at once", race: race{slots: 2, hedgeAt: 1, eager: true}, cands: 4, script: func(h *raceRun) {
			h.answer(0, 0, nil)
			h.timer(150 * ms).c <- time.Time{}
			h.answer(2, 1, errGone)
			h.answer(3, 1, nil) // started while candidate 1 still runs
			h.cancelled(h.attempt(1, 1))
			h.seen[1].reply <- context.Canceled
		}, wins: []int{0, 3}},
		{name: "eager: a slot that cannot be filled ends the race at once", race: race{slots: 2, hedgeAt: 2, eager: true}, cands: 3, script: func(h *raceRun) {
			slow := h.attempt(1, 1)
			h.answer(0, 0, errGone)
			h.answer(2, 0, errGone)
			// Slot 0 is lost whatever slot 1 does: no waiting for it.
			h.cancelled(slow)
			h.running()
			slow.reply <- context.Canceled
		}, wantErr: errGone, wantSlot: 0},
		{name: "stall: an unanswered slot is raced whatever the others do", race: race{slots: 3, hedgeAt: 3, answerWithin: 100 * ms}, cands: 5, script: func(h *raceRun) {
			tm := h.timer(100 * ms)
			h.attempt(0, 0).answered() // alive, if slow
			h.attempt(1, 1)
			h.attempt(2, 2)
			h.clock.set(100 * ms)
			tm.c <- time.Time{}
			// Slots 1 and 2 are stalled, slot 0 is not: two hedges, on
			// the spares in slot order.
			h.timer(100 * ms)
			h.answer(3, 1, nil)
			h.answer(4, 2, nil)
			for _, cand := range []int{1, 2} {
				c := h.attempt(cand, cand)
				h.cancelled(c)
				c.reply <- context.Canceled
			}
			h.answer(0, 0, nil)
		}, wins: []int{0, 3, 4}},
		{name: "stall: a hedge that answers holds its slot", race: race{slots: 1, hedgeAt: 1, answerWithin: 100 * ms}, cands: 3, script: func(h *raceRun) {
			tm := h.timer(100 * ms)
			h.attempt(0, 0)
			h.clock.set(100 * ms)
			tm.c <- time.Time{}
			tm = h.timer(100 * ms) // armed for the hedge
			h.attempt(1, 0).answered()
			h.clock.set(200 * ms)
			tm.c <- time.Time{}
			// No third attempt: the hedge is alive. (noAttempt below.)
			h.answer(1, 0, nil)
			h.cancelled(h.seen[0])
			h.seen[0].reply <- context.Canceled
		}, wins: []int{1}},
		{name: "pool: a hedge that lands after its slot was filled fills another", race: race{slots: 2, hedgeAt: 2, pool: true, answerWithin: 100 * ms}, cands: 4, script: func(h *raceRun) {
			tm := h.timer(100 * ms)
			h.attempt(0, 0)
			h.attempt(1, 1)
			h.clock.set(100 * ms)
			tm.c <- time.Time{}
			h.timer(100 * ms)
			h.answer(0, 0, nil)
			h.answer(2, 0, nil) // slot 0's hedge: fills slot 1
			for _, cand := range []int{1, 3} {
				c := h.seen[cand]
				if cand == 3 {
					c = h.attempt(3, 1)
				}
				h.cancelled(c)
				c.reply <- context.Canceled
			}
		}, wins: []int{0, 2}},
		{name: "pool: a slot waits while others' attempts can fill it", race: race{slots: 2, hedgeAt: 2, pool: true, eager: true, answerWithin: 100 * ms}, cands: 4, script: func(h *raceRun) {
			tm := h.timer(100 * ms)
			h.attempt(0, 0)
			h.clock.set(100 * ms)
			tm.c <- time.Time{}
			h.timer(100 * ms)
			h.attempt(1, 1)
			h.attempt(2, 0)
			h.attempt(3, 1)
			h.answer(1, 1, errGone) // no spare left; three attempts may fill two slots
			h.answer(3, 1, errGone)
			h.answer(0, 0, nil)
			h.answer(2, 0, nil)
		}, wins: []int{0, 2}},
		{name: "pool: a failed twin of a filled slot leaves an open slot none can fill", race: race{slots: 2, hedgeAt: 2, pool: true, eager: true, answerWithin: 100 * ms}, cands: 4, script: func(h *raceRun) {
			tm := h.timer(100 * ms)
			h.attempt(0, 0)
			h.attempt(1, 1)
			h.clock.set(100 * ms)
			tm.c <- time.Time{}
			h.timer(100 * ms)
			h.attempt(2, 0)
			h.attempt(3, 1)
			h.answer(1, 1, errGone)
			h.answer(3, 1, errGone) // slot 1 has no candidate left: slot 0's two may fill it
			h.answer(0, 0, nil)
			h.answer(2, 0, errGone) // now none can: the race must end, not wait
		}, wantErr: errGone, wantSlot: 1},
		{name: "pool: exhausted when too few can still land", race: race{slots: 2, hedgeAt: 2, pool: true, eager: true}, cands: 3, script: func(h *raceRun) {
			slow := h.attempt(0, 0)
			h.answer(1, 1, errGone)
			h.answer(2, 1, errGone) // one attempt in flight for two open slots
			h.cancelled(slow)
			slow.reply <- context.Canceled
		}, wantErr: errGone, wantSlot: 1},
		{name: "cancel", race: race{slots: 2, hedgeAt: 2}, cands: 2, script: func(h *raceRun) {
			a, b := h.attempt(0, 0), h.attempt(1, 1)
			h.cancel()
			h.cancelled(a)
			h.cancelled(b)
			a.reply <- context.Canceled
			h.running()
			b.reply <- context.Canceled
		}, wantErr: context.Canceled, wantSlot: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := startRace(t, tc.race, tc.cands)
			tc.script(h)
			wins, err := h.result()
			if tc.wantErr == nil {
				if tc.race.pool { // slots are alike: which fills which may vary
					slices.Sort(wins)
				}
				if err != nil || !slices.Equal(wins, tc.wins) {
					t.Fatalf("run = %v, %v; want %v", wins, err, tc.wins)
				}
				h.noAttempt()
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("run = %v, %v; want %v", wins, err, tc.wantErr)
			}
			var ex *exhausted
			if got := errors.As(err, &ex); got != (tc.wantSlot >= 0) || (got && ex.slot != tc.wantSlot) {
				t.Fatalf("run error %v: want exhausted slot %d", err, tc.wantSlot)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	const ms = time.Millisecond
	tests := []struct {
		name string
		d    []time.Duration
		want time.Duration
	}{
		{"one", []time.Duration{80 * ms}, 80 * ms},
		{"odd, unsorted", []time.Duration{300 * ms, 60 * ms, 90 * ms}, 90 * ms},
		{"even: the upper middle", []time.Duration{60 * ms, 70 * ms, 80 * ms, 90 * ms}, 80 * ms},
		{"50 ms floor", []time.Duration{ms, 2 * ms, 3 * ms}, 50 * ms},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.d)
			if got := median(tc.d); got != tc.want {
				t.Errorf("median = %v, want %v", got, tc.want)
			}
			if !slices.Equal(in, tc.d) {
				t.Errorf("median reordered its argument: %v", tc.d)
			}
		})
	}
}

// TestRaceReportsSurplus: a straggler that succeeds after its hedge filled
// the slot (an upload that landed before its cancel did) is reported
// surplus, so that the copy no one asked for can be removed.
func TestRaceReportsSurplus(t *testing.T) {
	const ms = time.Millisecond
	type got struct{ slot, cand int }
	surplus := make(chan got, 4)
	h := startRace(t, race{slots: 3, hedgeAt: 2, surplus: func(slot, cand int) { surplus <- got{slot, cand} }}, 4)
	straggler := h.attempt(2, 2)
	h.attempt(0, 0)
	h.attempt(1, 1)
	h.clock.set(100 * ms)
	h.answer(0, 0, nil)
	h.answer(1, 1, nil)
	h.timer(300 * ms).c <- time.Time{}
	h.answer(3, 2, nil)
	h.cancelled(straggler)
	straggler.reply <- nil // it had landed
	wins, err := h.result()
	if err != nil || !slices.Equal(wins, []int{0, 1, 3}) {
		t.Fatalf("race: %v, %v; want wins [0 1 3]", wins, err)
	}
	select {
	case g := <-surplus:
		if g != (got{2, 2}) {
			t.Fatalf("surplus: slot %d on candidate %d, want slot 2 on candidate 2", g.slot, g.cand)
		}
	default:
		t.Fatal("the straggler that landed was not reported surplus")
	}
	if len(surplus) != 0 {
		t.Fatalf("%d more surplus reports, want none", len(surplus))
	}
}
