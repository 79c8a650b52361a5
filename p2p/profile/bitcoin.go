package profile

import (
	"fmt"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
)

// bitcoinNets are the chains a profile may name, by their profile name.
var bitcoinNets = map[string]*chaincfg.Params{
	"mainnet":  &chaincfg.MainNetParams,
	"testnet3": &chaincfg.TestNet3Params,
	"signet":   &chaincfg.SigNetParams,
	"regtest":  &chaincfg.RegressionNetParams,
}

// BitcoinNet is the name of the Bitcoin chain the network pays on: the
// bitcoin field, or mainnet on a public network and regtest on any other.
func (p *Profile) BitcoinNet() string {
	switch {
	case p.Bitcoin != "":
		return p.Bitcoin
	case p.Public:
		return "mainnet"
	default:
		return "regtest"
	}
}

// BitcoinParams returns the chain parameters of BitcoinNet.
func (p *Profile) BitcoinParams() *chaincfg.Params {
	if n, ok := bitcoinNets[p.BitcoinNet()]; ok {
		return n
	}
	return &chaincfg.MainNetParams // Validate refused any other name
}

// CheckPayout checks that addr is a segwit address (P2WPKH, P2WSH or P2TR)
// on the network's Bitcoin chain; the error wraps ErrBadPayout and says
// which rule failed. Segwit only: every payout output is then cheap to
// spend and to pay (31-43 vbytes), every wallet made since 2017 gives one,
// and a bech32 string carries its chain in its prefix and a checksum
// strong enough that a mistyped address is refused here instead of
// burning a payout.
func (p *Profile) CheckPayout(addr string) error {
	return CheckPayout(addr, p.BitcoinParams())
}

// CheckPayout is Profile.CheckPayout for chain parameters net.
func CheckPayout(addr string, net *chaincfg.Params) error {
	if len(addr) == 0 || len(addr) > 100 {
		return fmt.Errorf("%w: %d characters", ErrBadPayout, len(addr))
	}
	a, err := btcutil.DecodeAddress(addr, net)
	if err != nil {
		return fmt.Errorf("%w: %q is not a Bitcoin address: %v", ErrBadPayout, addr, err)
	}
	if !a.IsForNet(net) {
		return fmt.Errorf("%w: %q is not an address on Bitcoin %s", ErrBadPayout, addr, net.Name)
	}
	switch a.(type) {
	case *btcutil.AddressWitnessPubKeyHash, *btcutil.AddressWitnessScriptHash, *btcutil.AddressTaproot:
		return nil
	}
	return fmt.Errorf("%w: %q is not a segwit (bc1...) address; only segwit addresses are paid", ErrBadPayout, addr)
}
