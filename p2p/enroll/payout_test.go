package enroll_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"

	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/enroll"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/node"
)

func segwitAddr(t *testing.T, net *chaincfg.Params) string {
	t.Helper()
	a, err := btcutil.NewAddressWitnessPubKeyHash(make([]byte, 20), net)
	if err != nil {
		t.Fatal(err)
	}
	return a.String()
}

// TestEnrolmentChecksPayout enrols against a real coordinator of a
// testnet (Bitcoin regtest): a regtest segwit address is admitted; a
// malformed one, a mainnet one and a legacy (P2PKH) one are refused with
// a message that says why.
func TestEnrolmentChecksPayout(t *testing.T) {
	net := nettest.NewWith(t, testclient.WithCoordinator(testnet.Options{Nodes: 1}, nil))
	if got := net.Profile.BitcoinNet(); got != "regtest" {
		t.Fatalf("a testnet pays on %q, want regtest", got)
	}
	p2pkh, err := btcutil.NewAddressPubKeyHash(make([]byte, 20), &chaincfg.RegressionNetParams)
	if err != nil {
		t.Fatal(err)
	}
	good := segwitAddr(t, &chaincfg.RegressionNetParams)
	for _, tc := range []struct {
		name, payout, want string
	}{
		{"regtest segwit", good, ""},
		{"no address", "", ""},
		{"malformed", "bcrt1qnotanaddress", "is not a Bitcoin address"},
		{"checksum", good[:len(good)-1] + flip(good[len(good)-1]), "is not a Bitcoin address"},
		{"mainnet", segwitAddr(t, &chaincfg.MainNetParams), "is not an address on Bitcoin regtest"},
		{"legacy", p2pkh.String(), "not a segwit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			k, err := identity.LoadOrCreate(filepath.Join(dir, node.KeyFile))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			m, err := node.Enroll(ctx, dir, net.Profile, k, cert.RoleNode, tc.payout)
			if tc.want == "" {
				if err != nil || m.Payout != tc.payout {
					t.Fatalf("enrol with %q = %+v, %v", tc.payout, m, err)
				}
				return
			}
			if !errors.Is(err, enroll.ErrRefused) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("enrol with %q = %v, want refused: ...%s", tc.payout, err, tc.want)
			}
			t.Logf("refused: %v", err)
		})
	}
}

func flip(c byte) string {
	if c == 'q' {
		return "p"
	}
	return "q"
}
