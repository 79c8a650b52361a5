package gate

import (
	"testing"
	"time"
)

func TestBackoffGrowsIsBoundedAndForgets(t *testing.T) {
	now := time.Unix(1e9, 0)
	b := newBackoff(func() time.Time { return now })
	p := randomPeer(t)

	// The first refusal is free: a newcomer is refused once while it enrols.
	if d := b.refuse(p); d != 0 || b.blocked(p) {
		t.Fatalf("first refusal: kept away %s, blocked %v", d, b.blocked(p))
	}
	want := backoffBase
	for i := 2; i < 40; i++ {
		d := b.refuse(p)
		if d != want {
			t.Fatalf("refusal %d: kept away %s, want %s", i, d, want)
		}
		if !b.blocked(p) {
			t.Fatalf("refusal %d: not blocked", i)
		}
		want = min(2*want, backoffMax)
	}
	now = now.Add(backoffMax)
	if b.blocked(p) {
		t.Fatal("still blocked after the longest back-off")
	}
	// A peer that stays away backoffForget starts afresh.
	now = now.Add(backoffForget)
	if d := b.refuse(p); d != 0 {
		t.Fatalf("after %s away: kept away %s, want a fresh start", backoffForget, d)
	}
	now = now.Add(backoffForget)
	b.prune()
	if b.len() != 0 {
		t.Fatalf("%d records after prune, want 0", b.len())
	}

	// Verification clears the record.
	b.refuse(p)
	b.refuse(p)
	b.clear(p)
	if b.blocked(p) || b.len() != 0 {
		t.Fatal("a verified peer is still kept away")
	}

	// Memory is bounded whatever the number of identities.
	for range maxBackoffPeers + 100 {
		now = now.Add(time.Millisecond)
		b.refuse(randomPeer(t))
	}
	if b.len() != maxBackoffPeers {
		t.Fatalf("%d records, want the cap %d", b.len(), maxBackoffPeers)
	}
}
