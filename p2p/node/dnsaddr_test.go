package node

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"testing"

	"github.com/libp2p/go-libp2p"
	madns "github.com/multiformats/go-multiaddr-dns"

	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
)

// txtResolver answers TXT lookups from a map; nothing here reaches DNS.
type txtResolver map[string][]string

func (r txtResolver) LookupIPAddr(context.Context, string) ([]net.IPAddr, error) { return nil, nil }
func (r txtResolver) LookupTXT(_ context.Context, name string) ([]string, error) {
	if txt, ok := r[name]; ok {
		return txt, nil
	}
	return nil, fmt.Errorf("no TXT record for %s", name)
}

func TestDNSAddrBootstrapResolves(t *testing.T) {
	a, _ := identity.Generate()
	b, _ := identity.Generate()
	rslv, err := madns.NewResolver(madns.WithDefaultResolver(txtResolver{
		"_dnsaddr.bootstrap.example.net": {
			"dnsaddr=/ip4/127.0.0.1/tcp/4001/p2p/" + a.PeerID().String(),
			"dnsaddr=/ip4/127.0.0.1/udp/4001/quic-v1/p2p/" + b.PeerID().String(),
		},
	}))
	if err != nil {
		t.Fatal(err)
	}
	h, err := libp2p.New(libp2p.NoListenAddrs)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	n := &Node{
		raw: h, dns: rslv, log: slog.New(slog.DiscardHandler),
		prof: &profile.Profile{Bootstrap: []string{"/dnsaddr/bootstrap.example.net", "/dnsaddr/missing.example.net"}},
	}
	got := n.resolveDNSAddrs(context.Background())
	if len(got) != 2 {
		t.Fatalf("resolved %d peers, want 2: %v", len(got), got)
	}
	ids := map[string]bool{got[0].ID.String(): true, got[1].ID.String(): true}
	if !ids[a.PeerID().String()] || !ids[b.PeerID().String()] {
		t.Fatalf("resolved %v, want %s and %s", got, a.PeerID(), b.PeerID())
	}
}
