package main

import (
	"errors"
	"fmt"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
)

// humanError adds what to do next to the errors people meet most. The
// wrapped detail stays in the message; the hint comes first.
func humanError(err error) string {
	hint := ""
	switch {
	case errors.Is(err, identity.ErrNoKey):
		hint = "no identity key: run `scatterbytes init` first (or pass --dir)"
	case errors.Is(err, identity.ErrKeyPermissions):
		hint = "the key file is readable by others: run `chmod 600` on it"
	case errors.Is(err, profile.ErrNotLaunched):
		return err.Error()
	case errors.Is(err, profile.ErrBadProfile):
		hint = "the network profile is not valid: check the file given with --network"
	case errors.Is(err, cert.ErrExpired):
		hint = "the membership certificate has expired: get a new one from the network CA (`scatterbytes ca sign`), or restart the node to renew it through the coordinator"
	case errors.Is(err, node.ErrNoCert):
		hint = "no membership certificate yet"
	}
	if hint == "" {
		return err.Error()
	}
	return fmt.Sprintf("%s\n  (%v)", hint, err)
}
