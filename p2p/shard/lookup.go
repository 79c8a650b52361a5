package shard

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	kb "github.com/libp2p/go-libp2p-kbucket"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/routing"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
)

// A put never waits on one node's dial.
//
// A DHT lookup ends once the closest peers it heard of have answered or
// failed, so one peer whose address drops packets (a node behind a NAT
// advertising its private address) holds a lookup for the whole dial
// timeout: 5 s for a private address, 15 s for a public one. A fresh
// client's first put looked up its stripe's nodes that way and stalled
// 5.3 s in 7 of 8 tries. So placement watches the lookup's events and
// stops it as soon as enough storage nodes have answered while every query
// still running is a dial. Only when too few have answered does a
// placement wait for the whole lookup; the peers whose dial failed are
// then remembered as unreachable for a while: left out of placement (not
// dialled again on the hot path) and named when a placement fails.

// unreachableFor is how long a peer a lookup could not reach stays out of
// placement.
const unreachableFor = time.Minute

// unreachables remembers the peers lookups could not reach, and why.
type unreachables struct {
	mu    sync.Mutex
	peers map[peer.ID]unreachable
}

type unreachable struct {
	why string
	at  time.Time
}

func (u *unreachables) add(p peer.ID, why string, now time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.peers == nil {
		u.peers = make(map[peer.ID]unreachable)
	}
	u.peers[p] = unreachable{why: why, at: now}
}

// forget drops p: it answered.
func (u *unreachables) forget(p peer.ID) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.peers, p)
}

// has says whether p could not be reached within unreachableFor of now.
func (u *unreachables) has(p peer.ID, now time.Time) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	e, ok := u.peers[p]
	return ok && now.Sub(e.at) < unreachableFor
}

// describe names the peers unreachable at now, for an error: "" when
// there are none.
func (u *unreachables) describe(now time.Time) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	var parts []string
	for p, e := range u.peers {
		if now.Sub(e.at) < unreachableFor {
			parts = append(parts, fmt.Sprintf("%s (%s)", p, e.why))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	sort.Strings(parts)
	return "; unreachable: " + strings.Join(parts, ", ")
}

// noteDial remembers p as unreachable when err is a dial that failed (not
// a request that did): a probe's, a PUT's. Lookups are not the only ones
// to dial a peer, and the first dial to fail is often another's: a node
// behind a NAT, which no one can dial, was once placed because the lookup
// ended before its dial did, then failed every PUT with "dial backoff".
// A later failure keeps the reason of the first (a back-off says nothing).
func (t *Net) noteDial(p peer.ID, err error) {
	var de *swarm.DialError
	now := time.Now()
	if !errors.As(err, &de) || errors.Is(err, context.Canceled) || t.unreach.has(p, now) {
		return // a dial we gave up on (a hedge's twin cancelled) says nothing of p
	}
	t.unreach.add(p, dialError(de.Error()), now)
}

// lookupState is what the events of one lookup said of each peer.
type lookupState int

const (
	dialling lookupState = iota
	querying
	answered
	failed
)

// closestReachable looks up the peers closest to key, like the DHT's
// GetClosestPeers, but returns as soon as enough(answered) holds for the
// peers that answered while every query still running is waiting on a
// dial. It returns the peers that answered, closest first, and whether it
// cut the lookup short.
func (t *Net) closestReachable(ctx context.Context, key string, enough func([]peer.ID) bool) (_ []peer.ID, cut bool, _ error) {
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ectx, events := routing.RegisterForQueryEvents(lctx)
	type result struct {
		peers []peer.ID
		err   error
	}
	done := make(chan result, 1)
	go func() {
		ps, err := t.node.DHT().GetClosestPeers(ectx, key)
		done <- result{ps, err}
	}()
	state := map[peer.ID]lookupState{}
	var heard []peer.ID
	note := func(ev *routing.QueryEvent) {
		switch ev.Type {
		case routing.DialingPeer:
			state[ev.ID] = dialling
		case routing.SendingQuery:
			state[ev.ID] = querying
		case routing.PeerResponse:
			state[ev.ID] = answered
			heard = append(heard, ev.ID)
			t.unreach.forget(ev.ID)
		case routing.QueryError:
			if ev.ID != "" {
				if state[ev.ID] == dialling {
					t.unreach.add(ev.ID, dialError(ev.Extra), time.Now())
				}
				state[ev.ID] = failed
			}
		}
	}
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			note(ev)
			if enough(heard) && !slices.ContainsFunc(mapValues(state), func(s lookupState) bool { return s == querying }) {
				// Dials cut short here say nothing of the peers.
				cancel()
				<-done
				return kb.SortClosestPeers(heard, kb.ConvertKey(key)), true, nil
			}
		case r := <-done:
			// The lookup ended by itself: read what it said before it
			// did (the channel closes once the cancel lands).
			cancel()
			if events != nil { // nil once it has closed: ranging over it would block for ever
				for ev := range events {
					note(ev)
				}
			}
			for p, s := range state {
				if s == dialling {
					t.unreach.add(p, "dial still running when the lookup ended", time.Now())
				}
			}
			if r.err != nil && len(heard) == 0 {
				return r.peers, false, r.err
			}
			// The lookup's own answer holds the closest peers; those it
			// heard from beyond them are reachable too.
			return union(r.peers, kb.SortClosestPeers(heard, kb.ConvertKey(key))), false, nil
		}
	}
}

func mapValues(m map[peer.ID]lookupState) []lookupState {
	out := make([]lookupState, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// dialError is why a lookup's dial failed, for people, on one line: the
// address each dial tried and how it failed, as libp2p's dial error lists
// them on lines of their own ("  * [ADDR] CAUSE"). A dial the lookup
// cancelled when it ended had not connected by then.
func dialError(extra string) string {
	if strings.Contains(extra, context.Canceled.Error()) {
		return "dial still running when the lookup ended"
	}
	lines := strings.Split(extra, "\n")
	var tried []string
	for _, l := range lines[1:] {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "* ") {
			tried = append(tried, strings.TrimPrefix(l, "* "))
		}
	}
	out := lines[0]
	if len(tried) > 0 {
		out = "dial failed: " + strings.Join(tried, "; ")
	}
	if len(out) > 240 {
		out = out[:240] + "…"
	}
	return out
}
