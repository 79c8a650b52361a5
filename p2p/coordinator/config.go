package coordinator

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator/reputation"
	"github.com/scatterbytes/scatterbytes/p2p/enroll"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
	"github.com/scatterbytes/scatterbytes/p2p/proof"
	"github.com/scatterbytes/scatterbytes/payments"
	"github.com/scatterbytes/scatterbytes/payments/ledger"
)

// CADir is the CA's directory inside a coordinator directory.
const CADir = "ca"

// Config configures a coordinator. Start from DefaultConfig.
type Config struct {
	// Node is the coordinator's own peer: its directory (Node.Dir, see the
	// package doc), the network profile, listen addresses, timeouts and
	// logger. Node.Role must be cert.RoleCoordinator. The profile's CA
	// must be the coordinator's CA; its coordinator, when set, this
	// coordinator's peer ID.
	Node node.Config
	// CADir is the network CA's directory (default Node.Dir/ca). Unused on
	// an open network or when CA is set.
	CADir string
	// CA, if set, is the network CA to use instead of loading CADir. The
	// caller keeps it and must not load a second copy of the same
	// directory: the in-process harness shares one CA between restarts of
	// its coordinator and the certificates it issues itself.
	CA *cert.CA
	// Validity is the lifetime of the certificates enrolment issues.
	Validity time.Duration
	// CRLValidity is how long a published CRL stays current.
	CRLValidity time.Duration
	// Approve decides each enrolment request; nil refuses every one (the
	// operator then signs with `scatterbytes ca sign`). DefaultConfig
	// admits every storage node and client whose payout address, if any,
	// is a segwit address on the profile's Bitcoin chain
	// (enroll.ApproveMembersOn).
	Approve func(m cert.Member, remote peer.ID) error
	// API is the loopback address of the read-only JSON API (default
	// 127.0.0.1:0, a port the system picks, written to DIR/api.addr);
	// empty turns it off.
	API string
	// Dashboard, if set, is the address of the coordinator's dashboard,
	// its JSON API and /metrics (package p2p/dash: any address but
	// 127.0.0.1, ::1 or localhost needs the token in Node.Dir).
	Dashboard string
	// Reputation are the audit and reachability parameters.
	Reputation reputation.Params
	// Samples is the number of chunks each proof samples (each one audit;
	// see package reputation for the detection math): the beacons say it.
	Samples int
	// SpotChecks is how many nodes are dialled each epoch to fetch a
	// slice they proved directly.
	SpotChecks int
	// Ledger, if set, is the ledger to credit verified proofs in (the
	// caller opened it and closes it); nil opens Node.Dir/ledger at the
	// profile's terms.
	Ledger *ledger.Ledger
	// Payer, if set, pays nodes on its schedule (package payments) from
	// Ledger, which must then be set too.
	Payer *payments.Payer
	// Clock, if set, is the time the epochs follow instead of the wall
	// clock's (see Clock). Certificates, CRLs and network timeouts keep
	// the wall clock.
	Clock Clock
}

// DefaultConfig returns the configuration of a coordinator with its
// directory in dir on network p: listening on every interface on a port
// the system picks, certificates valid cert.DefaultValidity, CRLs
// cert.DefaultCRLUpdate, every storage node and client admitted.
func DefaultConfig(dir string, p *profile.Profile) Config {
	n := node.DefaultConfig(dir, p)
	n.Role = cert.RoleCoordinator
	return Config{
		Node:        n,
		CADir:       filepath.Join(dir, CADir),
		Validity:    cert.DefaultValidity,
		CRLValidity: cert.DefaultCRLUpdate,
		Approve:     enroll.ApproveMembersOn(p),
		API:         "127.0.0.1:0",
		Reputation:  reputation.DefaultParams(),
		Samples:     reputation.DefaultParams().Samples,
		SpotChecks:  3,
	}
}

// Validate reports the first problem with c.
func (c *Config) Validate() error {
	if c.Node.Role != cert.RoleCoordinator {
		return fmt.Errorf("coordinator: node role %q, want %q", c.Node.Role, cert.RoleCoordinator)
	}
	if err := c.Node.Validate(); err != nil {
		return err
	}
	switch {
	case c.Node.Profile.Open && c.CA != nil:
		return errors.New("coordinator: a CA on an open network")
	case !c.Node.Profile.Open && c.CA == nil && c.CADir == "":
		return errors.New("coordinator: no CA and no CA directory")
	case c.Validity <= 0 || c.CRLValidity <= 0:
		return errors.New("coordinator: certificate and CRL lifetimes must be positive")
	}
	if err := c.Reputation.Validate(); err != nil {
		return err
	}
	if c.Payer != nil && c.Ledger == nil {
		return errors.New("coordinator: a payer without its ledger")
	}
	if c.Samples < 1 || c.Samples > proof.MaxSamples || c.SpotChecks < 0 {
		return fmt.Errorf("coordinator: %d samples per proof (1..%d), %d spot checks", c.Samples, proof.MaxSamples, c.SpotChecks)
	}
	if id := c.Node.Profile.Coordinator; id != "" {
		if _, err := peer.Decode(id); err != nil {
			return fmt.Errorf("coordinator: profile names coordinator %q: %w", id, err)
		}
	}
	return nil
}
