package shard

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

func TestSpaceCache(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := newSpaceCache(time.Minute, func() time.Time { return now })
	const p = peer.ID("node")
	check := func(step string, need int64, want room) {
		t.Helper()
		if got := s.room(p, need); got != want {
			t.Fatalf("%s: room(%d) = %d, want %d", step, need, got, want)
		}
	}
	check("never heard of", 1, roomUnknown)
	s.set(p, 1000)
	check("stated 1000", 1000, roomYes)
	check("stated 1000", 1001, roomNo)
	now = now.Add(time.Minute - time.Millisecond)
	check("just fresh", 1001, roomNo)
	now = now.Add(time.Millisecond)
	check("stale", 1001, roomUnknown)

	s.set(p, -1)
	check("no limit", 1<<50, roomYes)
	s.failed(p)
	check("probe failed", 1, roomUnsure)
	now = now.Add(time.Minute)
	check("failed probe forgotten", 1, roomUnknown)

	for _, tc := range []struct {
		name        string
		need, free  int64
		fits, fails int64
	}{
		{"refusal without a number", 500, -1, 499, 500},
		{"refusal stating room for it (PUTs in flight)", 500, 10_000, 499, 500},
		{"refusal stating less", 500, 100, 100, 101},
		{"refusal stating nothing left", 500, 0, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.set(p, 1<<30)
			s.refused(p, tc.need, tc.free)
			check("after refusal", tc.fits, roomYes)
			check("after refusal", tc.fails, roomNo)
		})
	}
}

func TestSpaceCacheDropsStaleEntries(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := newSpaceCache(time.Minute, func() time.Time { return now })
	for i := range maxSpaceEntries {
		s.set(peer.ID(strconv.Itoa(i)), 1)
	}
	now = now.Add(time.Minute)
	s.set("fresh", 1)
	if len(s.m) != 1 {
		t.Fatalf("%d entries after a put over the limit, want only the fresh one", len(s.m))
	}
}

func TestUnion(t *testing.T) {
	a := []peer.ID{"a", "b", "c"}
	got := union(a, []peer.ID{"c", "d", "a", "e"})
	if want := []peer.ID{"a", "b", "c", "d", "e"}; !slices.Equal(got, want) {
		t.Fatalf("union = %v, want %v", got, want)
	}
	if !slices.Equal(a, []peer.ID{"a", "b", "c"}) {
		t.Fatalf("union changed its first argument: %v", a)
	}
}
