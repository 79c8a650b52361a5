package shard

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// race is the one hedged race behind Place and FetchStripe: it fills
// slots, each with one successful attempt, from candidates that next hands
// out (each at most once: a candidate is a node for an upload, a shard for
// a stripe fetch).
//
//   - Every slot starts with one attempt on its first candidate.
//   - A failed attempt is replaced by an attempt on the slot's next
//     candidate, while the slot has had fewer than maxTries attempts (0: no
//     limit). If its slot still has a twin in flight, it is replaced only
//     when eager; otherwise the twin may still land. A slot that cannot be
//     filled any more (no attempt in flight, no candidate or no try left)
//     ends the race with an *exhausted error.
//   - Once hedgeAt slots are filled (and not all), a timer of three times
//     the median time of the successful attempts so far (at least 50 ms
//     each) starts; when it fires, every unfilled slot with exactly one
//     attempt in flight, not hedged before, gets a second attempt on its
//     next candidate. Another success re-arms the timer.
//   - With answerWithin set, a slot none of whose attempts in flight has
//     answered (called its answered func: a fetch's first byte) within
//     answerWithin of the start of the newest is stalled, whatever the
//     other slots do: it gets another attempt on its next candidate, up
//     to maxInflight at once. A holder that died without a reset (a
//     killed process over QUIC, a dropped link) answers nothing and
//     fails only at a timeout; this rule goes around it after a delay
//     near the network's usual time to answer instead.
//   - The first attempt of a slot to succeed fills it, with its candidate;
//     a twin still in flight is cancelled and its outcome ignored, unless
//     the race is a pool (see pool).
//
// run returns once every slot is filled, a slot is exhausted or ctx ends
// (then with ctx's error), and only after every attempt it started has
// returned: attempts write into their caller's buffers. next and failed
// are called on run's goroutine, attempt on a goroutine of its own; an
// attempt must return soon after its ctx is cancelled.
type race struct {
	slots        int
	hedgeAt      int
	maxTries     int
	eager        bool
	answerWithin time.Duration // 0: no stall rule
	// pool: any success fills any slot (a stripe needs any k shards): a
	// twin that lands after its slot was filled fills another, so twins
	// are not cancelled while slots are open, and a slot is exhausted
	// only when too few attempts are in flight to fill what is open.
	pool bool
	// next returns the candidate for a new attempt of slot, which has had
	// tries attempts; false when there is none. hedge is set for an
	// attempt that would run beside one in flight (a hedge), not replace
	// a failed one: a candidate not worth racing may be held back then.
	next func(slot, tries int, hedge bool) (cand int, ok bool)
	// attempt runs on a goroutine of its own; it may call answered (any
	// number of times, from any goroutine) once its candidate has shown
	// it is alive, for the stall rule.
	attempt func(ctx context.Context, slot, cand int, answered func()) error
	failed  func(slot, cand int, err error) // optional: a failure that counted
	hedged  func(slot, cand int)            // optional: told of each hedge started
	// surplus, optional, is told of an attempt that succeeded after its
	// slot was filled and filled nothing: an upload's twin that landed
	// before its cancel did leaves a copy no one asked for.
	surplus func(slot, cand int)
	// landed, optional, is told of each outcome run has acted on (tests
	// wait on it to order outcomes).
	landed func(slot, cand int)
	clock  clock
}

// maxInflight bounds the attempts of one slot in flight at once.
const maxInflight = 3

// clock is what a race reads the time from; tests drive a fake one.
type clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// exhausted reports a slot that can no longer be filled.
type exhausted struct {
	slot int   // the slot
	done int   // slots filled by then
	err  error // the error of its last attempt
}

func (e *exhausted) Error() string {
	return fmt.Sprintf("slot %d cannot be filled (%d filled): %v", e.slot, e.done, e.err)
}

func (e *exhausted) Unwrap() error { return e.err }

// outcome is what one attempt came to.
type outcome struct {
	flight     int // index in racer.flights, or -1
	slot, cand int
	err        error
	took       time.Duration
}

// slotState is what a racer knows of one slot.
type slotState struct {
	win      int // the candidate that filled it, or -1
	tries    int
	inflight int // at most maxInflight: hedges or eager replacements join one
	hedged   bool
}

