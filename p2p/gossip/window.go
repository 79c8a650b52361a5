package gossip

import (
	"sync"
	"time"
)

// clock is the topic's idea of the current epoch, and the window of
// epochs it accepts messages for (see doc.go, "Epochs").
type clock struct {
	length time.Duration
	now    func() time.Time

	mu    sync.Mutex
	known bool
	cur   uint64
	at    time.Time // when cur was set
}

// current returns the epoch and whether one is known.
func (c *clock) current() (uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cur, c.known
}

// advance moves the epoch forward to e; an older e changes nothing. It
// reports whether the epoch moved.
func (c *clock) advance(e uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.known && e <= c.cur {
		return false
	}
	c.known, c.cur, c.at = true, e, c.now()
	return true
}

// Where an epoch falls.
const (
	inWindow = iota
	unknown  // no epoch known yet
	stale    // older than the previous epoch
	early    // beyond the horizon
)

// place places a message's epoch in the window. Until an epoch is known
// only the epoch kind gets through: it is how the epoch becomes known.
func (c *clock) place(kind Kind, e uint64) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case kind == KindBeacon && (!c.known || e > c.cur):
		// A newer beacon is judged by its validator (the coordinator's
		// signature), not by this node's idea of the time: beacons are how
		// a node that fell behind catches up.
		return inWindow
	case !c.known:
		return unknown
	case e < c.cur && c.cur-e > 1:
		return stale
	case e > c.horizon():
		return early
	}
	return inWindow
}

// judge is place as a verdict: too early is a Reject, unknown and stale
// are Ignores. (The topic's validator ignores early messages too.)
func (c *clock) judge(kind Kind, e uint64) Verdict {
	switch c.place(kind, e) {
	case inWindow:
		return Accept
	case early:
		return Reject
	}
	return Ignore
}

// horizon is the latest epoch a message may name: the next one, and one
// more for each epoch's length since the current one began, so that a
// node that missed beacons never refuses honest messages for being early.
func (c *clock) horizon() uint64 {
	elapsed := c.now().Sub(c.at)
	if elapsed < 0 {
		elapsed = 0
	}
	return c.cur + 1 + uint64(elapsed/c.length)
}

// maxRecords bounds the (author, kind, epoch) set: at ~150 bytes a record,
// about 20 MB. A message that would need a record beyond it is ignored.
const maxRecords = 1 << 17

// recordKey names one slot: an author may fill each slot once.
type recordKey struct {
	author string
	kind   Kind
}

// records remembers, per epoch, the message each author sent of each kind,
// so that a second, different one is caught (equivocation). Epochs older
// than the current one less two are forgotten.
type records struct {
	mu     sync.Mutex
	epochs map[uint64]map[recordKey]string // epoch -> slot -> message ID
	n      int
}

// claim outcomes.
const (
	claimed     = iota // the slot was free and is now this message's
	duplicate          // the slot holds this very message
	equivocates        // the slot holds another message
	full               // no room for another record
)

// claim takes the slot (author, kind, epoch) for message id.
func (r *records) claim(author string, kind Kind, epoch uint64, id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := recordKey{author, kind}
	if got, ok := r.epochs[epoch][k]; ok {
		if got == id {
			return duplicate
		}
		return equivocates
	}
	if r.n >= maxRecords {
		return full
	}
	if r.epochs == nil {
		r.epochs = map[uint64]map[recordKey]string{}
	}
	if r.epochs[epoch] == nil {
		r.epochs[epoch] = map[recordKey]string{}
	}
	r.epochs[epoch][k] = id
	r.n++
	return claimed
}

// release frees a slot claimed by id whose message was not accepted, so
// that the author's valid message for it may still come.
func (r *records) release(author string, kind Kind, epoch uint64, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := recordKey{author, kind}
	if got, ok := r.epochs[epoch][k]; ok && got == id {
		delete(r.epochs[epoch], k)
		r.n--
	}
}

// forget drops every epoch older than cur-2.
func (r *records) forget(cur uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for e, m := range r.epochs {
		if e < cur && cur-e > 2 {
			r.n -= len(m)
			delete(r.epochs, e)
		}
	}
}

// len is how many records are held.
func (r *records) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}
