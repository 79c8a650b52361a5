package node

import (
	"slices"
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

func addrs(t *testing.T, ss ...string) []ma.Multiaddr {
	t.Helper()
	out := make([]ma.Multiaddr, len(ss))
	for i, s := range ss {
		out[i] = ma.StringCast(s)
	}
	return out
}

func strs(as []ma.Multiaddr) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.String()
	}
	return out
}

func TestAddrsFactory(t *testing.T) {
	listen := []string{"/ip4/127.0.0.1/tcp/4001", "/ip4/10.0.0.2/tcp/4001", "/ip4/203.0.113.7/tcp/4001", "/ip4/8.8.8.8/tcp/4001"}
	for _, tc := range []struct {
		name     string
		announce []string
		public   bool
		want     []string
	}{
		{"private network: all, public then private then loopback", nil, false,
			[]string{"/ip4/8.8.8.8/tcp/4001", "/ip4/10.0.0.2/tcp/4001", "/ip4/203.0.113.7/tcp/4001", "/ip4/127.0.0.1/tcp/4001"}},
		{"public network: public only", nil, true, []string{"/ip4/8.8.8.8/tcp/4001"}},
		{"announce replaces", []string{"/ip4/10.9.9.9/tcp/5000"}, false, []string{"/ip4/10.9.9.9/tcp/5000"}},
		{"announce on the public network stays public", []string{"/ip4/10.9.9.9/tcp/5000", "/ip4/1.2.3.4/tcp/5000"}, true, []string{"/ip4/1.2.3.4/tcp/5000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := strs(addrsFactory(addrs(t, tc.announce...), tc.public)(addrs(t, listen...)))
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDHTAddrFilterDropsLoopbackUnlessLoopbackOnly(t *testing.T) {
	heard := addrs(t, "/ip4/127.0.0.1/tcp/4001", "/ip4/10.0.0.3/tcp/4001", "/ip4/8.8.8.8/tcp/4001")
	for _, tc := range []struct {
		name   string
		public bool
		listen []string
		want   []string
	}{
		{"on loopback alone: keeps all", false, []string{"/ip4/127.0.0.1/tcp/1"},
			[]string{"/ip4/127.0.0.1/tcp/4001", "/ip4/10.0.0.3/tcp/4001", "/ip4/8.8.8.8/tcp/4001"}},
		{"on a LAN: no loopback", false, []string{"/ip4/127.0.0.1/tcp/1", "/ip4/10.0.0.2/tcp/1"},
			[]string{"/ip4/10.0.0.3/tcp/4001", "/ip4/8.8.8.8/tcp/4001"}},
		{"public network: public only", true, []string{"/ip4/127.0.0.1/tcp/1"}, []string{"/ip4/8.8.8.8/tcp/4001"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := addrs(t, tc.listen...)
			got := strs(dhtAddrFilter(tc.public, func() []ma.Multiaddr { return l })(heard))
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			if len(heard) != 3 {
				t.Fatal("the filter changed its argument")
			}
		})
	}
}

func TestP2PAddrPrefersAReachableTCPAddress(t *testing.T) {
	id, err := peer.Decode("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA")
	if err != nil {
		t.Fatal(err)
	}
	ai := peer.AddrInfo{ID: id, Addrs: addrs(t, "/ip4/127.0.0.1/tcp/4001", "/ip4/10.0.0.2/udp/4001/quic-v1", "/ip4/10.0.0.2/tcp/4001")}
	if got, want := P2PAddr(ai), "/ip4/10.0.0.2/tcp/4001/p2p/"+id.String(); got != want {
		t.Fatalf("P2PAddr = %s, want %s", got, want)
	}
	if got := P2PAddrs(ai); len(got) != 3 || got[2] != "/ip4/127.0.0.1/tcp/4001/p2p/"+id.String() {
		t.Fatalf("P2PAddrs = %v, want loopback last", got)
	}
}