// flight is an attempt with a context of its own, to cancel alone.
type flight struct {
	slot     int
	cancel   context.CancelFunc // nil once landed
	start    time.Time
	answered atomic.Bool
}

// racer is one run of a race.
type racer struct {
	*race
	ctx      context.Context
	wg       sync.WaitGroup
	results  chan outcome
	st       []slotState
	done     int
	inflight int // attempts in flight, all slots
	took     []time.Duration
	timer    <-chan time.Time
	stall    <-chan time.Time // the stall rule's timer
	// own: attempts get contexts of their own, because a slot may be
	// filled while its twin is in flight and other slots are not. When
	// only the last slot is ever hedged (hedgeAt ≥ slots-1, no stall
	// rule), its win ends the race and cancels everything: no context per
	// attempt is needed.
	own     bool
	flights []*flight
}

func (r *race) run(ctx context.Context) ([]int, error) {
	ctx, cancelAll := context.WithCancel(ctx)
	x := &racer{race: r, ctx: ctx, st: make([]slotState, r.slots), own: r.hedgeAt < r.slots-1 || r.answerWithin > 0,
		// maxInflight attempts per slot at most are in flight, so sends
		// never block, even after run has stopped receiving.
		results: make(chan outcome, maxInflight*r.slots)}
	// Cancelled attempts must be gone before the caller reuses its buffers.
	defer x.wg.Wait()
	defer cancelAll()
	for s := range x.st {
		x.st[s].win = -1
		cand, ok := r.next(s, 0, false)
		if !ok {
			return nil, &exhausted{slot: s, err: fmt.Errorf("no candidate for slot %d", s)}
		}
		x.start(s, cand)
	}
	for x.done < r.slots {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-x.timer:
			x.timer = nil
			x.hedge()
		case <-x.stall:
			x.stall = nil
			x.unstall()
		case o := <-x.results:
			err := x.land(o)
			if r.landed != nil {
				r.landed(o.slot, o.cand)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	wins := make([]int, r.slots)
	for s, st := range x.st {
		wins[s] = st.win
	}
	// The twins still in flight are cancelled; one that had landed all
	// the same is surplus.
	cancelAll()
	x.wg.Wait()
	for len(x.results) > 0 {
		if o := <-x.results; o.err == nil && r.surplus != nil {
			r.surplus(o.slot, o.cand)
		}
	}
	return wins, nil
}

// start launches an attempt of slot on cand.
func (x *racer) start(slot, cand int) {
	st := &x.st[slot]
	st.tries++
	st.inflight++
	x.inflight++
	actx, fl, answered := x.ctx, -1, func() {}
	if x.own {
		f := &flight{slot: slot, start: x.clock.Now()}
		actx, f.cancel = context.WithCancel(x.ctx)
		fl = len(x.flights)
		x.flights = append(x.flights, f)
		answered = func() { f.answered.Store(true) }
		if x.answerWithin > 0 && x.stall == nil {
			x.stall = x.clock.After(x.answerWithin)
		}
	}
	x.wg.Add(1)
	go func() {
		defer x.wg.Done()
		t0 := x.clock.Now()
		err := x.attempt(actx, slot, cand, answered)
		x.results <- outcome{flight: fl, slot: slot, cand: cand, err: err, took: x.clock.Now().Sub(t0)}
	}()
}

// land takes in an outcome; an error ends the race.
func (x *racer) land(o outcome) error {
	st := &x.st[o.slot]
	st.inflight--
	x.inflight--
	if o.flight >= 0 {
		x.flights[o.flight].cancel()
		x.flights[o.flight].cancel = nil
	}
	if st.win >= 0 {
		// A twin landed first. In a pool its success fills another slot,
		// and its failure may leave too few attempts to fill those open.
		switch s := x.unfilled(); {
		case o.err == nil && x.pool && s >= 0:
			x.fill(s, o)
		case o.err == nil && x.surplus != nil:
			x.surplus(o.slot, o.cand)
		case o.err != nil && x.pool:
			return x.refill(o.err)
		}
		return nil
	}
	if o.err == nil {
		x.fill(o.slot, o)
		return nil
	}
	if x.failed != nil {
		x.failed(o.slot, o.cand, o.err)
	}
	if st.inflight > 0 && !x.eager {
		return nil // its twin may still land
	}
	if x.maxTries == 0 || st.tries < x.maxTries {
		if cand, ok := x.next(o.slot, st.tries, st.inflight > 0); ok {
			x.start(o.slot, cand)
			return nil
		}
	}
	if st.inflight > 0 || x.pool && x.done+x.inflight >= x.slots {
		return nil // nothing to replace it with, but a twin may land
	}
	return &exhausted{slot: o.slot, done: x.done, err: o.err}
}

// refill keeps a pool able to fill its open slots after a failure that
// had no slot of its own to replace (a twin's, whose slot was filled): when
// the attempts in flight are fewer than the open slots, an open slot
// without any gets an attempt on the next candidate, and with none left the
// race is exhausted. Without this, the race waited for its context: a
// slot that had given up for want of candidates, trusting a twin of
// another slot to fill it, was left with nothing in flight when that twin
// failed (.ci/stress run 8 of stop 28: a get hung its two minutes).
func (x *racer) refill(err error) error {
	if x.done+x.inflight >= x.slots {
		return nil
	}
	for s := range x.st {
		st := &x.st[s]
		if st.win >= 0 || st.inflight > 0 {
			continue
		}
		if x.maxTries == 0 || st.tries < x.maxTries {
			if cand, ok := x.next(s, st.tries, false); ok {
				x.start(s, cand)
				return nil
			}
		}
		return &exhausted{slot: s, done: x.done, err: err}
	}
	return nil // unreachable: open slots outnumber the attempts in flight
}

// fill fills slot with o's candidate.
func (x *racer) fill(slot int, o outcome) {
	x.st[slot].win = o.cand
	x.done++
	if !x.pool {
		x.cancelTwins(slot)
	}
	x.took = append(x.took, o.took)
	if x.timer == nil && x.done >= x.hedgeAt && x.done < x.slots {
		x.timer = x.clock.After(3 * median(x.took))
	}
}

// unfilled returns a slot not filled yet, the first; -1 if none.
func (x *racer) unfilled() int {
	for s, st := range x.st {
		if st.win < 0 {
			return s
		}
	}
	return -1
}

// hedge races each straggler, not hedged yet, on its next candidate.
func (x *racer) hedge() {
	for s := range x.st {
		st := &x.st[s]
		if st.win >= 0 || st.inflight != 1 || st.hedged {
			continue
		}
		if cand, ok := x.next(s, st.tries, true); ok {
			st.hedged = true
			x.startHedge(s, cand)
		}
	}
}

// startHedge starts an attempt of slot on cand beside one in flight.
func (x *racer) startHedge(slot, cand int) {
	if x.hedged != nil {
		x.hedged(slot, cand)
	}
	x.start(slot, cand)
}

// unstall applies the stall rule: every slot whose attempts in flight have
// not answered within answerWithin of the newest one's start gets another
// attempt, and the timer is armed for the next slot that may stall.
func (x *racer) unstall() {
	now := x.clock.Now()
	newest := make([]time.Time, x.slots) // per slot: newest attempt in flight, unanswered
	alive := make([]bool, x.slots)       // per slot: an attempt in flight has answered
	for _, f := range x.flights {
		if f.cancel == nil {
			continue
		}
		if f.answered.Load() {
			alive[f.slot] = true
		} else if f.start.After(newest[f.slot]) {
			newest[f.slot] = f.start
		}
	}
	var next time.Duration
	for s := range x.st {
		st := &x.st[s]
		if st.win >= 0 || alive[s] || newest[s].IsZero() {
			continue
		}
		due := newest[s].Add(x.answerWithin).Sub(now)
		if due <= 0 && st.inflight < maxInflight {
			cand, ok := x.next(s, st.tries, true)
			if !ok {
				continue
			}
			x.startHedge(s, cand)
			due = x.answerWithin
		}
		if due > 0 && (next == 0 || due < next) {
			next = due
		}
	}
	if next > 0 {
		x.stall = x.clock.After(next)
	}
}

// cancelTwins cancels the attempts of slot still in flight: a cancelled
// PUT stores nothing, and a cancelled fetch frees its holder.
func (x *racer) cancelTwins(slot int) {
	for _, f := range x.flights {
		if f.slot == slot && f.cancel != nil {
			f.cancel()
		}
	}
}

// median is the median of d, at least 50 ms: under that, timer and
// scheduling noise would hedge healthy attempts.
func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return max(s[len(s)/2], 50*time.Millisecond)
}
