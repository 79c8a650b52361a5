package shard

import (
	"sync"

	"github.com/libp2p/go-libp2p/core/peer"
)

// maxBadHolders bounds the holders remembered as having served a corrupt
// chunk; past it the set starts over (a holder may then be warned about
// again, which is better than never warning about a new one).
const maxBadHolders = 256

// badHolders remembers the holders that served a corrupt chunk, so each is
// reported once at warning level and later at debug.
type badHolders struct {
	mu   sync.Mutex
	seen map[peer.ID]struct{}
}

// first records p and reports whether it is the first time.
func (b *badHolders) first(p peer.ID) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.seen[p]; ok {
		return false
	}
	if b.seen == nil || len(b.seen) >= maxBadHolders {
		b.seen = make(map[peer.ID]struct{})
	}
	b.seen[p] = struct{}{}
	return true
}
