package main

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/scatterbytes/scatterbytes/p2p/profile"
)

// profileFlags are the settings of a new network profile, shared by the
// commands that write one (`coordinator init`, `ca profile`).
type profileFlags struct {
	name, prefix, redundancy string
	epoch                    time.Duration
	payRate                  uint64
}

func (p *profileFlags) register(f *pflag.FlagSet) {
	f.StringVar(&p.name, "name", "scatterbytes", "network name: 1-64 of a-z, 0-9 and -")
	f.StringVar(&p.prefix, "protocol-prefix", "/scatterbytes", "libp2p protocol prefix of the network")
	f.DurationVar(&p.epoch, "epoch", time.Hour, "epoch length")
	f.StringVar(&p.redundancy, "redundancy", "4+2", "default erasure coding k+m")
	f.Uint64Var(&p.payRate, "pay-rate-msat", 1000, "price of storage in millisatoshi per GiB-hour stored and proven (nodes get 75%)")
}

// profile is the profile these flags describe, without CA, coordinator or
// bootstrap peers.
func (p *profileFlags) profile() *profile.Profile {
	return &profile.Profile{Name: p.name, ProtocolPrefix: p.prefix,
		Epoch: profile.Duration(p.epoch), Redundancy: p.redundancy, PayRateMsat: p.payRate}
}
