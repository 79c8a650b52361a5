package shard

import (
	"fmt"
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/standing"
)

func TestAdmit(t *testing.T) {
	ps := make([]peer.ID, 8)
	for i := range ps {
		ps[i] = peer.ID(fmt.Sprintf("peer%d", i))
	}
	st := &standing.Standings{ByPeer: map[peer.ID]standing.Entry{
		ps[0]: {State: standing.Disqualified}, ps[1]: {State: standing.Vetting},
		ps[2]: {State: standing.Suspended}, ps[3]: {State: standing.Vetting}, ps[4]: {State: standing.Vetting},
	}}
	for _, tc := range []struct {
		name      string
		st        *standing.Standings
		need      int
		want      []peer.ID
		passedOut string
	}{
		{"no standings", nil, 6, ps, ""},
		{"one vetting node when the others suffice", st, 3, []peer.ID{ps[1], ps[5], ps[6], ps[7]},
			"; passed over: 2 suspended or disqualified, 2 vetting beyond 1 per stripe"},
		{"vetting nodes make up the shortfall", st, 5, []peer.ID{ps[1], ps[3], ps[5], ps[6], ps[7]},
			"; passed over: 2 suspended or disqualified, 1 vetting beyond 2 per stripe"},
		{"never a suspended node", st, 8, []peer.ID{ps[1], ps[3], ps[4], ps[5], ps[6], ps[7]},
			"; passed over: 2 suspended or disqualified, 0 vetting beyond 3 per stripe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := admit(tc.st, ps, tc.need)
			if fmt.Sprint(a.peers) != fmt.Sprint(tc.want) {
				t.Fatalf("admitted %v, want %v", a.peers, tc.want)
			}
			if got, want := a.withSpares(), tc.want; len(got) != len(want)+a.vetting {
				t.Fatalf("with spares %v: want the %d vetting nodes passed over after %v", got, a.vetting, want)
			}
			if got := a.passedOver(); got != tc.passedOut {
				t.Fatalf("passedOver %q, want %q", got, tc.passedOut)
			}
		})
	}
}
