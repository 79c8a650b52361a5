package gate

import (
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// Back-off of refused peers, enforced by the connection gater (gater.go).
const (
	// backoffBase is the wait after a peer's second refusal in a row; it
	// doubles with each further one. The first refusal costs nothing: a
	// newcomer is refused once while it enrols.
	backoffBase = time.Second
	// backoffMax caps the wait.
	backoffMax = 10 * time.Minute
	// backoffForget is how long a peer's record lasts after its last
	// refusal: a peer that stays away that long starts afresh.
	backoffForget = time.Hour
	// maxBackoffPeers bounds the records; when full, the one refused
	// longest ago makes room. At 4096 records of ~100 bytes the table
	// stays under half a MiB, whatever a flood of fresh identities does.
	maxBackoffPeers = 4096
)

// backoff remembers peers the gate refused and how long each must stay
// away. Its memory is bounded (maxBackoffPeers) and its records expire
// (backoffForget).
type backoff struct {
	now func() time.Time

	mu    sync.Mutex
	peers map[peer.ID]*strikes
}

type strikes struct {
	n     int       // refusals in a row
	last  time.Time // the latest
	until time.Time // refused until then
}

func newBackoff(now func() time.Time) *backoff {
	return &backoff{now: now, peers: map[peer.ID]*strikes{}}
}

// refuse records a refusal of p and returns how long p is now kept away.
func (b *backoff) refuse(p peer.ID) time.Duration {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.peers[p]
	if s != nil && now.Sub(s.last) >= backoffForget {
		s = nil
	}
	if s == nil {
		if len(b.peers) >= maxBackoffPeers {
			b.evictOldest()
		}
		s = &strikes{}
		b.peers[p] = s
	}
	s.n++
	s.last = now
	var d time.Duration
	if s.n >= 2 {
		d = backoffMax
		if s.n-2 < 20 {
			d = min(backoffBase<<(s.n-2), backoffMax)
		}
	}
	s.until = now.Add(d)
	return d
}

// evictOldest drops the record refused longest ago. Callers hold b.mu.
func (b *backoff) evictOldest() {
	var oldest peer.ID
	var at time.Time
	for p, s := range b.peers {
		if oldest == "" || s.last.Before(at) {
			oldest, at = p, s.last
		}
	}
	delete(b.peers, oldest)
}

// blocked reports whether p is inside its back-off.
func (b *backoff) blocked(p peer.ID) bool {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.peers[p]
	return s != nil && now.Before(s.until)
}

// clear forgets p's refusals: it has been verified.
func (b *backoff) clear(p peer.ID) {
	b.mu.Lock()
	delete(b.peers, p)
	b.mu.Unlock()
}

// prune drops the records older than backoffForget.
func (b *backoff) prune() {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	for p, s := range b.peers {
		if now.Sub(s.last) >= backoffForget {
			delete(b.peers, p)
		}
	}
}

// len is the number of records, for tests.
func (b *backoff) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.peers)
}
