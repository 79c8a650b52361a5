package profile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const caPEM = `-----BEGIN CERTIFICATE-----
MIIBNzCB6qADAgECAhAW8Qtu4q3UaNXyqBQtBGZzMAUGAytlcDAcMRowGAYDVQQD
ExFTY2F0dGVyQnl0ZXMgdGVzdDAeFw0yNjAxMDEwMDAwMDBaFw0zNjAxMDEwMDAw
MDBaMBwxGjAYBgNVBAMTEVNjYXR0ZXJCeXRlcyB0ZXN0MCowBQYDK2VwAyEAA6EH
v/XsAwEp+hMYDd+3w+P5KLwFMlVJlYdHcS/PiTKjQjBAMA4GA1UdDwEB/wQEAwIB
hjAPBgNVHRMBAf8EBTADAQH/MB0GA1UdDgQWBBTb6vVQaBBqaFw0x3GaWq5sEUhG
bjAFBgMrZXADQQBXmxNy4CZ0xQ0ZAhY3b6Q1gm4D33KfhmW5GjE5g8gF9DsrYQ5h
4mX8vGd6dQ8aWx0rJ6pGwtDwfm8PH4sQ5r0L
-----END CERTIFICATE-----`

func valid() *Profile {
	return &Profile{
		Name: "testnet", ProtocolPrefix: "/scatterbytes", Open: true,
		Bootstrap: []string{"/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDgEv6ksJJ2KgANHuRPjZ1szfjRHzVwRkvyRshpqSWGXk", "/dnsaddr/bootstrap.example.net"},
		Epoch:     Duration(5 * time.Second), Redundancy: "4+2", PayRateMsat: 1000,
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	p := valid()
	file := filepath.Join(t.TempDir(), "network.json")
	if err := p.Save(file); err != nil {
		t.Fatal(err)
	}
	q, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if q.Name != p.Name || q.Epoch != p.Epoch || len(q.BootstrapPeers()) != 1 || len(q.BootstrapAddrs()) != 1 {
		t.Fatalf("round trip: %+v", q)
	}
	if got := q.Protocol("chunk", "1.0.0"); got != "/scatterbytes/chunk/1.0.0" {
		t.Fatalf("Protocol = %s", got)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		field string
		edit  func(*Profile)
	}{
		{"name", func(p *Profile) { p.Name = "Bad Name" }},
		{"protocol_prefix", func(p *Profile) { p.ProtocolPrefix = "scatterbytes" }},
		{"ca", func(p *Profile) { p.Open = false }},
		{"ca", func(p *Profile) { p.Open = false; p.CA = "not pem" }},
		{"bootstrap", func(p *Profile) { p.Bootstrap = []string{"/ip4/127.0.0.1/tcp/1"} }},
		{"bootstrap", func(p *Profile) { p.Bootstrap = make([]string, MaxBootstrap+1) }},
		{"coordinator", func(p *Profile) { p.Coordinator = "nobody" }},
		{"epoch", func(p *Profile) { p.Epoch = Duration(time.Millisecond) }},
		{"redundancy", func(p *Profile) { p.Redundancy = "0+2" }},
		{"redundancy", func(p *Profile) { p.Redundancy = "4-2" }},
		{"bitcoin", func(p *Profile) { p.Bitcoin = "testnet4" }},
	} {
		t.Run(tc.field, func(t *testing.T) {
			p := valid()
			tc.edit(p)
			err := p.Validate()
			if !errors.Is(err, ErrBadProfile) || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("Validate = %v, want ErrBadProfile naming %s", err, tc.field)
			}
		})
	}
}

func TestParseRefusesUnknownFieldsAndTrailingData(t *testing.T) {
	for _, in := range []string{
		`{"name":"x","nmae":"typo"}`,
		`{"name":"testnet","protocol_prefix":"/s","open":true,"epoch":"5s","redundancy":"1+1"} {}`,
		strings.Repeat(" ", MaxSize+1),
	} {
		if _, err := Parse([]byte(in)); !errors.Is(err, ErrBadProfile) {
			t.Errorf("Parse(%.40q) = %v, want ErrBadProfile", in, err)
		}
	}
}

func TestPublicProfileIsNotLaunched(t *testing.T) {
	p, err := Public()
	if !errors.Is(err, ErrNotLaunched) {
		t.Fatalf("Public() error = %v, want ErrNotLaunched", err)
	}
	// Everything but the CA must already be valid.
	p.Open = true
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if !p.Public || len(p.BootstrapAddrs()) == 0 {
		t.Fatalf("public profile: %+v", p)
	}
	if _, err := LoadOrPublic(""); !errors.Is(err, ErrNotLaunched) {
		t.Fatalf("LoadOrPublic(\"\") = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	b, _ := os.ReadFile("public.json")
	f.Add(b)
	f.Add([]byte(`{"name":"testnet","protocol_prefix":"/scatterbytes","open":true,"bootstrap":["/dnsaddr/a.example"],"epoch":"5s","redundancy":"4+2"}`))
	f.Add([]byte(`{"name":"t","protocol_prefix":"/s","ca":` + quote(caPEM) + `,"epoch":"1h","redundancy":"1+2"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrBadProfile) {
				t.Fatalf("error does not wrap ErrBadProfile: %v", err)
			}
			return
		}
		// Whatever parses must validate and survive a round trip.
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "p.json")
		if err := p.Save(file); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(file); err != nil {
			t.Fatalf("saved profile does not load: %v", err)
		}
	})
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, "\n", `\n`) + `"` }

func TestBitcoinNetDefaults(t *testing.T) {
	p := valid()
	if p.BitcoinNet() != "regtest" {
		t.Fatalf("a testnet pays on %s, want regtest", p.BitcoinNet())
	}
	p.Public = true
	if p.BitcoinNet() != "mainnet" || p.BitcoinParams().Name != "mainnet" {
		t.Fatalf("a public network pays on %s, want mainnet", p.BitcoinNet())
	}
	p.Bitcoin = "signet"
	if p.BitcoinParams().Name != "signet" {
		t.Fatalf("bitcoin signet gives %s", p.BitcoinParams().Name)
	}
}

func TestRepairAt(t *testing.T) {
	var p *Profile // no profile: the default
	for _, tc := range []struct{ k, m, want int }{{4, 2, 5}, {1, 1, 1}, {10, 6, 13}, {3, 3, 5}, {2, 0, 2}} {
		if got := p.RepairAt(tc.k, tc.m); got != tc.want {
			t.Errorf("default RepairAt(%d, %d) = %d, want %d", tc.k, tc.m, got, tc.want)
		}
	}
	zero, big := 0, 9
	if got := (&Profile{RepairMargin: &zero}).RepairAt(4, 2); got != 4 {
		t.Errorf("margin 0: RepairAt(4, 2) = %d, want 4 (repair only at k)", got)
	}
	if got := (&Profile{RepairMargin: &big}).RepairAt(4, 2); got != 5 {
		t.Errorf("margin 9: RepairAt(4, 2) = %d, want 5 (a margin of m or more is m-1)", got)
	}
	neg := -1
	pr := valid()
	pr.RepairMargin = &neg
	if err := pr.Validate(); err == nil || !strings.Contains(err.Error(), "repair_margin") {
		t.Errorf("a negative margin: %v, want an error naming repair_margin", err)
	}
}
